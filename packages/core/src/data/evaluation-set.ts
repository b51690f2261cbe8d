import { CarveError } from "../errors.js";
import { splitDataset } from "./array-dataset.js";
import type { Dataset, DatasetSplits } from "./dataset.js";

/** Split names a caller may choose the evaluation set by. */
export const EVALUATION_SPLITS = ["selection", "train", "test", "validation"] as const;
export type EvaluationSplit = (typeof EVALUATION_SPLITS)[number];

/**
 * The set that chooses filters. "selection" (the default) is a held-out part of the training data — the
 * validation split if the source has one, else a seeded, class-stratified sample of `images` training
 * images — so that test accuracy is always reported on data that never chose a filter.
 */
export function evaluationSet(
  splits: DatasetSplits,
  split: EvaluationSplit | string = "selection",
  options: { images?: number; seed?: number } = {},
): Dataset {
  switch (split) {
    case "selection": {
      if (splits.validation) return splits.validation;
      const images = options.images ?? 2000;
      if (images >= splits.train.size) return splits.train;
      const [selection] = splitDataset(splits.train, images / splits.train.size, options.seed ?? 0, [
        `${splits.train.name}[selection ${images}]`,
        `${splits.train.name}[rest]`,
      ]);
      return selection;
    }
    case "train":
      return splits.train;
    case "test":
      return splits.test;
    case "validation":
      if (splits.validation) return splits.validation;
      break;
  }
  const available = ["selection", "train", "test", ...(splits.validation ? ["validation"] : [])];
  throw new CarveError(
    "INVALID_ARGUMENT",
    `no split "${split}" in ${splits.train.name.split("/")[0]} (available: ${available.join(", ")})`,
  );
}
