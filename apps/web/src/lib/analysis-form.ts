/** The new-analysis form's values as typed, and their validation (pure, so it is tested without a browser). */
export interface AnalysisFormValues {
  /** Every prunable layer, or only the chosen ones. */
  allLayers: boolean;
  layers: string[];
  split: "SELECTION" | "VALIDATION" | "TEST" | "TRAIN";
  /** Text of the image cap; empty = every image of the split. */
  maxImages: string;
  seed: string;
  classwise: boolean;
}

export type AnalysisFormErrors = Partial<Record<"layers" | "maxImages" | "seed", string>>;

/** What is wrong with the values, per field; an empty object when they can be submitted. */
export function validateAnalysisForm(
  values: AnalysisFormValues,
  prunable: readonly string[],
): AnalysisFormErrors {
  const errors: AnalysisFormErrors = {};
  if (!values.allLayers) {
    if (values.layers.length === 0)
      errors.layers = "Choose at least one layer, or score every prunable layer.";
    const unknown = values.layers.filter((l) => !prunable.includes(l));
    if (unknown.length) errors.layers = `Not prunable layers of this model: ${unknown.join(", ")}.`;
  }
  const max = values.maxImages.trim();
  if (max !== "" && !(/^\d+$/.test(max) && Number(max) >= 1))
    errors.maxImages = `Images must be a whole number of at least 1 (or empty for all), not "${max}".`;
  const seed = values.seed.trim();
  if (!/^-?\d+$/.test(seed) || !Number.isSafeInteger(Number(seed)) || Math.abs(Number(seed)) > 2 ** 31 - 1)
    errors.seed = `The seed must be a whole number (e.g. 0), not "${seed}".`;
  return errors;
}

/** The StartAnalysisInput the values describe (call after validation). */
export function analysisInput(modelId: string, values: AnalysisFormValues) {
  return {
    modelId,
    layers: values.allLayers ? null : values.layers,
    split: values.split,
    maxImages: values.maxImages.trim() === "" ? null : Number(values.maxImages.trim()),
    seed: Number(values.seed.trim()),
    classwise: values.classwise,
  };
}
