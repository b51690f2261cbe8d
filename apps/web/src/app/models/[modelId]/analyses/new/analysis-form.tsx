"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import {
  analysisInput,
  type AnalysisFormErrors,
  type AnalysisFormValues,
  validateAnalysisForm,
} from "@/lib/analysis-form";
import { errorText } from "@/lib/api-error";
import { FormError } from "@/components/form-error";

const StartAnalysisMutation = graphql(`
  mutation StartAnalysis($input: StartAnalysisInput!) {
    startAnalysis(input: $input) {
      id
    }
  }
`);

const SPLITS: Array<{ value: AnalysisFormValues["split"]; label: string }> = [
  { value: "SELECTION", label: "Selection — held out of training (recommended)" },
  { value: "VALIDATION", label: "Validation split" },
  { value: "TEST", label: "Test split" },
  { value: "TRAIN", label: "Training split" },
];

/** The new-analysis form: validates as you go and says what is wrong before anything is sent. */
export function AnalysisForm({
  modelId,
  layers,
  preselected,
}: {
  modelId: string;
  layers: ReadonlyArray<{ name: string; className: string; filterCount?: number | null }>;
  preselected: string[];
}) {
  const router = useRouter();
  const [values, setValues] = useState<AnalysisFormValues>({
    allLayers: preselected.length === 0,
    layers: preselected,
    split: "SELECTION",
    maxImages: "",
    seed: "0",
    classwise: true,
  });
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const [state, start] = useMutation(StartAnalysisMutation);
  const prunable = layers.map((l) => l.name);
  const errors: AnalysisFormErrors = validateAnalysisForm(values, prunable);
  const shown = submitted ? errors : {};

  function set<K extends keyof AnalysisFormValues>(key: K, value: AnalysisFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    setServerError(undefined);
    if (Object.keys(errors).length > 0) return;
    const result = await start({ input: analysisInput(modelId, values) });
    if (result.error) setServerError(errorText(result.error));
    else if (result.data) router.push(`/analyses/${encodeURIComponent(result.data.startAnalysis.id)}`);
  }

  return (
    <form className="panel form" onSubmit={onSubmit} noValidate aria-label="New CAR analysis">
      <fieldset aria-describedby={shown.layers ? "layers-error" : undefined}>
        <legend>Layers</legend>
        <label className="inline">
          <input
            type="radio"
            name="scope"
            checked={values.allLayers}
            onChange={() => set("allLayers", true)}
          />{" "}
          Every prunable layer ({layers.length})
        </label>
        <label className="inline">
          <input
            type="radio"
            name="scope"
            checked={!values.allLayers}
            onChange={() => set("allLayers", false)}
          />{" "}
          Chosen layers
        </label>
        {!values.allLayers && (
          <div className="checks">
            {layers.map((l) => (
              <label key={l.name} className="inline">
                <input
                  type="checkbox"
                  checked={values.layers.includes(l.name)}
                  onChange={(e) =>
                    set(
                      "layers",
                      e.target.checked
                        ? [...values.layers, l.name]
                        : values.layers.filter((x) => x !== l.name),
                    )
                  }
                />{" "}
                {l.name}{" "}
                <span className="muted">
                  ({l.className}, {l.filterCount ?? "?"} filters)
                </span>
              </label>
            ))}
          </div>
        )}
        {shown.layers && (
          <p id="layers-error" className="field-error" role="alert">
            {shown.layers}
          </p>
        )}
      </fieldset>
      <label htmlFor="split">Images that score the filters</label>
      <select
        id="split"
        value={values.split}
        onChange={(e) => set("split", e.target.value as AnalysisFormValues["split"])}
      >
        {SPLITS.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
      <label htmlFor="max-images">At most this many images (empty: all)</label>
      <input
        id="max-images"
        inputMode="numeric"
        value={values.maxImages}
        onChange={(e) => set("maxImages", e.target.value)}
        aria-invalid={shown.maxImages ? true : undefined}
        aria-describedby={shown.maxImages ? "max-images-error" : "max-images-hint"}
      />
      <p id="max-images-hint" className="hint">
        A seeded, class-stratified sample; fewer images score faster with wider confidence intervals.
      </p>
      {shown.maxImages && (
        <p id="max-images-error" className="field-error" role="alert">
          {shown.maxImages}
        </p>
      )}
      <label htmlFor="seed">Seed of the sample</label>
      <input
        id="seed"
        inputMode="numeric"
        value={values.seed}
        onChange={(e) => set("seed", e.target.value)}
        aria-invalid={shown.seed ? true : undefined}
        aria-describedby={shown.seed ? "seed-error" : undefined}
      />
      {shown.seed && (
        <p id="seed-error" className="field-error" role="alert">
          {shown.seed}
        </p>
      )}
      <label className="inline">
        <input
          type="checkbox"
          checked={values.classwise}
          onChange={(e) => set("classwise", e.target.checked)}
        />{" "}
        Class-wise CAR too (which classes each filter matters for)
      </label>
      <div className="actions">
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Starting…" : "Start analysis"}
        </button>
      </div>
      <FormError message={serverError} />
    </form>
  );
}
