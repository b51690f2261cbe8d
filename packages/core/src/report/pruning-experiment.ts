/**
 * Part 1 of the reproduction: greedy pruning of each conv layer by every criterion on equal terms (the paper's
 * Algorithm 1, one filter per step, layer by layer from the original network), with and without a final
 * fine-tuning, as accuracy-vs-filters-removed curves.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import type { FilterGroup } from "../graph/index.js";
import type { CriterionName } from "../importance/index.js";
import { greedyPrune, type PruneResult } from "../prune/index.js";
import type { LayerPruning, PruningRun } from "./reproduction-data.js";
import type { ReportControl } from "./report-control.js";
import type { ReproductionSettings } from "./reproduction-settings.js";

export interface PruningExperimentArgs {
  /** The conv filter groups to prune, each on its own from the original network. */
  groups: readonly FilterGroup[];
  /** Chooses the filters. */
  selection: Dataset;
  /** Reports accuracy after every step. */
  test: Dataset;
  /** Fine-tuning data, for the criteria in `settings.fineTunedCriteria`. */
  fineTuneTrain: Dataset;
  settings: ReproductionSettings;
}

function runOf(criterion: CriterionName, result: PruneResult): PruningRun {
  const original = result.original;
  const points = [
    {
      removed: 0,
      selectionAccuracy: original.evaluation.accuracy,
      testAccuracy: original.test!.accuracy,
    },
  ];
  let removed = 0;
  for (const step of result.steps) {
    removed += step.removed.length;
    points.push({
      removed,
      selectionAccuracy: step.evaluation.accuracy,
      testAccuracy: step.test!.accuracy,
    });
  }
  return {
    criterion,
    points,
    order: result.steps.flatMap((step) => step.removed.map((r) => r.filter)),
    seconds: result.seconds,
  };
}

/**
 * Prunes `settings.removeFraction` of each group's filters under each of `settings.criteria`. A criterion in
 * `settings.fineTunedCriteria` runs once with fine-tuning at the end: greedyPrune records every step before
 * the final fine-tuning, so the same run gives the curve without fine-tuning and the fine-tuned end point.
 * The model is only read; every pruned model is disposed.
 */
export async function runPruningExperiment(
  model: tfl.LayersModel,
  args: PruningExperimentArgs,
  control: ReportControl = {},
): Promise<LayerPruning[]> {
  const { settings } = args;
  const layers: LayerPruning[] = [];
  for (const group of args.groups) {
    const runs: PruningRun[] = [];
    for (const criterion of settings.criteria) {
      const fineTune = settings.fineTunedCriteria.includes(criterion);
      const label = `${group.id} by ${criterion}${fineTune ? " (+ fine-tuning at the end)" : ""}`;
      const result = await greedyPrune(
        model,
        {
          criterion,
          scope: { kind: "layer", group: group.id },
          target: { removeFraction: settings.removeFraction },
          stepSize: 1,
          evaluation: args.selection,
          test: args.test,
          seed: settings.pruneSeed,
          batchSize: settings.batchSize,
          ...(fineTune
            ? { fineTune: { when: "end", train: args.fineTuneTrain, epochs: settings.fineTuneEpochs } }
            : {}),
        },
        {
          signal: control.signal,
          onProgress: control.onProgress,
          onStep: (step) =>
            control.log?.(
              `${label}: step ${step.step}, removed filter ${step.removed.map((r) => r.filter).join(", ")}, ` +
                `test ${(step.test!.accuracy * 100).toFixed(1)}% (${step.elapsedSeconds.toFixed(0)} s)`,
            ),
        },
      );
      try {
        const run = runOf(criterion, result);
        if (fineTune) {
          run.fineTuned = {
            testAccuracy: result.final.test!.accuracy,
            selectionAccuracy: result.final.evaluation.accuracy,
          };
          control.log?.(
            `${label}: after fine-tuning, test ${(run.fineTuned.testAccuracy * 100).toFixed(1)}%`,
          );
        }
        runs.push(run);
      } finally {
        result.model.dispose();
      }
    }
    layers.push({
      group: group.id,
      layer: group.producers[0]!,
      filters: group.size,
      removed: runs[0]?.order.length ?? 0,
      runs,
    });
  }
  return layers;
}
