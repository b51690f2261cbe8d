/**
 * CAR, Classification Accuracy Reduction (Abbasi-Asl & Yu, "Structural Compression of Convolutional Neural
 * Networks with Applications in Interpretability", Frontiers in Big Data 2021, arXiv:1705.07356):
 *   CAR(f) = accuracy(network) − accuracy(network without filter f),
 * both with the already-removed filters (`base`) removed, on the same evaluation images.
 *
 * This is the naive exact method: one masked forward pass per filter over the whole set. The base network's
 * per-image correctness and loss are computed once; each filter's pass then only counts the images whose
 * correctness flips, which is both the cheapest bookkeeping and the paired statistic behind the confidence
 * interval (statistics.ts). Class-wise CAR comes from the same flips split by true class.
 */
import * as tf from "@tensorflow/tfjs-core";

import { throwIfAborted } from "../errors.js";
import { type BatchOutcome, classifyBatch } from "../eval/evaluate.js";
import { type FilterRemoval, withRemoved } from "../mask/index.js";
import { outputsProbabilities } from "../model/outputs.js";
import type { OperationControl } from "../util/operation.js";
import type { CriterionResult, ImportanceCriterion, RawFilterScore, ScoringContext } from "./criterion.js";
import { phasedProgress } from "./progress.js";
import { remainingFilters } from "./removal.js";
import { classwiseAccuracyDrop, pairedAccuracyDrop } from "./statistics.js";

/**
 * Classifies every image of the set with `removal` applied, batch by batch, handing each batch's outcome and
 * dataset indices to `visit`. No tensor outlives a batch; the signal is checked before each batch.
 */
async function forEachOutcome(
  context: ScoringContext,
  removal: FilterRemoval,
  probabilities: boolean,
  control: OperationControl,
  visit: (indices: Uint32Array, outcome: BatchOutcome) => void,
  afterBatch: () => void,
): Promise<void> {
  for (const batch of context.dataset!.batches({ batchSize: context.batchSize })) {
    let outcome: BatchOutcome;
    try {
      throwIfAborted(control.signal, "CAR scoring");
      outcome = await classifyBatch(
        (images) => context.masked.predict(images as tf.Tensor4D, removal),
        batch.images,
        batch.labels,
        probabilities,
      );
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
    visit(batch.indices, outcome);
    afterBatch();
  }
}

export const carCriterion: ImportanceCriterion = {
  name: "car",
  needsData: true,
  async score(context: ScoringContext, control: OperationControl): Promise<CriterionResult> {
    const dataset = context.dataset!;
    const images = dataset.size;
    const labels = dataset.labels();
    const classes = dataset.classNames.length;
    const probabilities = outputsProbabilities(context.model);
    const filterLists = context.groups.map((g) => remainingFilters(g, context.base));
    const batches = Math.ceil(images / context.batchSize);
    // The last filter of a group cannot be removed (the layer would vanish): it gets no pass.
    const totalFilters = filterLists.reduce((sum, list) => sum + (list.length > 1 ? list.length : 0), 0);
    // One unit = one batch of one forward pass; the base network's pass comes first.
    const report = phasedProgress((totalFilters + 1) * batches, control.onProgress);
    let done = 0;

    const baseCorrect = new Uint8Array(images);
    const baseLoss = new Float32Array(images);
    let phase = "scoring: base network";
    await forEachOutcome(
      context,
      context.base,
      probabilities,
      control,
      (indices, outcome) => {
        for (let i = 0; i < indices.length; i++) {
          const index = indices[i]!;
          baseCorrect[index] = outcome.predicted[i] === labels[index] ? 1 : 0;
          baseLoss[index] = outcome.loss[i]!;
        }
      },
      () => report(phase, ++done),
    );
    let baseRight = 0;
    let baseLossSum = 0;
    for (let i = 0; i < images; i++) {
      baseRight += baseCorrect[i]!;
      baseLossSum += baseLoss[i]!;
    }
    const imagesPerClass = new Float64Array(classes);
    for (let i = 0; i < images; i++) imagesPerClass[labels[i]!]! += 1;

    const groups = new Map<string, RawFilterScore[]>();
    for (const [g, group] of context.groups.entries()) {
      const filters = filterLists[g]!;
      const scores: RawFilterScore[] = [];
      if (filters.length === 1) {
        scores.push({ filter: filters[0]!, score: Number.POSITIVE_INFINITY });
        groups.set(group.id, scores);
        continue;
      }
      for (const [k, filter] of filters.entries()) {
        phase = `scoring ${group.id}: filter ${k + 1}/${filters.length}`;
        let rightToWrong = 0;
        let wrongToRight = 0;
        // Summed in float64 from float32 per-image losses: identical passes give exactly 0.
        let lossDelta = 0;
        const classRightToWrong = new Float64Array(context.classwise ? classes : 0);
        const classWrongToRight = new Float64Array(context.classwise ? classes : 0);
        await forEachOutcome(
          context,
          withRemoved(context.base, group.id, [filter]),
          probabilities,
          control,
          (indices, outcome) => {
            for (let i = 0; i < indices.length; i++) {
              const index = indices[i]!;
              const correct = outcome.predicted[i] === labels[index];
              const wasCorrect = baseCorrect[index] === 1;
              lossDelta += outcome.loss[i]! - baseLoss[index]!;
              if (wasCorrect === correct) continue;
              if (wasCorrect) rightToWrong++;
              else wrongToRight++;
              if (context.classwise) {
                const counts = wasCorrect ? classRightToWrong : classWrongToRight;
                counts[labels[index]!]! += 1;
              }
            }
          },
          () => report(phase, ++done),
        );
        const drop = pairedAccuracyDrop(rightToWrong, wrongToRight, images);
        const lossIncrease = lossDelta / images;
        scores.push({
          filter,
          score: drop.drop,
          tieBreak: lossIncrease,
          car: {
            ...drop,
            rightToWrong,
            wrongToRight,
            lossIncrease,
            accuracyWithout: (baseRight - rightToWrong + wrongToRight) / images,
          },
          ...(context.classwise
            ? { classwise: classwiseAccuracyDrop(classRightToWrong, classWrongToRight, imagesPerClass) }
            : {}),
        });
      }
      groups.set(group.id, scores);
    }
    return { groups, base: { images, accuracy: baseRight / images, loss: baseLossSum / images } };
  },
};
