import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import type { CriterionName } from "../importance/index.js";
import type { OptimizerName } from "../train/train.js";
import type { OperationControl } from "../util/operation.js";
import type { PruneStep } from "./prune-result.js";

/**
 * Which filter groups compete for removal.
 * - `layer`: one group, pruned to the target.
 * - `sequential`: several groups one after another, each pruned to the target before the next starts.
 * - `global`: the remaining filters of all groups in one ranking; the target counts filters over all of them.
 *   CAR suits this scope: an accuracy drop means the same in every layer, unlike a weight norm.
 */
export type PruneScope =
  | { kind: "layer"; group: string }
  | { kind: "sequential"; groups: readonly string[] }
  | { kind: "global"; groups?: readonly string[] };

/**
 * When to stop. `keep` and `removeFraction` count filters per group (layer, sequential scopes) or over all
 * groups (global); `minAccuracy` alone prunes until the next removal would take accuracy on the evaluation
 * set below it. Every group keeps at least one filter.
 */
export interface PruneTarget {
  /** Filters to keep. */
  keep?: number;
  /** Fraction of the filters to remove, in (0, 1); rounded to the nearest filter. */
  removeFraction?: number;
  /** Accuracy floor on the evaluation set: a removal that would end below it is not made. */
  minAccuracy?: number;
}

/**
 * Class-targeted pruning: the accuracy of each protected class on the evaluation set may fall at most
 * `maxDrop` below its accuracy in the original network. Candidates that would break that are skipped, so
 * compression goes where those classes do not need the filters — what class-wise CAR makes possible.
 */
export interface ClassProtection {
  classes: readonly number[];
  /** Largest allowed fall of each protected class's accuracy, e.g. 0.01 for one point. */
  maxDrop: number;
}

export interface FineTuneOptions {
  /** "each-step" after every removal, "end" once after the last, "none" never (the paper's CAR without retraining). */
  when: "none" | "each-step" | "end";
  /** The training split; fine-tuning never sees the evaluation or test sets. */
  train: Dataset;
  epochs: number;
  learningRate?: number;
  optimizer?: OptimizerName;
  batchSize?: number;
}

export interface PruneOptions {
  /** Importance criterion; default "car". */
  criterion?: CriterionName;
  scope: PruneScope;
  target: PruneTarget;
  /** Filters removed per iteration (default 1, as in the paper). */
  stepSize?: number;
  /** The images that choose filters (scored with the criterion after every removal). */
  evaluation: Dataset;
  /** Reported after every step, never used to choose: accuracy on data that did not pick a filter. */
  test?: Dataset;
  protect?: ClassProtection;
  fineTune?: FineTuneOptions;
  /** Seeds the random criterion and fine-tuning shuffles; same seed, same run. */
  seed?: number;
  /** Images per forward pass (default 256). */
  batchSize?: number;
}

export interface PruneControl extends OperationControl {
  /**
   * Called once per removal, as soon as the step's evaluation is done, with the network as it is after the
   * step (borrowed: valid only during the call, never disposed by the caller). A returned promise is awaited
   * before the next step, so a caller can checkpoint that network (e.g. `saveModel`) before going on.
   */
  onStep?: (step: PruneStep, model: tfl.LayersModel) => unknown;
}

/**
 * Continuing a run that stopped (a server restart, a crash) from its last recorded step, with the same options
 * as the run that recorded them. The recorded removals are replayed, so the steps that follow make the choices
 * the uninterrupted run would have made:
 * - without fine-tuning after each step, the network after step n is the input model with the recorded filters
 *   removed (surgery is exact), and scoring continues from there;
 * - with fine-tuning after each step, the weights depend on the training done, so `model` (the network saved
 *   after the last recorded step) is required and pruning continues from it.
 */
export interface PruneResume {
  /** The steps recorded so far, in order from step 1 (as `onStep` reported them). */
  steps: readonly PruneStep[];
  /** The network after the last of `steps` (borrowed, not disposed). Required with fine-tuning each step. */
  model?: tfl.LayersModel;
}

/** Throws INVALID_ARGUMENT naming the option at fault. */
export function validatePruneOptions(options: PruneOptions, classCount: number): void {
  const fail = (message: string): never => {
    throw new CarveError("INVALID_ARGUMENT", `greedyPrune: ${message}`);
  };
  const { target } = options;
  const chosen = [target.keep, target.removeFraction].filter((v) => v !== undefined).length;
  if (chosen > 1) fail("give at most one of target.keep and target.removeFraction");
  if (chosen === 0 && target.minAccuracy === undefined) {
    fail("give a target: keep, removeFraction or minAccuracy");
  }
  if (target.keep !== undefined && (!Number.isInteger(target.keep) || target.keep < 1)) {
    fail(`target.keep must be a positive integer, got ${target.keep}`);
  }
  if (target.removeFraction !== undefined && !(target.removeFraction > 0 && target.removeFraction < 1)) {
    fail(`target.removeFraction must be in (0, 1), got ${target.removeFraction}`);
  }
  if (target.minAccuracy !== undefined && !(target.minAccuracy >= 0 && target.minAccuracy <= 1)) {
    fail(`target.minAccuracy must be in [0, 1], got ${target.minAccuracy}`);
  }
  const stepSize = options.stepSize ?? 1;
  if (!Number.isInteger(stepSize) || stepSize < 1)
    fail(`stepSize must be a positive integer, got ${stepSize}`);
  if (options.protect) {
    const { classes, maxDrop } = options.protect;
    if (classes.length === 0) fail("protect.classes is empty");
    for (const c of classes) {
      if (!Number.isInteger(c) || c < 0 || c >= classCount) {
        fail(`protect.classes has ${c}, but classes are 0…${classCount - 1}`);
      }
    }
    if (!(maxDrop >= 0 && maxDrop <= 1)) fail(`protect.maxDrop must be in [0, 1], got ${maxDrop}`);
  }
  const fineTune = options.fineTune;
  if (fineTune && fineTune.when !== "none") {
    if (!Number.isInteger(fineTune.epochs) || fineTune.epochs < 1) {
      fail(`fineTune.epochs must be a positive integer, got ${fineTune.epochs}`);
    }
  }
  if (options.scope.kind === "sequential" && options.scope.groups.length === 0) {
    fail("scope.groups is empty");
  }
}
