/**
 * Task 1 of the benchmark: CAR of every filter of every prunable layer, class-wise, by the exact engine and
 * by the naive method, with the check that both give the same scores.
 *
 * The naive method costs one forward pass over the set per filter. When that fits the time allowed it runs in
 * full through `scoreFilters(…, { method: "naive" })`; otherwise the benchmark runs the same passes
 * (MaskedModel.predict and classifyBatch per batch, as importance/car.ts does) for the first filters of each
 * group, round-robin, and extrapolates: base pass + filters × mean time per filter pass. Every filter costs
 * one full pass whatever its group, so the mean is representative.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { classifyBatch } from "../eval/evaluate.js";
import { buildChannelGraph } from "../graph/index.js";
import type { CarEngineReport, FilterScore, ScoreReport } from "../importance/index.js";
import { scoreFilters } from "../importance/index.js";
import { type FilterRemoval, MaskedModel, NO_REMOVAL, withRemoved } from "../mask/index.js";
import { outputsProbabilities } from "../model/outputs.js";
import { type MaskFlops, maskFlops } from "../fastcar/index.js";
import { measure } from "./measure.js";

export interface CarBenchOptions {
  model: tfl.LayersModel;
  dataset: Dataset;
  memoryBudgetMB: number;
  /** Seconds the naive method may take before it is sampled and extrapolated instead. */
  naiveSeconds: number;
  batchSize: number;
  /** GFLOP/s the backend reaches on large kernels (bench/throughput.ts), for the floor. */
  gflops: number;
  log: (line: string) => void;
}

export interface NaiveCarTiming {
  seconds: number;
  /** CPU seconds, extrapolated by the same factor as the wall time. */
  cpuSeconds?: number;
  extrapolated: boolean;
  /** Filters the naive method actually scored, and the seconds that took (base pass included). */
  measuredFilters: number;
  measuredSeconds: number;
  peakRss: number;
  peakTensorBytes: number;
  heapBytes: number;
}

export interface CarBenchResult {
  images: number;
  filters: number;
  /** Filters per group. */
  groups: Record<string, number>;
  plans: Record<string, string>;
  fast: {
    seconds: number;
    cpuSeconds?: number;
    peakRss: number;
    peakTensorBytes: number;
    heapBytes: number;
    engine: CarEngineReport;
    /**
     * The same scoring as the process's first call, run just before as a warm-up and not in the ratio: a first
     * call also pays the wasm heap's growth to the chunk's size and the JIT's first compilations.
     */
    firstCall?: { seconds: number; cpuSeconds: number };
  };
  naive: NaiveCarTiming;
  /** Naive CPU seconds / fast CPU seconds. */
  speedupCpu?: number;
  /** Naive seconds / fast seconds. */
  speedup: number;
  check: {
    filtersCompared: number;
    mismatches: number;
    maxLossDifference: number;
    baseAccuracyEqual: boolean;
  };
  /** Filters × images × the plan's FLOPs per mask (fastcar/floor.ts), and that at the measured throughput. */
  floor: { flops: number; seconds: number; gflops: number; plans: MaskFlops[] };
}

interface NaiveFilter {
  groupId: string;
  filter: number;
  rightToWrong: number;
  wrongToRight: number;
  lossIncrease: number;
  classRightToWrong: Float64Array;
  classWrongToRight: Float64Array;
}

/** One masked pass over the set, per-image outcomes (the naive method's inner loop). */
export async function naivePass(
  masked: MaskedModel,
  removal: FilterRemoval,
  dataset: Dataset,
  batchSize: number,
  probabilities: boolean,
  sample: () => void,
): Promise<{ correct: Uint8Array; loss: Float32Array }> {
  const correct = new Uint8Array(dataset.size);
  const loss = new Float32Array(dataset.size);
  const labels = dataset.labels();
  for (const batch of dataset.batches({ batchSize })) {
    try {
      const outcome = await classifyBatch(
        (images) => masked.predict(images, removal),
        batch.images,
        batch.labels,
        probabilities,
      );
      batch.indices.forEach((index, i) => {
        correct[index] = outcome.predicted[i] === labels[index] ? 1 : 0;
        loss[index] = outcome.loss[i]!;
      });
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
    sample();
  }
  return { correct, loss };
}

/** The naive method on the first filters of each group (round-robin) until `seconds` are spent. */
async function sampledNaive(
  model: tfl.LayersModel,
  dataset: Dataset,
  groups: Array<{ id: string; size: number }>,
  seconds: number,
  batchSize: number,
  sample: () => void,
): Promise<{
  base: { correct: Uint8Array; seconds: number };
  filters: NaiveFilter[];
  filterSeconds: number;
}> {
  const masked = new MaskedModel(model);
  const probabilities = outputsProbabilities(model);
  const labels = dataset.labels();
  const classes = dataset.classNames.length;
  try {
    const started = performance.now();
    const base = await naivePass(masked, NO_REMOVAL, dataset, batchSize, probabilities, sample);
    const baseSeconds = (performance.now() - started) / 1000;
    const filters: NaiveFilter[] = [];
    const filterStarted = performance.now();
    const order: Array<{ groupId: string; filter: number }> = [];
    const longest = Math.max(...groups.map((g) => g.size));
    for (let f = 0; f < longest; f++)
      for (const g of groups) if (f < g.size) order.push({ groupId: g.id, filter: f });
    for (const { groupId, filter } of order) {
      const elapsed = (performance.now() - started) / 1000;
      if (filters.length >= 2 && elapsed > seconds) break;
      const pass = await naivePass(
        masked,
        withRemoved(NO_REMOVAL, groupId, [filter]),
        dataset,
        batchSize,
        probabilities,
        sample,
      );
      const tally: NaiveFilter = {
        groupId,
        filter,
        rightToWrong: 0,
        wrongToRight: 0,
        lossIncrease: 0,
        classRightToWrong: new Float64Array(classes),
        classWrongToRight: new Float64Array(classes),
      };
      let lossDelta = 0;
      for (let i = 0; i < dataset.size; i++) {
        lossDelta += pass.loss[i]! - base.loss[i]!;
        if (pass.correct[i] === base.correct[i]) continue;
        if (base.correct[i]) {
          tally.rightToWrong++;
          tally.classRightToWrong[labels[i]!]! += 1;
        } else {
          tally.wrongToRight++;
          tally.classWrongToRight[labels[i]!]! += 1;
        }
      }
      tally.lossIncrease = lossDelta / dataset.size;
      filters.push(tally);
    }
    return {
      base: { correct: base.correct, seconds: baseSeconds },
      filters,
      filterSeconds: (performance.now() - filterStarted) / 1000,
    };
  } finally {
    masked.dispose();
  }
}

function compare(fast: ScoreReport, naive: NaiveFilter[], imagesPerClass: Float64Array) {
  let mismatches = 0;
  let maxLossDifference = 0;
  const byKey = new Map<string, FilterScore>();
  for (const g of fast.groups) for (const s of g.filters) byKey.set(`${g.groupId}/${s.filter}`, s);
  for (const n of naive) {
    const f = byKey.get(`${n.groupId}/${n.filter}`)!;
    const lossDifference = Math.abs(f.car!.lossIncrease - n.lossIncrease);
    maxLossDifference = Math.max(maxLossDifference, lossDifference);
    const classwiseSame = f.classwise!.every((v, c) => {
      const want =
        imagesPerClass[c]! > 0
          ? (n.classRightToWrong[c]! - n.classWrongToRight[c]!) / imagesPerClass[c]!
          : NaN;
      return Object.is(v, want) || v === want;
    });
    if (
      f.car!.rightToWrong !== n.rightToWrong ||
      f.car!.wrongToRight !== n.wrongToRight ||
      lossDifference > 1e-5 ||
      !classwiseSame
    ) {
      mismatches++;
    }
  }
  return { filtersCompared: naive.length, mismatches, maxLossDifference };
}

export async function benchWholeModelCar(options: CarBenchOptions): Promise<CarBenchResult> {
  const { model, dataset, log } = options;
  const graph = buildChannelGraph(model);
  const groups = graph.groups.map((g) => ({ id: g.id, size: g.size }));
  const filters = groups.reduce((sum, g) => sum + g.size, 0);
  const imagesPerClass = new Float64Array(dataset.classNames.length);
  for (const label of dataset.labels()) imagesPerClass[label]! += 1;

  log(`  CAR, exact engine: ${filters} filters × ${dataset.size} images (a warm-up, then timed) …`);
  const score = () =>
    measure((sample) =>
      scoreFilters(
        model,
        "car",
        { dataset, classwise: true, graph, memoryBudgetMB: options.memoryBudgetMB },
        { onProgress: sample },
      ),
    );
  const first = await score();
  const fast = await score();
  log(
    `    ${fast.seconds.toFixed(1)} s, ${fast.cpuSeconds.toFixed(1)} s CPU ` +
      `(first call ${first.seconds.toFixed(1)} s, ${first.cpuSeconds.toFixed(1)} s CPU)`,
  );

  log(`  CAR, naive method (up to ${options.naiveSeconds} s, then extrapolated) …`);
  const naive = await measure((sample) =>
    sampledNaive(model, dataset, groups, options.naiveSeconds, options.batchSize, sample),
  );
  const { base, filters: scored, filterSeconds } = naive.value;
  const complete = scored.length === filters;
  const naiveSeconds = complete
    ? naive.seconds
    : base.seconds + (filters * filterSeconds) / Math.max(1, scored.length);
  log(
    `    ${naive.seconds.toFixed(1)} s for ${scored.length}/${filters} filters` +
      (complete ? "" : ` → ${naiveSeconds.toFixed(0)} s extrapolated`),
  );
  const naiveCpu = naive.cpuSeconds * (naiveSeconds / naive.seconds);
  const baseRight = base.correct.reduce((a, b) => a + b, 0);
  const plans = maskFlops(model, graph);
  const floorFlops = plans.reduce(
    (sum, p) =>
      sum + (groups.find((g) => g.id === p.groupId)?.size ?? 0) * dataset.size * p.flopsPerFilterImage,
    0,
  );
  return {
    images: dataset.size,
    filters,
    groups: Object.fromEntries(groups.map((g) => [g.id, g.size])),
    plans: fast.value.engine?.plans ?? {},
    fast: {
      seconds: fast.seconds,
      cpuSeconds: fast.cpuSeconds,
      peakRss: Math.max(first.peakRss, fast.peakRss),
      peakTensorBytes: Math.max(
        first.peakTensorBytes,
        fast.peakTensorBytes,
        fast.value.engine?.peakTensorBytes ?? 0,
      ),
      heapBytes: fast.heapBytes,
      engine: fast.value.engine!,
      firstCall: { seconds: first.seconds, cpuSeconds: first.cpuSeconds },
    },
    naive: {
      seconds: naiveSeconds,
      cpuSeconds: naiveCpu,
      extrapolated: !complete,
      measuredFilters: scored.length,
      measuredSeconds: naive.seconds,
      peakRss: naive.peakRss,
      peakTensorBytes: naive.peakTensorBytes,
      heapBytes: naive.heapBytes,
    },
    speedup: naiveSeconds / fast.seconds,
    speedupCpu: naiveCpu / fast.cpuSeconds,
    check: {
      ...compare(fast.value, scored, imagesPerClass),
      baseAccuracyEqual: baseRight / dataset.size === fast.value.baseAccuracy,
    },
    floor: {
      flops: floorFlops,
      seconds: floorFlops / (options.gflops * 1e9),
      gflops: options.gflops,
      plans,
    },
  };
}
