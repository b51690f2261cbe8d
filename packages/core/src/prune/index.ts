/** Greedy structural pruning: the policy that uses a criterion, the mask and surgery to compress a network. */
export {
  greedyPrune,
  type GreedyCarOptions,
  type GreedyPruneOptions,
  type GreedyPruneResult,
  type ScoredPruneStep,
} from "./greedy-prune.js";
export {
  validatePruneOptions,
  type ClassProtection,
  type FineTuneOptions,
  type PruneControl,
  type PruneOptions,
  type PruneResume,
  type PruneScope,
  type PruneTarget,
} from "./prune-options.js";
export type { AccuracySnapshot, PruneResult, PruneStep, RemovedFilter, StopReason } from "./prune-result.js";
export { hashDataset, hashModel, libraryVersions, type ReproducibilityRecord } from "./reproducibility.js";
