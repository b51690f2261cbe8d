/**
 * CAR, Classification Accuracy Reduction (Abbasi-Asl & Yu, "Structural Compression of Convolutional Neural
 * Networks with Applications in Interpretability", Frontiers in Big Data 2021, arXiv:1705.07356):
 *   CAR(f) = accuracy(network) − accuracy(network without filter f),
 * both with the already-removed filters (`base`) removed, on the same evaluation images.
 *
 * Two methods give the same scores. "naive" is the reference: one masked forward pass per filter over the
 * whole set. The base network's per-image correctness and loss are computed once; each filter's pass then
 * only counts the images whose correctness flips, which is both the cheapest bookkeeping and the paired
 * statistic behind the confidence interval (statistics.ts). Class-wise CAR comes from the same flips split by
 * true class. "exact" (the default) computes the same flips with the fast engine of src/fastcar (prefix
 * caching, stacked masked copies, incremental next layer; see fastcar/session.ts for why it is exact).
 */
import * as tf from "@tensorflow/tfjs-core";

import { type BatchOutcome, classifyBatch } from "../eval/evaluate.js";
import { CarSession, type FilterTally } from "../fastcar/index.js";
import { type FilterRemoval, withRemoved } from "../mask/index.js";
import { outputsProbabilities } from "../model/outputs.js";
import { type OperationControl, checkpoint } from "../util/operation.js";
import type {
  CarEngineReport,
  CriterionResult,
  ImportanceCriterion,
  RawFilterScore,
  ScoringContext,
} from "./criterion.js";
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
      await checkpoint(control.signal, "CAR scoring");
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

/** Per-class image counts of the set. */
function countPerClass(labels: Int32Array, classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (const label of labels) counts[label]! += 1;
  return counts;
}

/** CAR of one filter from its paired flip counts on `images` images of which the base got `baseRight` right. */
export function carScoreOf(
  tally: FilterTally,
  images: number,
  baseRight: number,
  imagesPerClass: Float64Array,
  classwise: boolean,
): RawFilterScore {
  const { rightToWrong, wrongToRight } = tally;
  const drop = pairedAccuracyDrop(rightToWrong, wrongToRight, images);
  const lossIncrease = tally.lossDelta / images;
  return {
    filter: tally.filter,
    score: drop.drop,
    tieBreak: lossIncrease,
    car: {
      ...drop,
      rightToWrong,
      wrongToRight,
      lossIncrease,
      accuracyWithout: (baseRight - rightToWrong + wrongToRight) / images,
    },
    ...(classwise
      ? {
          classwise: classwiseAccuracyDrop(
            tally.classRightToWrong ?? new Float64Array(imagesPerClass.length),
            tally.classWrongToRight ?? new Float64Array(imagesPerClass.length),
            imagesPerClass,
          ),
        }
      : {}),
  };
}

/** The reference method: one masked forward pass over the set per filter. */
async function naiveCar(context: ScoringContext, control: OperationControl): Promise<CriterionResult> {
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
  const imagesPerClass = countPerClass(labels, classes);

  const groups = new Map<string, RawFilterScore[]>();
  let evaluations = 0;
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
      const tally: FilterTally = {
        filter,
        images,
        rightToWrong: 0,
        wrongToRight: 0,
        // Summed in float64 from float32 per-image losses: identical passes give exactly 0.
        lossDelta: 0,
        ...(context.classwise
          ? { classRightToWrong: new Float64Array(classes), classWrongToRight: new Float64Array(classes) }
          : {}),
      };
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
            tally.lossDelta += outcome.loss[i]! - baseLoss[index]!;
            if (wasCorrect === correct) continue;
            if (wasCorrect) tally.rightToWrong++;
            else tally.wrongToRight++;
            const counts = wasCorrect ? tally.classRightToWrong : tally.classWrongToRight;
            if (counts) counts[labels[index]!]! += 1;
          }
        },
        () => report(phase, ++done),
      );
      evaluations += images;
      scores.push(carScoreOf(tally, images, baseRight, imagesPerClass, context.classwise));
    }
    groups.set(group.id, scores);
  }
  const engine: CarEngineReport = {
    method: "naive",
    plans: {},
    filterImageEvaluations: evaluations,
    rechecks: 0,
    chunkImages: context.batchSize,
    maxStacked: context.batchSize,
    stackLimit: context.batchSize,
  };
  return { groups, base: { images, accuracy: baseRight / images, loss: baseLossSum / images }, engine };
}

/** The fast exact method (src/fastcar). */
async function exactCar(context: ScoringContext, control: OperationControl): Promise<CriterionResult> {
  const dataset = context.dataset!;
  const session = new CarSession(context.model, {
    dataset,
    graph: context.graph,
    classwise: context.classwise,
    seed: context.seed,
    ...(context.memoryBudgetMB !== undefined ? { memoryBudgetMB: context.memoryBudgetMB } : {}),
  });
  try {
    const result = await session.score(
      context.groups.map((g) => g.id),
      context.base,
      control,
    );
    const imagesPerClass = countPerClass(dataset.labels(), dataset.classNames.length);
    const groups = new Map<string, RawFilterScore[]>();
    for (const [g, group] of context.groups.entries()) {
      const tallies = result.groups[g]!.filters;
      if (tallies.length === 0) {
        const [only] = remainingFilters(group, context.base);
        groups.set(group.id, [{ filter: only!, score: Number.POSITIVE_INFINITY }]);
        continue;
      }
      groups.set(
        group.id,
        tallies.map((t) => carScoreOf(t, result.images, result.baseRight, imagesPerClass, context.classwise)),
      );
    }
    const engine: CarEngineReport = {
      method: "exact",
      plans: Object.fromEntries(
        result.groups.map((g) => [g.groupId, g.kernel === "wasm-simd" ? `${g.plan} (wasm-simd)` : g.plan]),
      ),
      filterImageEvaluations: result.stats.filterImageEvaluations,
      rechecks: result.stats.rechecks,
      chunkImages: result.stats.chunkImages,
      maxStacked: result.stats.maxStacked,
      stackLimit: result.stats.stackLimit,
      peakTensorBytes: result.stats.peakTensorBytes,
      phaseSeconds: result.stats.seconds,
    };
    return {
      groups,
      base: {
        images: result.images,
        accuracy: result.baseRight / result.images,
        loss: result.baseLossSum / result.images,
      },
      engine,
    };
  } finally {
    session.dispose();
  }
}

export const carCriterion: ImportanceCriterion = {
  name: "car",
  needsData: true,
  score(context: ScoringContext, control: OperationControl): Promise<CriterionResult> {
    return context.method === "naive" ? naiveCar(context, control) : exactCar(context, control);
  },
};
