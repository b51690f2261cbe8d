import type * as tfl from "@tensorflow/tfjs-layers";

import type { CarStatistics } from "../importance/index.js";
import type { ReproducibilityRecord } from "./reproducibility.js";

/** Accuracy of the network on one dataset at one point of a run. */
export interface AccuracySnapshot {
  dataset: string;
  accuracy: number;
  loss: number;
  /** Per class, in class order (NaN for a class absent from the set). */
  perClassAccuracy: number[];
}

/** One filter removed at a step, with why it was chosen. */
export interface RemovedFilter {
  groupId: string;
  /** Index in the original (unpruned) model. */
  filter: number;
  /** Its score under the run's criterion at decision time (lower = less important). */
  score: number;
  /** CAR runs: the full paired statistics at decision time. */
  car?: CarStatistics;
  /** CAR runs: class-wise CAR at decision time, per class. */
  classwise?: number[];
}

/** One iteration of greedy pruning: the audit record of what went and what it cost. */
export interface PruneStep {
  /** 1-based. */
  step: number;
  removed: RemovedFilter[];
  /** Score of the best candidate that was not removed (the margin of the decision), if any. */
  runnerUpScore?: number;
  /** Candidates skipped because removing them would break class protection. */
  skippedForProtection: number;
  /** Filters scored to make this decision. */
  candidates: number;
  /** On the evaluation set, after the removal (and fine-tuning, if each-step). */
  evaluation: AccuracySnapshot;
  test?: AccuracySnapshot;
  /** Filters left per group id. */
  filtersLeft: Record<string, number>;
  params: number;
  flops: number;
  /** Seconds since the run started. */
  elapsedSeconds: number;
}

export type StopReason = "target-reached" | "accuracy-floor" | "class-protection" | "nothing-left";

export interface PruneResult {
  criterion: string;
  /** Every step in order: the audit trail of the run. */
  steps: PruneStep[];
  /** All removed filters, per group, in original indices (ascending). */
  removed: Record<string, number[]>;
  stopReason: StopReason;
  original: { evaluation: AccuracySnapshot; test?: AccuracySnapshot; params: number; flops: number };
  /** After the last step (and the final fine-tuning, if "end"). */
  final: { evaluation: AccuracySnapshot; test?: AccuracySnapshot; params: number; flops: number };
  /** The physically smaller network. The caller owns it and disposes it. */
  model: tfl.LayersModel;
  reproducibility: ReproducibilityRecord;
  seconds: number;
}
