/** The new-pruning-run form's values as typed, their validation and the input they make (pure, tested alone). */
export type Criterion = "CAR" | "L1" | "MEAN_ACTIVATION" | "APOZ" | "TAYLOR" | "RANDOM";
export type Scope = "LAYER" | "SEQUENTIAL" | "GLOBAL";
export type TargetKind = "keep" | "removeFraction" | "minAccuracy";
export type FineTuneSchedule = "NONE" | "EACH_STEP" | "END";

export interface RunFormValues {
  criterion: Criterion;
  scope: Scope;
  /** LAYER: exactly one; SEQUENTIAL: one or more, in order; GLOBAL: none means every prunable layer. */
  layers: string[];
  targetKind: TargetKind;
  /** keep: filters to keep; removeFraction: percent of the filters to remove; minAccuracy: percent. */
  targetValue: string;
  stepSize: string;
  fineTune: FineTuneSchedule;
  epochs: string;
  learningRate: string;
  maxSelectionImages: string;
  maxTestImages: string;
  seed: string;
}

export type RunFormErrors = Partial<
  Record<
    | "layers"
    | "targetValue"
    | "stepSize"
    | "epochs"
    | "learningRate"
    | "maxSelectionImages"
    | "maxTestImages"
    | "seed",
    string
  >
>;

export const CRITERIA: Array<{ value: Criterion; label: string }> = [
  { value: "CAR", label: "CAR — accuracy lost without the filter (the paper's)" },
  { value: "L1", label: "L1 norm of the weights (Li et al. 2017)" },
  { value: "MEAN_ACTIVATION", label: "Mean activation" },
  { value: "APOZ", label: "APoZ — share of zero activations (Hu et al. 2016)" },
  { value: "TAYLOR", label: "Taylor — first-order loss change (Molchanov et al. 2017)" },
  { value: "RANDOM", label: "Random (seeded) — the baseline" },
];

export interface PrunableLayer {
  name: string;
  filterCount: number;
}

const WHOLE = /^\d+$/;
const NUMBER = /^\d+(\.\d+)?$|^\.\d+$/;

function positiveWhole(text: string): number | null {
  const t = text.trim();
  return WHOLE.test(t) && Number(t) >= 1 ? Number(t) : null;
}

/** What is wrong with the values, per field; an empty object when they can be submitted. */
export function validateRunForm(values: RunFormValues, prunable: readonly PrunableLayer[]): RunFormErrors {
  const errors: RunFormErrors = {};
  const known = new Map(prunable.map((l) => [l.name, l.filterCount]));
  const unknown = values.layers.filter((l) => !known.has(l));
  if (unknown.length) errors.layers = `Not prunable layers of this model: ${unknown.join(", ")}.`;
  else if (values.scope === "LAYER" && values.layers.length !== 1)
    errors.layers = "Choose exactly one layer.";
  else if (values.scope === "SEQUENTIAL" && values.layers.length === 0)
    errors.layers = "Choose the layers to prune, one after another.";

  const layers = values.scope === "GLOBAL" && values.layers.length === 0 ? [...known.keys()] : values.layers;
  const counts = layers.map((l) => known.get(l) ?? 0);
  const value = values.targetValue.trim();
  if (values.targetKind === "keep") {
    const keep = positiveWhole(value);
    // Per layer for LAYER/SEQUENTIAL, over all the layers for GLOBAL: it must leave something to remove.
    const limit =
      values.scope === "GLOBAL" ? counts.reduce((a, b) => a + b, 0) : Math.min(...counts, Infinity);
    if (keep === null)
      errors.targetValue = `Filters to keep must be a whole number of at least 1, not "${value}".`;
    else if (Number.isFinite(limit) && keep >= limit)
      errors.targetValue = `Keeping ${keep} removes nothing: the ${values.scope === "GLOBAL" ? "layers have" : "smallest chosen layer has"} ${limit} filters.`;
  } else if (values.targetKind === "removeFraction") {
    const n = Number(value);
    if (!NUMBER.test(value) || !(n > 0 && n < 100))
      errors.targetValue = `The share to remove must be a percentage above 0 and below 100, not "${value}".`;
  } else {
    const n = Number(value);
    if (!NUMBER.test(value) || !(n >= 0 && n <= 100))
      errors.targetValue = `The accuracy floor must be a percentage from 0 to 100, not "${value}".`;
  }

  if (positiveWhole(values.stepSize) === null)
    errors.stepSize = `Filters per step must be a whole number of at least 1, not "${values.stepSize.trim()}".`;
  if (values.fineTune !== "NONE") {
    const epochs = positiveWhole(values.epochs);
    if (epochs === null || epochs > 100)
      errors.epochs = `Epochs must be a whole number from 1 to 100, not "${values.epochs.trim()}".`;
    const lr = values.learningRate.trim();
    if (lr !== "" && !(NUMBER.test(lr) && Number(lr) > 0 && Number(lr) <= 10))
      errors.learningRate = `The learning rate must be a number above 0 and at most 10 (or empty), not "${lr}".`;
  }
  for (const key of ["maxSelectionImages", "maxTestImages"] as const) {
    const t = values[key].trim();
    if (t !== "" && positiveWhole(t) === null)
      errors[key] = `Images must be a whole number of at least 1 (or empty for all), not "${t}".`;
  }
  if (!/^-?\d+$/.test(values.seed.trim()) || Math.abs(Number(values.seed.trim())) > 2 ** 31 - 1)
    errors.seed = `The seed must be a whole number (e.g. 0), not "${values.seed.trim()}".`;
  return errors;
}

/** The StartPruningRunInput the values describe (call after validation). */
export function runInput(modelId: string, values: RunFormValues) {
  const value = Number(values.targetValue.trim());
  const optional = (text: string) => (text.trim() === "" ? null : Number(text.trim()));
  return {
    modelId,
    criterion: values.criterion,
    scope: values.scope,
    layers: values.scope === "GLOBAL" && values.layers.length === 0 ? null : values.layers,
    target:
      values.targetKind === "keep"
        ? { keep: value }
        : values.targetKind === "removeFraction"
          ? { removeFraction: value / 100 }
          : { minAccuracy: value / 100 },
    stepSize: Number(values.stepSize.trim()),
    fineTune:
      values.fineTune === "NONE"
        ? null
        : {
            schedule: values.fineTune,
            epochs: Number(values.epochs.trim()),
            learningRate: optional(values.learningRate),
          },
    maxSelectionImages: optional(values.maxSelectionImages),
    maxTestImages: optional(values.maxTestImages),
    seed: Number(values.seed.trim()),
  };
}
