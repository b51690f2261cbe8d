/**
 * How big the reproduction runs are. One object fixes every size and seed, so the report can print exactly
 * what it ran and a rerun with the same settings gives the same numbers (on the same backend).
 */
import type { CriterionName } from "../importance/index.js";

export interface ReproductionSettings {
  /** A smoke run with tiny sizes; its numbers are not evidence for or against the paper. */
  quick: boolean;
  /** Images that choose filters: a seeded class-stratified sample of the selection (validation) split. */
  selectionImages: number;
  /** Images accuracy is reported on: a seeded class-stratified sample of the test split. */
  testImages: number;
  /** Images per forward pass. */
  batchSize: number;
  /** Fraction of each conv layer's filters removed, one per step (0.5: "half", as in the paper). */
  removeFraction: number;
  /** Criteria compared without fine-tuning, CAR first. */
  criteria: readonly CriterionName[];
  /** Criteria whose pruned network is also fine-tuned once at the end (a subset of `criteria`). */
  fineTunedCriteria: readonly CriterionName[];
  fineTuneEpochs: number;
  /** Fine-tuning uses at most this many training images (a seeded stratified sample when the split is larger). */
  fineTuneImages: number;
  /** Class importance is shown for this many of conv1's highest-CAR filters. */
  classImportanceFilters: number;
  /** Most and least important classes listed per filter (at most half the classes). */
  classesShown: number;
  /** Seeded random removal orders the colour count is compared with. */
  randomOrders: number;
  /** Seeded random subsets of the kept size the diversity of a pruned layer is compared with. */
  randomSubsets: number;
  /** Seeds the selection, test and fine-tuning samples and the random orders and subsets. */
  sampleSeed: number;
  /** Seeds greedyPrune (the random criterion and the fine-tuning shuffles). */
  pruneSeed: number;
}

/** The full run: about 45 minutes on two wasm cores for the four demo models. */
export const FULL_SETTINGS: Readonly<ReproductionSettings> = {
  quick: false,
  selectionImages: 1000,
  testImages: 2000,
  batchSize: 500,
  removeFraction: 0.5,
  criteria: ["car", "l1", "random", "mean-activation", "apoz", "taylor"],
  fineTunedCriteria: ["car", "l1", "random"],
  fineTuneEpochs: 1,
  fineTuneImages: 10_000,
  classImportanceFilters: 3,
  classesShown: 3,
  randomOrders: 1000,
  randomSubsets: 200,
  sampleSeed: 2021,
  pruneSeed: 0,
};

/** `--quick`: a smoke run of every part in about a minute per model. */
export const QUICK_SETTINGS: Readonly<ReproductionSettings> = {
  ...FULL_SETTINGS,
  quick: true,
  selectionImages: 200,
  testImages: 200,
  batchSize: 200,
  removeFraction: 0.25,
  criteria: ["car", "l1", "random"],
  fineTunedCriteria: ["car"],
  fineTuneImages: 500,
  randomOrders: 200,
  randomSubsets: 50,
};
