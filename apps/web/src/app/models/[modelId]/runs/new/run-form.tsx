"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { FormError } from "@/components/form-error";
import {
  CRITERIA,
  type Criterion,
  type FineTuneSchedule,
  runInput,
  type RunFormErrors,
  type RunFormValues,
  type Scope,
  type TargetKind,
  validateRunForm,
} from "@/lib/run-form";

const StartPruningRunMutation = graphql(`
  mutation StartPruningRun($input: StartPruningRunInput!) {
    startPruningRun(input: $input) {
      id
    }
  }
`);

const SCOPES: Array<{ value: Scope; label: string }> = [
  { value: "LAYER", label: "One layer" },
  { value: "SEQUENTIAL", label: "Several layers, one after another" },
  { value: "GLOBAL", label: "Global — one ranking across layers" },
];

const TARGETS: Array<{ value: TargetKind; label: string; unit: string; hint: string }> = [
  {
    value: "removeFraction",
    label: "Remove a share of the filters",
    unit: "% of the filters",
    hint: "e.g. 50",
  },
  {
    value: "keep",
    label: "Keep this many filters",
    unit: "filters",
    hint: "per layer; over all layers when global",
  },
  {
    value: "minAccuracy",
    label: "Prune until accuracy would fall below",
    unit: "% accuracy on the selection images",
    hint: "e.g. 95",
  },
];

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}

/** The new-pruning-run form: every field checked as you type once you have tried to submit. */
export function RunForm({
  modelId,
  layers,
  initial,
}: {
  modelId: string;
  layers: ReadonlyArray<{ name: string; className: string; filterCount: number }>;
  initial: { layer?: string; criterion?: Criterion; scope?: Scope };
}) {
  const router = useRouter();
  const [values, setValues] = useState<RunFormValues>({
    criterion: initial.criterion ?? "CAR",
    scope: initial.scope ?? "LAYER",
    layers: initial.scope === "GLOBAL" || !initial.layer ? [] : [initial.layer],
    targetKind: "removeFraction",
    targetValue: "50",
    stepSize: "1",
    fineTune: "NONE",
    epochs: "1",
    learningRate: "",
    maxSelectionImages: "",
    maxTestImages: "",
    seed: "0",
  });
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const [state, start] = useMutation(StartPruningRunMutation);
  const errors: RunFormErrors = validateRunForm(values, layers);
  const shown = submitted ? errors : {};
  const target = TARGETS.find((t) => t.value === values.targetKind)!;

  function set<K extends keyof RunFormValues>(key: K, value: RunFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }

  function toggleLayer(name: string, on: boolean) {
    if (values.scope === "LAYER") set("layers", on ? [name] : []);
    else set("layers", on ? [...values.layers, name] : values.layers.filter((l) => l !== name));
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    setServerError(undefined);
    if (Object.keys(errors).length > 0) return;
    const result = await start({ input: runInput(modelId, values) });
    if (result.error) setServerError(errorText(result.error));
    else if (result.data) router.push(`/runs/${encodeURIComponent(result.data.startPruningRun.id)}`);
  }

  const described = (key: keyof RunFormErrors, hint?: string) => ({
    "aria-invalid": shown[key] ? true : undefined,
    "aria-describedby": shown[key] ? `${key}-error` : hint,
  });

  return (
    <form className="panel form" onSubmit={onSubmit} noValidate aria-label="New pruning run">
      <div className="columns">
        <div>
          <label htmlFor="criterion">Criterion</label>
          <select
            id="criterion"
            value={values.criterion}
            onChange={(e) => set("criterion", e.target.value as Criterion)}
          >
            {CRITERIA.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>

          <fieldset aria-describedby={shown.layers ? "layers-error" : undefined}>
            <legend>Which filters compete</legend>
            {SCOPES.map((s) => (
              <label key={s.value} className="inline">
                <input
                  type="radio"
                  name="scope"
                  value={s.value}
                  checked={values.scope === s.value}
                  onChange={() => {
                    set("scope", s.value);
                    // A layer run takes one layer; a global run starts from "every prunable layer".
                    if (s.value === "LAYER") set("layers", values.layers.slice(0, 1));
                    if (s.value === "GLOBAL") set("layers", []);
                  }}
                />{" "}
                {s.label}
              </label>
            ))}
            <p className="hint">
              {values.scope === "GLOBAL"
                ? "Layers to rank together (none chosen: every prunable layer)."
                : values.scope === "SEQUENTIAL"
                  ? "Layers in the order they are pruned."
                  : "The layer to prune."}
            </p>
            <div className="checks">
              {layers.map((l) => (
                <label key={l.name} className="inline">
                  <input
                    type={values.scope === "LAYER" ? "radio" : "checkbox"}
                    name="layers"
                    checked={values.layers.includes(l.name)}
                    onChange={(e) => toggleLayer(l.name, e.target.checked)}
                  />{" "}
                  {l.name}{" "}
                  <span className="muted">
                    ({l.className}, {l.filterCount} filters)
                    {values.scope === "SEQUENTIAL" &&
                      values.layers.includes(l.name) &&
                      ` — #${values.layers.indexOf(l.name) + 1}`}
                  </span>
                </label>
              ))}
            </div>
            <FieldError id="layers-error" message={shown.layers} />
          </fieldset>
        </div>

        <div>
          <fieldset>
            <legend>When to stop</legend>
            {TARGETS.map((t) => (
              <label key={t.value} className="inline">
                <input
                  type="radio"
                  name="target"
                  checked={values.targetKind === t.value}
                  onChange={() => {
                    set("targetKind", t.value);
                    set(
                      "targetValue",
                      t.value === "removeFraction" ? "50" : t.value === "minAccuracy" ? "95" : "",
                    );
                  }}
                />{" "}
                {t.label}
              </label>
            ))}
            <label htmlFor="target-value">Target ({target.unit})</label>
            <input
              id="target-value"
              inputMode="decimal"
              value={values.targetValue}
              onChange={(e) => set("targetValue", e.target.value)}
              {...described("targetValue", "target-hint")}
            />
            <p id="target-hint" className="hint">
              {target.hint}
            </p>
            <FieldError id="targetValue-error" message={shown.targetValue} />
            <label htmlFor="step-size">Filters removed per step</label>
            <input
              id="step-size"
              inputMode="numeric"
              value={values.stepSize}
              onChange={(e) => set("stepSize", e.target.value)}
              {...described("stepSize", "step-hint")}
            />
            <p id="step-hint" className="hint">
              1, as in the paper: every filter is chosen on the network as it is after the last removal.
            </p>
            <FieldError id="stepSize-error" message={shown.stepSize} />
          </fieldset>

          <fieldset>
            <legend>Fine-tuning</legend>
            {(
              [
                ["NONE", "None (the paper's CAR pruning)"],
                ["EACH_STEP", "After every step"],
                ["END", "Once, at the end"],
              ] as Array<[FineTuneSchedule, string]>
            ).map(([value, label]) => (
              <label key={value} className="inline">
                <input
                  type="radio"
                  name="fine-tune"
                  checked={values.fineTune === value}
                  onChange={() => set("fineTune", value)}
                />{" "}
                {label}
              </label>
            ))}
            {values.fineTune !== "NONE" && (
              <>
                <label htmlFor="epochs">Epochs per fine-tuning</label>
                <input
                  id="epochs"
                  inputMode="numeric"
                  value={values.epochs}
                  onChange={(e) => set("epochs", e.target.value)}
                  {...described("epochs")}
                />
                <FieldError id="epochs-error" message={shown.epochs} />
                <label htmlFor="learning-rate">Learning rate (empty: default)</label>
                <input
                  id="learning-rate"
                  inputMode="decimal"
                  value={values.learningRate}
                  onChange={(e) => set("learningRate", e.target.value)}
                  {...described("learningRate")}
                />
                <FieldError id="learningRate-error" message={shown.learningRate} />
              </>
            )}
          </fieldset>
        </div>
      </div>

      <details open={shown.maxSelectionImages || shown.maxTestImages || shown.seed ? true : undefined}>
        <summary>Images and seed</summary>
        <label htmlFor="max-selection">Selection images that choose filters (empty: all)</label>
        <input
          id="max-selection"
          inputMode="numeric"
          value={values.maxSelectionImages}
          onChange={(e) => set("maxSelectionImages", e.target.value)}
          {...described("maxSelectionImages")}
        />
        <FieldError id="maxSelectionImages-error" message={shown.maxSelectionImages} />
        <label htmlFor="max-test">Test images accuracy is reported on (empty: all)</label>
        <input
          id="max-test"
          inputMode="numeric"
          value={values.maxTestImages}
          onChange={(e) => set("maxTestImages", e.target.value)}
          {...described("maxTestImages")}
        />
        <FieldError id="maxTestImages-error" message={shown.maxTestImages} />
        <label htmlFor="run-seed">Seed</label>
        <input
          id="run-seed"
          inputMode="numeric"
          value={values.seed}
          onChange={(e) => set("seed", e.target.value)}
          {...described("seed")}
        />
        <FieldError id="seed-error" message={shown.seed} />
      </details>

      {submitted && Object.keys(errors).length > 0 && (
        <p className="field-error" role="alert">
          Fix the {Object.keys(errors).length === 1 ? "field" : `${Object.keys(errors).length} fields`} marked
          above to start the run.
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Starting…" : "Start pruning"}
        </button>
      </div>
      <FormError message={serverError} />
    </form>
  );
}
