/**
 * Task 2 of the benchmark: greedy pruning of half the filters of each convolutional layer, one filter per
 * step, layer after layer (sequential scope) — exact engine, naive method, and the opt-in adaptive selection.
 *
 * The naive run costs hours on Fashion-MNIST, so unless it fits the time allowed it is measured on the first
 * steps of *each* layer and extrapolated. Each layer's measurement starts from the network the exact run had
 * reached at that point (its removals so far applied by surgery), so the naive steps measured are the very
 * steps of the full run, and their choices are checked against the exact run's. The extrapolation assumes a
 * naive step costs (candidates + 2) passes — one per candidate, the base network's, the evaluation after the
 * removal — each taking time proportional to the network's FLOPs at that step. That undercounts the naive
 * cost (fixed costs per pass do not shrink with the network), so the reported speed-ups are conservative.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { isCarveError } from "../errors.js";
import { buildChannelGraph } from "../graph/index.js";
import { type MaskFlops, type RaceBound, maskFlops } from "../fastcar/index.js";
import { evaluate } from "../eval/evaluate.js";
import { describeModel } from "../model/describe.js";
import { type GreedyPruneResult, greedyPrune } from "../prune/greedy-prune.js";
import type { PruneOptions } from "../prune/index.js";
import { MaskedModel, withRemoved } from "../mask/index.js";
import { outputsProbabilities } from "../model/outputs.js";
import { removeFilters } from "../surgery/index.js";
import { naivePass } from "./car-bench.js";
import { cpuSince, measure } from "./measure.js";

export interface GreedyBenchOptions {
  model: tfl.LayersModel;
  dataset: Dataset;
  memoryBudgetMB: number;
  /** Seconds the naive run may take in full before it is sampled per layer and extrapolated. */
  naiveSeconds: number;
  /**
   * Naive steps measured per layer when sampling (at least 2), or 0: no naive step is run, the naive time is
   * extrapolated from the naive method's masked pass timed once per layer (the same per-step model, without
   * its check of choices).
   */
  naiveStepsPerLayer: number;
  adaptive: Array<{ confidence: number; bound: RaceBound }>;
  /** GFLOP/s the backend reaches on large kernels (bench/throughput.ts), for the floor. */
  gflops: number;
  log: (line: string) => void;
}

export interface AdaptiveBenchResult {
  confidence: number;
  bound: RaceBound;
  /** Wall time without the verification (exact scoring each step, to measure agreement). */
  seconds: number;
  verifySeconds: number;
  /** CPU seconds without the verification's. */
  cpuSeconds?: number;
  verifyCpuSeconds?: number;
  speedupVsNaiveCpu?: number;
  speedupVsExactCpu?: number;
  steps: number;
  /** Steps whose choice is the exact method's (on the same network). */
  agreeing: number;
  /** Steps whose choice has the exact choice's CAR on the whole set (agreeing ones included). */
  sameCar: number;
  /** Per step: the group, candidates, filter·images the race spent, and its agreement. */
  perStep?: Array<{
    groupId: string;
    candidates: number;
    filterImageEvaluations: number;
    agrees: boolean;
    sameCar: boolean;
  }>;
  filterImageEvaluations: number;
  speedupVsNaive: number;
  speedupVsExact: number;
  peakRss: number;
  peakTensorBytes: number;
  heapBytes: number;
}

export interface GreedyBenchResult {
  groups: Array<{ id: string; size: number; removed: number }>;
  steps: number;
  fast: {
    seconds: number;
    cpuSeconds?: number;
    scoringSeconds: number;
    filterImageEvaluations: number;
    peakRss: number;
    peakTensorBytes: number;
    heapBytes: number;
  };
  naive: {
    seconds: number;
    /** CPU seconds, extrapolated by the same factor as the wall time. */
    cpuSeconds?: number;
    extrapolated: boolean;
    measuredSteps: number;
    measuredSeconds: number;
    /** With no naive step run: whole passes over the set that were timed instead. */
    timedPasses?: number;
    filterImageEvaluations: number;
    peakRss: number;
    peakTensorBytes: number;
    heapBytes: number;
  };
  speedup: number;
  speedupCpu?: number;
  /** Naive steps whose choice was compared with the exact run's, and how many differed. */
  check: { stepsCompared: number; mismatches: number };
  /**
   * The arithmetic exact scoring cannot avoid over the run (fastcar/floor.ts: candidates × images × the plan's
   * FLOPs per mask, summed over steps), and that at the measured throughput.
   */
  floor: { flops: number; seconds: number; gflops: number; plans: MaskFlops[] };
  adaptive: AdaptiveBenchResult[];
}

interface NaiveStepTiming {
  seconds: number;
  candidates: number;
  /** FLOPs of the network the step scored. */
  flops: number;
}

/** Seconds of one forward pass over the set (a warm one), for the naive estimate. */
async function timeOnePass(model: tfl.LayersModel, dataset: Dataset): Promise<number> {
  const small = dataset.subset(Array.from({ length: Math.min(dataset.size, 256) }, (_, i) => i));
  await evaluate(model, small);
  const started = performance.now();
  await evaluate(model, dataset);
  return (performance.now() - started) / 1000;
}

export async function benchGreedy(options: GreedyBenchOptions): Promise<GreedyBenchResult> {
  const { model, dataset, log } = options;
  const graph = buildChannelGraph(model);
  const convs = graph.groups.filter((g) => g.className === "Conv2D" && g.size > 1);
  const pruneOptions: PruneOptions = {
    scope: { kind: "sequential", groups: convs.map((g) => g.id) },
    target: { removeFraction: 0.5 },
    evaluation: dataset,
    stepSize: 1,
  };

  log(`  greedy, exact engine: half of ${convs.map((g) => `${g.id} (${g.size})`).join(", ")} …`);
  const fast = await measure((sample) =>
    greedyPrune(
      model,
      { ...pruneOptions, memoryBudgetMB: options.memoryBudgetMB },
      { onProgress: sample, onStep: sample },
    ),
  );
  const exact = fast.value;
  exact.model.dispose();
  log(`    ${fast.seconds.toFixed(1)} s, ${fast.cpuSeconds.toFixed(1)} s CPU, ${exact.steps.length} steps`);
  const originalFlops = describeModel(model).flops;
  const flopsBefore = exact.steps.map((_, i) => (i === 0 ? originalFlops : exact.steps[i - 1]!.flops));
  const choiceOf = (r: { groupId: string; filter: number }) => `${r.groupId}/${r.filter}`;

  // Naive: in full when the estimate fits the time allowed, else the first steps of each layer, each layer
  // starting from where the exact run was.
  const passSeconds = await timeOnePass(model, dataset);
  const estimate = exact.steps.reduce(
    (sum, s, k) => sum + passSeconds * (s.candidates + 2) * (flopsBefore[k]! / originalFlops),
    0,
  );
  const runAll = estimate <= options.naiveSeconds;
  const naiveTimings: NaiveStepTiming[] = [];
  let mismatches = 0;
  let startup = 0;
  const passesOnly = !runAll && options.naiveStepsPerLayer === 0;
  const timedPasses: number[] = [];
  let passesCpu = 0;
  if (passesOnly) {
    const cpuStarted = process.cpuUsage();
    // No naive step: the naive method's own pass (a masked pass with one filter removed, per-image outcomes,
    // as importance/car.ts runs it) timed once per layer on the original network, in the same per-step model.
    const masked = new MaskedModel(model);
    try {
      for (const group of convs) {
        const started = performance.now();
        await naivePass(
          masked,
          withRemoved(new Map(), group.id, [0]),
          dataset,
          256,
          outputsProbabilities(model),
          () => undefined,
        );
        timedPasses.push((performance.now() - started) / 1000);
      }
    } finally {
      masked.dispose();
    }
    passesCpu = cpuSince(cpuStarted);
  }
  const naive = await measure(async (sample) => {
    const phases = passesOnly ? [] : runAll ? [undefined] : convs;
    let offset = 0;
    for (const group of phases) {
      const phaseSteps = group ? exact.steps.filter((s) => s.removed[0]!.groupId === group.id) : exact.steps;
      const before = new Map<string, Set<number>>();
      for (const s of exact.steps.slice(0, offset)) {
        for (const r of s.removed)
          before.set(r.groupId, new Set([...(before.get(r.groupId) ?? []), r.filter]));
      }
      const start = await removeFilters(model, before);
      const controller = new AbortController();
      const started = performance.now();
      let last = 0;
      try {
        const result = await greedyPrune(
          start,
          {
            ...pruneOptions,
            ...(group
              ? {
                  scope: { kind: "layer", group: group.id },
                  target: { keep: group.size - phaseSteps.length },
                }
              : {}),
            method: "naive",
          },
          {
            signal: controller.signal,
            onProgress: sample,
            onStep: (record) => {
              sample();
              const now = (performance.now() - started) / 1000;
              const i = offset + record.step - 1;
              if (choiceOf(record.removed[0]!) !== choiceOf(exact.steps[i]!.removed[0]!)) mismatches++;
              naiveTimings.push({
                seconds: now - last,
                candidates: record.candidates,
                flops: flopsBefore[i]!,
              });
              last = now;
              if (!runAll && record.step >= options.naiveStepsPerLayer) controller.abort();
            },
          },
        );
        result.model.dispose();
      } catch (error) {
        if (!isCarveError(error, "ABORTED")) throw error;
      } finally {
        start.dispose();
      }
      offset += phaseSteps.length;
    }
  });
  const measuredSteps = naiveTimings.length;
  const complete = measuredSteps === exact.steps.length && runAll;
  let naiveSeconds = naive.seconds;
  if (!complete) {
    // The first step also paid for hashing the model and data and for the initial evaluation.
    const [first, second] = naiveTimings;
    const work = (m: NaiveStepTiming) => (m.candidates + 2) * m.flops;
    startup =
      first && second ? Math.max(0, first.seconds - (second.seconds * work(first)) / work(second)) : 0;
    // Per layer: seconds per (pass × FLOP) over its measured steps (the first one without the startup).
    naiveSeconds = startup;
    let offset = 0;
    let t = 0;
    for (const group of convs) {
      const count = exact.steps.filter((s) => s.removed[0]!.groupId === group.id).length;
      const measured = naiveTimings.slice(t, t + Math.min(count, options.naiveStepsPerLayer));
      const rate =
        measured.reduce((sum, m, k) => sum + (m.seconds - (t + k === 0 ? startup : 0)) / work(m), 0) /
        Math.max(1, measured.length);
      for (let k = offset; k < offset + count; k++) {
        naiveSeconds += rate * (exact.steps[k]!.candidates + 2) * flopsBefore[k]!;
      }
      offset += count;
      t += measured.length;
    }
  }
  if (passesOnly) {
    const mean = timedPasses.reduce((a, b) => a + b, 0) / timedPasses.length;
    naiveSeconds = estimate * (mean / passSeconds);
    log(`    masked pass ${mean.toFixed(1)} s vs plain evaluation pass ${passSeconds.toFixed(1)} s`);
    log(
      `  greedy, naive method: ${timedPasses.length} timed passes → ${naiveSeconds.toFixed(0)} s extrapolated`,
    );
  } else {
    log(
      `  greedy, naive method: ${naive.seconds.toFixed(1)} s for ${measuredSteps}/${exact.steps.length} steps` +
        (complete ? "" : ` → ${naiveSeconds.toFixed(0)} s extrapolated`),
    );
  }

  // Naive CPU time, extrapolated like its wall time.
  const naiveCpu = passesOnly
    ? naiveSeconds * (passesCpu / timedPasses.reduce((a, b) => a + b, 0))
    : naive.cpuSeconds * (naiveSeconds / naive.seconds);
  const adaptive: AdaptiveBenchResult[] = [];
  for (const { confidence, bound } of options.adaptive) {
    log(`  greedy, adaptive (${bound}, confidence ${confidence}) with per-step verification …`);
    const run = await measure((sample) =>
      greedyPrune(
        model,
        {
          ...pruneOptions,
          memoryBudgetMB: options.memoryBudgetMB,
          adaptive: { confidence, bound, verify: true },
        },
        { onProgress: sample, onStep: sample },
      ),
    );
    const result: GreedyPruneResult = run.value;
    result.model.dispose();
    const verifySeconds = result.steps.reduce((sum, s) => sum + (s.scoring?.verifySeconds ?? 0), 0);
    const seconds = run.seconds - verifySeconds;
    const verifyCpuSeconds = result.steps.reduce((sum, s) => sum + (s.scoring?.verifyCpuSeconds ?? 0), 0);
    const cpuSeconds = run.cpuSeconds - verifyCpuSeconds;
    const agreeing = result.steps.filter((s) => s.scoring?.agreesWithExact).length;
    const sameCar = result.steps.filter((s) => s.scoring?.sameCarAsExact).length;
    adaptive.push({
      confidence,
      bound,
      seconds,
      verifySeconds,
      steps: result.steps.length,
      agreeing,
      sameCar,
      perStep: result.steps.map((s) => ({
        groupId: s.removed[0]!.groupId,
        candidates: s.candidates,
        filterImageEvaluations: s.scoring?.filterImageEvaluations ?? 0,
        agrees: s.scoring?.agreesWithExact ?? false,
        sameCar: s.scoring?.sameCarAsExact ?? false,
      })),
      filterImageEvaluations: result.steps.reduce(
        (sum, s) => sum + (s.scoring?.filterImageEvaluations ?? 0),
        0,
      ),
      speedupVsNaive: naiveSeconds / seconds,
      speedupVsExact: fast.seconds / seconds,
      cpuSeconds,
      verifyCpuSeconds,
      speedupVsNaiveCpu: naiveCpu / cpuSeconds,
      speedupVsExactCpu: fast.cpuSeconds / cpuSeconds,
      peakRss: run.peakRss,
      heapBytes: run.heapBytes,
      peakTensorBytes: Math.max(
        run.peakTensorBytes,
        ...result.steps.map((s) => s.scoring?.peakTensorBytes ?? 0),
      ),
    });
    log(
      `    ${seconds.toFixed(1)} s, ${cpuSeconds.toFixed(1)} s CPU (+${verifySeconds.toFixed(1)} s verification), ${agreeing}/${result.steps.length} agree, ${sameCar} same CAR`,
    );
  }

  const naiveEvaluations = exact.steps.reduce((sum, s) => sum + s.candidates * dataset.size, 0);
  // Sequential scope: a group's plan and FLOPs per mask are those of the original network while it is pruned
  // (only earlier groups have lost filters by then, and a mask's suffix starts after the group).
  const plans = maskFlops(model, graph);
  const perMask = new Map(plans.map((p) => [p.groupId, p.flopsPerFilterImage]));
  const floorFlops = exact.steps.reduce(
    (sum, s) => sum + s.candidates * dataset.size * (perMask.get(s.removed[0]!.groupId) ?? 0),
    0,
  );
  return {
    groups: convs.map((g) => ({
      id: g.id,
      size: g.size,
      removed: exact.steps.filter((s) => s.removed[0]!.groupId === g.id).length,
    })),
    steps: exact.steps.length,
    fast: {
      seconds: fast.seconds,
      cpuSeconds: fast.cpuSeconds,
      scoringSeconds: exact.steps.reduce((sum, s) => sum + (s.scoring?.seconds ?? 0), 0),
      filterImageEvaluations: exact.steps.reduce(
        (sum, s) => sum + (s.scoring?.filterImageEvaluations ?? 0),
        0,
      ),
      peakRss: fast.peakRss,
      peakTensorBytes: Math.max(
        fast.peakTensorBytes,
        ...exact.steps.map((s) => s.scoring?.peakTensorBytes ?? 0),
      ),
      heapBytes: fast.heapBytes,
    },
    naive: {
      seconds: naiveSeconds,
      cpuSeconds: naiveCpu,
      extrapolated: !complete,
      measuredSteps,
      measuredSeconds: passesOnly ? timedPasses.reduce((a, b) => a + b, 0) : naive.seconds,
      ...(passesOnly ? { timedPasses: timedPasses.length } : {}),
      filterImageEvaluations: naiveEvaluations,
      peakRss: naive.peakRss,
      peakTensorBytes: naive.peakTensorBytes,
      heapBytes: naive.heapBytes,
    },
    speedup: naiveSeconds / fast.seconds,
    speedupCpu: naiveCpu / fast.cpuSeconds,
    check: { stepsCompared: measuredSteps, mismatches },
    floor: {
      flops: floorFlops,
      seconds: floorFlops / (options.gflops * 1e9),
      gflops: options.gflops,
      plans,
    },
    adaptive,
  };
}
