import type * as tfl from "@tensorflow/tfjs-layers";

import type { CriterionName } from "../importance/index.js";
import { greedyPrune, type PruneOptions, type PruneResult } from "../prune/index.js";
import { type OperationControl, checkpoint } from "../util/operation.js";

/** One point of an accuracy-vs-compression curve. */
export interface CurvePoint {
  filtersRemoved: number;
  /** Accuracy on the evaluation set (the data that chose the filters). */
  evaluationAccuracy: number;
  /** Accuracy on the test set, when one was given. */
  testAccuracy?: number;
  params: number;
  flops: number;
}

/** How one criterion fared: greedy pruning driven by it, step by step. */
export interface CriterionCurve {
  criterion: CriterionName;
  fineTuned: boolean;
  /** Starts at 0 filters removed (the original network). */
  points: CurvePoint[];
  /** Test (else evaluation) accuracy after the last step, and after the final fine-tuning if any. */
  finalAccuracy: number;
  removed: Record<string, number[]>;
  seconds: number;
}

export interface CompareOptions extends Omit<PruneOptions, "criterion"> {
  criteria: readonly CriterionName[];
  /**
   * Also run every criterion with fine-tuning (as given in `fineTune`), next to the run without; when false,
   * runs follow `fineTune` as given.
   */
  withAndWithoutFineTuning?: boolean;
}

function curveOf(result: PruneResult, fineTuned: boolean): CriterionCurve {
  const points: CurvePoint[] = [
    {
      filtersRemoved: 0,
      evaluationAccuracy: result.original.evaluation.accuracy,
      ...(result.original.test ? { testAccuracy: result.original.test.accuracy } : {}),
      params: result.original.params,
      flops: result.original.flops,
    },
  ];
  let removed = 0;
  for (const step of result.steps) {
    removed += step.removed.length;
    points.push({
      filtersRemoved: removed,
      evaluationAccuracy: step.evaluation.accuracy,
      ...(step.test ? { testAccuracy: step.test.accuracy } : {}),
      params: step.params,
      flops: step.flops,
    });
  }
  return {
    criterion: result.criterion as CriterionName,
    fineTuned,
    points,
    finalAccuracy: result.final.test?.accuracy ?? result.final.evaluation.accuracy,
    removed: result.removed,
    seconds: result.seconds,
  };
}

/**
 * Greedy pruning of the same model under several criteria on equal terms (same scope, target, evaluation and
 * test sets, seed), giving one accuracy-vs-filters-removed curve per criterion — and per fine-tuning setting
 * when `withAndWithoutFineTuning` is set. The pruned models are disposed; only the curves are returned.
 */
export async function compareCriteria(
  model: tfl.LayersModel,
  options: CompareOptions,
  control: OperationControl = {},
): Promise<CriterionCurve[]> {
  const { criteria, withAndWithoutFineTuning, ...prune } = options;
  const settings: Array<PruneOptions["fineTune"] | undefined> =
    withAndWithoutFineTuning && prune.fineTune ? [undefined, prune.fineTune] : [prune.fineTune];
  const curves: CriterionCurve[] = [];
  for (const fineTune of settings) {
    for (const criterion of criteria) {
      await checkpoint(control.signal, "comparison");
      const { fineTune: _ignored, ...rest } = prune;
      const result = await greedyPrune(
        model,
        { ...rest, ...(fineTune ? { fineTune } : {}), criterion },
        {
          signal: control.signal,
          onProgress: (p) =>
            control.onProgress?.({ ...p, phase: `${criterion}${fineTune ? " +ft" : ""}: ${p.phase}` }),
        },
      );
      result.model.dispose();
      curves.push(curveOf(result, fineTune !== undefined && fineTune.when !== "none"));
    }
  }
  return curves;
}

/** Accuracy of each curve at `filtersRemoved` (test if present, else evaluation); undefined past its end. */
export function accuracyAt(curve: CriterionCurve, filtersRemoved: number): number | undefined {
  const point = curve.points.find((p) => p.filtersRemoved === filtersRemoved);
  return point ? (point.testAccuracy ?? point.evaluationAccuracy) : undefined;
}
