/**
 * The importance-criterion interface and the shapes every criterion reports in. Following Torch-Pruning, a
 * criterion only scores channels: which channels are coupled is the graph's business (src/graph), removing
 * them virtually is the mask's (src/mask), and choosing what to prune is the pruner's. Every criterion sees the
 * same `ScoringContext` and returns the same shape, so CAR and its baselines compare on equal terms.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import type { ChannelGraph, FilterGroup } from "../graph/index.js";
import type { FilterRemoval, MaskedModel } from "../mask/index.js";
import type { OperationControl } from "../util/operation.js";
import type { PairedAccuracyDrop } from "./statistics.js";

/** The built-in criteria. */
export const CRITERION_NAMES = ["car", "l1", "mean-activation", "apoz", "taylor", "random"] as const;
export type CriterionName = (typeof CRITERION_NAMES)[number];

export interface ScoreOptions {
  /** Ids of the filter groups to score (see `buildChannelGraph`); default every group of the graph. */
  groups?: readonly string[];
  /** The evaluation set; required by the data-driven criteria (car, mean-activation, apoz, taylor). */
  dataset?: Dataset;
  /**
   * Filters already removed (group id → filter indices). They stay removed in every forward pass and are not
   * scored. Default: none.
   */
  base?: FilterRemoval;
  /**
   * Images per forward pass (default 256). CAR "exact" sizes its chunks of images from `memoryBudgetMB`
   * instead (up to 1024 per chunk).
   */
  batchSize?: number;
  /** CAR only: also report the class-wise CAR vector of every filter (default false). */
  classwise?: boolean;
  /** Seed of the random criterion and of the `maxImages` sample (default 0). */
  seed?: number;
  /**
   * Score on a seeded class-stratified sample of this many images of `dataset` (all when omitted or larger);
   * pass `dataset.subset(...)` instead for another choice.
   */
  maxImages?: number;
  /** The channel graph of the model, if the caller already built it; built from the model otherwise. */
  graph?: ChannelGraph;
  /**
   * CAR only: how to compute it. "exact" (the default) caches the network up to each group's removal point,
   * subtracts a filter's contribution at the next linear layer where the topology allows, and batches masked
   * copies elsewhere — the same flips and drops as "naive", loss increases equal to float32 rounding, an
   * order of magnitude faster. "naive" runs one masked forward pass over the set per filter (the reference).
   */
  method?: CarMethod;
  /**
   * CAR "exact" only: MiB of tensors and caches the engine may hold (default 256); it sizes chunks of images
   * and stacked passes to fit. Does not change results.
   */
  memoryBudgetMB?: number;
}

/** How CAR is computed; see `ScoreOptions.method`. */
export const CAR_METHODS = ["exact", "naive"] as const;
export type CarMethod = (typeof CAR_METHODS)[number];

/** What the fast CAR engine did (ScoreReport.engine), for benchmarks and diagnostics. */
export interface CarEngineReport {
  method: CarMethod;
  /**
   * Group id → the plan it was scored with: "head", "next-linear" or "general", with " (wasm-simd)" when
   * Carve's WebAssembly kernel ran it (exact method only).
   */
  plans: Record<string, string>;
  /** (filter, image) outcomes computed, the base network's not counted. */
  filterImageEvaluations: number;
  /** (filter, image) pairs whose correctness the naive pass settled because outputs were rounding-close. */
  rechecks: number;
  /** Images per chunk, and the largest images × stacked copies in one pass with its budget-derived bound. */
  chunkImages: number;
  maxStacked: number;
  stackLimit: number;
  /** Exact method: the largest tensor memory in use during scoring (bytes, model weights included). */
  peakTensorBytes?: number;
  /**
   * Exact method: seconds per phase — "forward" (base passes building chunk states), "prepare:<plan>",
   * "evaluate:<plan>" (the filters' outputs), "recheck" (naive passes for rounding-close outcomes), "tally".
   */
  phaseSeconds?: Record<string, number>;
}

/**
 * CAR of one filter: the paired comparison of the base network (the `base` removal applied) with the same
 * network without this filter, on the same images. See statistics.ts for the interval.
 */
export interface CarStatistics extends PairedAccuracyDrop {
  /** (b − c) / N, accuracy(base) − accuracy(base without f); zero or negative values are kept. */
  drop: number;
  /** b: images the base network classifies correctly and the network without the filter does not. */
  rightToWrong: number;
  /** c: images the base network gets wrong and the network without the filter gets right. */
  wrongToRight: number;
  /** Mean cross-entropy without the filter minus with it: a finer signal that breaks ties of `drop`. */
  lossIncrease: number;
  /** Accuracy of the network without the filter (base removal applied too). */
  accuracyWithout: number;
}

export interface FilterScore {
  groupId: string;
  /** Index of the filter (output channel) within its group, as in the unpruned model. */
  filter: number;
  /** Importance under the criterion: higher = more important, for every criterion. */
  score: number;
  /**
   * 1 = least important among the group's scored filters (pruned first), up to the number scored. Ties of
   * `score` are broken by the criterion's finer signal (CAR: `lossIncrease`), then by the lower filter index.
   */
  rank: number;
  /**
   * CAR only. Absent for the last remaining filter of a group: removing it would disconnect the network, so
   * it is not scored by a pass and gets `score` +Infinity (never pruned first).
   */
  car?: CarStatistics;
  /**
   * CAR with `classwise`: entry c is accuracy on class c minus accuracy on class c without the filter (NaN for
   * a class with no image in the set). Weighted by class frequency these average to `car.drop`.
   */
  classwise?: Float64Array;
}

export interface GroupScores {
  groupId: string;
  /** Filters of the group in the unpruned model. */
  size: number;
  /** Filters removed in `base`, ascending; they have no score. */
  removed: number[];
  /** One entry per remaining filter, in filter order. */
  filters: FilterScore[];
}

export interface ScoreReport {
  criterion: string;
  /** Images the scores were computed on (0 for data-free criteria). */
  images: number;
  /** Data-driven criteria: accuracy of the base network on those images. */
  baseAccuracy?: number;
  /** Data-driven criteria: mean cross-entropy of the base network on those images. */
  baseLoss?: number;
  /** In the order the groups were requested (graph order by default). */
  groups: GroupScores[];
  seconds: number;
  /** CAR: how the scores were computed. */
  engine?: CarEngineReport;
}

/** Everything a criterion may use, prepared and validated once by `scoreFilters`. */
export interface ScoringContext {
  model: tfl.LayersModel;
  graph: ChannelGraph;
  /** Owned by `scoreFilters`; criteria must not dispose it. */
  masked: MaskedModel;
  /** The groups to score, validated. */
  groups: readonly FilterGroup[];
  /** Validated: every id is a group of the graph, every index inside it. */
  base: FilterRemoval;
  /** Present (non-empty, sampled down to `maxImages`) when the criterion needs data. */
  dataset?: Dataset;
  batchSize: number;
  classwise: boolean;
  seed: number;
  /** CAR: "exact" (default) or "naive"; see `ScoreOptions.method`. */
  method?: CarMethod;
  /** CAR "exact": the engine's memory budget in MiB (default 256). */
  memoryBudgetMB?: number;
}

/** What a criterion returns for one filter; `scoreFilters` adds the group id and the rank. */
export interface RawFilterScore {
  filter: number;
  score: number;
  /** Breaks ties of `score` when ranking (higher = more important); e.g. CAR's loss increase. */
  tieBreak?: number;
  car?: CarStatistics;
  classwise?: Float64Array;
}

/** What a data-driven criterion learns about the base network along the way. */
export interface BaseOutcome {
  images: number;
  accuracy: number;
  loss: number;
}

export interface CriterionResult {
  /** Group id → one entry per remaining (not removed) filter of that group, in filter order. */
  groups: ReadonlyMap<string, RawFilterScore[]>;
  base?: BaseOutcome;
  /** CAR: how the scores were computed. */
  engine?: CarEngineReport;
}

/**
 * An importance criterion: scores the remaining filters of `context.groups`. Long criteria check
 * `control.signal` between units of work and report progress through `control.onProgress`.
 */
export interface ImportanceCriterion {
  readonly name: string;
  /** Whether `context.dataset` must be given. */
  readonly needsData: boolean;
  score(context: ScoringContext, control: OperationControl): Promise<CriterionResult>;
}
