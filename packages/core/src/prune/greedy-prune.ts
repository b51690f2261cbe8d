import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { evaluate } from "../eval/evaluate.js";
import { buildChannelGraph, type ChannelGraph } from "../graph/index.js";
import { type FilterScore, scoreFilters } from "../importance/index.js";
import {
  type AdaptiveCarOptions,
  type CarStep,
  CarSteps,
  type StepScoring,
} from "../importance/car-steps.js";
import type { CarMethod } from "../importance/criterion.js";
import { type FilterRemoval, MaskedModel, NO_REMOVAL } from "../mask/index.js";
import { describeModel } from "../model/describe.js";
import { outputsProbabilities } from "../model/outputs.js";
import { removeFilters } from "../surgery/index.js";
import { trainModel } from "../train/train.js";
import { checkpoint } from "../util/operation.js";
import type { PruneControl, PruneOptions, PruneResume } from "./prune-options.js";
import { validatePruneOptions } from "./prune-options.js";
import type { AccuracySnapshot, PruneResult, PruneStep, RemovedFilter, StopReason } from "./prune-result.js";
import { hashDataset, hashModel, libraryVersions } from "./reproducibility.js";
import { classifyBatch } from "../eval/evaluate.js";

/**
 * How greedy pruning computes CAR (PruneOptions' criterion "car"); kept beside PruneOptions so that plain
 * PruneOptions callers are unaffected.
 */
export interface GreedyCarOptions {
  /**
   * "exact" (default): the fast engine, one session for the whole run when the weights do not change between
   * steps (no fine-tuning after each step) — chunk caches are updated by subtraction after each removal.
   * "naive": one masked forward pass per filter per step (the reference). Same choices either way.
   */
  method?: CarMethod;
  /** The fast engine's memory budget in MiB (default 256). */
  memoryBudgetMB?: number;
  /**
   * Opt-in: choose each step's filter by racing the filters over growing random subsets of the evaluation set
   * (see importance/car-steps.ts). Needs stepSize 1, no class protection, no accuracy floor and no fine-tuning
   * after each step. Each step then records in `scoring` what it cost (and, with `verify`, whether it agrees
   * with the exact choice).
   */
  adaptive?: AdaptiveCarOptions;
}

export type GreedyPruneOptions = PruneOptions &
  GreedyCarOptions & {
    /** Continue a run from its recorded steps instead of starting afresh (see {@link PruneResume}). */
    resume?: PruneResume;
  };

/** A step with how its scores were obtained (CAR runs). */
export type ScoredPruneStep = PruneStep & { scoring?: StepScoring };

/** A PruneResult whose steps say how they were scored; assignable to PruneResult. */
export type GreedyPruneResult = Omit<PruneResult, "steps"> & { steps: ScoredPruneStep[] };

/** A scored candidate in the current (already pruned) model. */
interface Candidate {
  score: FilterScore;
  /** Order of its group in the scope, the last tie-breaker of a global ranking. */
  groupOrder: number;
}

async function snapshot(
  model: tfl.LayersModel,
  dataset: Dataset,
  batchSize: number,
): Promise<AccuracySnapshot> {
  const result = await evaluate(model, dataset, { batchSize });
  return {
    dataset: dataset.name,
    accuracy: result.accuracy,
    loss: result.loss,
    perClassAccuracy: result.perClass.map((c) => c.accuracy),
  };
}

/** Per-class accuracy of `model` with `removal` applied, by masking (no surgery). */
async function maskedPerClassAccuracy(
  masked: MaskedModel,
  removal: FilterRemoval,
  dataset: Dataset,
  batchSize: number,
): Promise<{ accuracy: number; perClass: number[] }> {
  const classes = dataset.classNames.length;
  const correct = new Array<number>(classes).fill(0);
  const counts = new Array<number>(classes).fill(0);
  const probabilities = outputsProbabilities(masked.model);
  for (const batch of dataset.batches({ batchSize })) {
    try {
      const outcome = await classifyBatch(
        (x) => masked.predict(x, removal),
        batch.images,
        batch.labels,
        probabilities,
      );
      batch.indices.forEach((index, i) => {
        const label = dataset.label(index);
        counts[label]! += 1;
        if (outcome.predicted[i] === label) correct[label]! += 1;
      });
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  const total = correct.reduce((a, b) => a + b, 0);
  return {
    accuracy: total / dataset.size,
    perClass: correct.map((c, i) => (counts[i] ? c / counts[i]! : Number.NaN)),
  };
}

function resolveScope(graph: ChannelGraph, options: PruneOptions): string[] {
  const scope = options.scope;
  const ids =
    scope.kind === "layer"
      ? [scope.group]
      : scope.kind === "sequential"
        ? [...scope.groups]
        : [...(scope.groups ?? graph.groups.map((g) => g.id))];
  for (const id of ids) graph.group(id); // NOT_FOUND naming the available groups
  if (new Set(ids).size !== ids.length) {
    throw new CarveError("INVALID_ARGUMENT", `greedyPrune: scope lists a group twice (${ids.join(", ")})`);
  }
  return ids;
}

/** Filters to remove from `total` under a keep/fraction target (Infinity when only an accuracy floor is set). */
function removalBudget(total: number, options: PruneOptions): number {
  const { keep, removeFraction } = options.target;
  if (keep !== undefined) return Math.max(0, total - keep);
  if (removeFraction !== undefined) return Math.round(total * removeFraction);
  return Number.POSITIVE_INFINITY;
}

/**
 * Greedy structural compression (Abbasi-Asl & Yu 2021, Algorithm 1): score the remaining filters of the
 * active group(s) under the criterion on the *current* network, remove the lowest (ties: the criterion's
 * finer signal, then the lowest index; `stepSize` at a time), optionally fine-tune, and repeat until the
 * target. After every removal the network is physically pruned (`removeFilters`), so each step scores a
 * smaller network and fine-tuning trains exactly the network that will be shipped.
 *
 * The input model is not modified. The returned `model` is new and owned by the caller. Deterministic given
 * `seed` on one backend. Checks `control.signal` throughout and throws ABORTED, leaking no tensors.
 */
export async function greedyPrune(
  model: tfl.LayersModel,
  options: GreedyPruneOptions,
  control: PruneControl = {},
): Promise<GreedyPruneResult> {
  const started = performance.now();
  // A resumed run's clock goes on from its last recorded step.
  const priorSeconds = options.resume?.steps.at(-1)?.elapsedSeconds ?? 0;
  const elapsed = () => priorSeconds + (performance.now() - started) / 1000;
  const criterion = options.criterion ?? "car";
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 256;
  const stepSize = options.stepSize ?? 1;
  const evaluation = options.evaluation;
  validatePruneOptions(options, evaluation.classNames.length);
  const originalGraph = buildChannelGraph(model);
  const scopeIds = resolveScope(originalGraph, options);
  const method = options.method ?? "exact";
  validateCarOptions(options, criterion, stepSize);
  // Without fine-tuning between steps every step's network is the input model with filters removed, so one
  // fast-engine session (in original filter indices) serves the whole run.
  const steady = criterion === "car" && method === "exact" && options.fineTune?.when !== "each-step";

  const { resume, ...recordedOptions } = options;
  const reproducibility = {
    modelHash: await hashModel(model),
    dataHashes: Object.fromEntries(
      await Promise.all(
        [evaluation, options.test, options.fineTune?.when === "none" ? undefined : options.fineTune?.train]
          .filter((d): d is Dataset => d !== undefined)
          .map(async (d) => [d.name, await hashDataset(d)] as const),
      ),
    ),
    seed,
    options: {
      ...recordedOptions,
      evaluation: evaluation.name,
      test: options.test?.name,
      fineTune: options.fineTune ? { ...options.fineTune, train: options.fineTune.train.name } : undefined,
      criterion,
      stepSize,
      batchSize,
    },
    versions: libraryVersions(),
    backend: tf.getBackend(),
  };

  // alive[g][i] = original index of filter i of group g in the current model.
  const alive = new Map(
    scopeIds.map((id) => [id, Array.from({ length: originalGraph.group(id).size }, (_, i) => i)]),
  );
  const removed = new Map<string, number[]>(scopeIds.map((id) => [id, []]));
  const budgets = new Map<string, number>();
  let globalBudget = 0;
  if (options.scope.kind === "global") {
    const total = scopeIds.reduce((sum, id) => sum + originalGraph.group(id).size, 0);
    globalBudget = removalBudget(total, options);
  } else {
    for (const id of scopeIds) budgets.set(id, removalBudget(originalGraph.group(id).size, options));
  }

  const steps: ScoredPruneStep[] = [];
  if (resume) {
    validateResume(resume, options, originalGraph, scopeIds);
    for (const recorded of resume.steps) {
      for (const r of recorded.removed) {
        removed.get(r.groupId)!.push(r.filter);
        alive.set(
          r.groupId,
          alive.get(r.groupId)!.filter((f) => f !== r.filter),
        );
      }
      steps.push(recorded);
    }
  }
  // Work on a copy: fine-tuning changes weights, and the caller's model must stay as it was. A resumed run
  // starts from the network after its last recorded step.
  let current = resume?.model
    ? await removeFilters(resume.model, NO_REMOVAL)
    : await removeFilters(
        model,
        new Map([...removed].filter(([, list]) => list.length > 0).map(([id, list]) => [id, new Set(list)])),
        originalGraph,
      );
  let stopReason: StopReason = "target-reached";
  let carSteps: CarSteps | undefined;
  const imagesPerClass = countClasses(evaluation);
  try {
    if (steady) {
      carSteps = new CarSteps(model, {
        dataset: evaluation,
        seed,
        graph: originalGraph,
        ...(options.memoryBudgetMB !== undefined ? { memoryBudgetMB: options.memoryBudgetMB } : {}),
        ...(options.adaptive ? { adaptive: options.adaptive } : {}),
      });
    }
    const sizeOf = (m: tfl.LayersModel) => {
      const summary = describeModel(m);
      return { params: summary.params, flops: summary.flops };
    };
    // The unpruned network on the evaluation set. A fresh run's fast-engine session measures exactly that at
    // its first step (the base network on every image), so the run takes it from there, not from another pass.
    let originalEvaluation =
      carSteps && steps.length === 0 ? undefined : await snapshot(model, evaluation, batchSize);
    const originalTest = options.test ? await snapshot(model, options.test, batchSize) : undefined;
    let currentEvaluation = steps.at(-1)?.evaluation ?? originalEvaluation;
    let sequentialIndex = 0;

    for (let step = steps.length + 1; ; step++) {
      await checkpoint(control.signal, "pruning");
      // Which groups compete now, and how many filters may still go.
      let active: string[];
      let budget: number;
      if (options.scope.kind === "global") {
        active = scopeIds.filter((id) => alive.get(id)!.length > 1);
        budget = globalBudget - steps.reduce((sum, s) => sum + s.removed.length, 0);
      } else {
        while (
          sequentialIndex < scopeIds.length &&
          (budgets.get(scopeIds[sequentialIndex]!)! - removed.get(scopeIds[sequentialIndex]!)!.length <= 0 ||
            alive.get(scopeIds[sequentialIndex]!)!.length <= 1)
        ) {
          sequentialIndex++;
        }
        const id = scopeIds[sequentialIndex];
        active = id === undefined ? [] : [id];
        budget = id === undefined ? 0 : budgets.get(id)! - removed.get(id)!.length;
      }
      if (budget <= 0) {
        stopReason = "target-reached";
        break;
      }
      if (active.length === 0) {
        stopReason = Number.isFinite(budget) ? "nothing-left" : "target-reached";
        break;
      }

      const graph = buildChannelGraph(current);
      const scoringStarted = performance.now();
      let carStep: CarStep | undefined;
      let groupScores;
      let evaluations = 0;
      if (carSteps) {
        // Original indices in the session; the rest of the step works in the current model's indices.
        const base = new Map(
          [...removed].filter(([, list]) => list.length > 0).map(([id, list]) => [id, new Set(list)]),
        );
        carStep = await carSteps.step(active, base, {
          signal: control.signal,
          onProgress: control.onProgress,
        });
        groupScores = carStep.groups.map((g) => ({
          ...g,
          filters: g.filters.map((f) => ({ ...f, filter: alive.get(g.groupId)!.indexOf(f.filter) })),
        }));
      } else {
        const report = await scoreFilters(
          current,
          criterion,
          {
            groups: active,
            dataset: evaluation,
            classwise: criterion === "car",
            seed: seed + step,
            batchSize,
            graph,
            method,
            ...(options.memoryBudgetMB !== undefined ? { memoryBudgetMB: options.memoryBudgetMB } : {}),
          },
          { signal: control.signal, onProgress: control.onProgress },
        );
        groupScores = report.groups;
        evaluations = report.engine?.filterImageEvaluations ?? 0;
      }
      if (!originalEvaluation && carStep) {
        originalEvaluation =
          baseSnapshot(evaluation, carStep, imagesPerClass) ?? (await snapshot(model, evaluation, batchSize));
        currentEvaluation = originalEvaluation;
      }
      const scoring: StepScoring | undefined = carStep
        ? carStep.scoring
        : criterion === "car"
          ? {
              method,
              seconds: (performance.now() - scoringStarted) / 1000,
              filterImageEvaluations: evaluations,
            }
          : undefined;
      const candidates: Candidate[] = groupScores
        .flatMap((g) => g.filters.map((score) => ({ score, groupOrder: active.indexOf(g.groupId) })))
        .filter((c) => Number.isFinite(c.score.score));
      const raced = carStep?.choice;
      candidates.sort(
        (a, b) =>
          // Adaptive: the race's choice first (the others carry estimates only).
          (raced ? Number(isChoice(b, raced, alive)) - Number(isChoice(a, raced, alive)) : 0) ||
          a.score.score - b.score.score ||
          (a.score.car?.lossIncrease ?? 0) - (b.score.car?.lossIncrease ?? 0) ||
          a.groupOrder - b.groupOrder ||
          a.score.filter - b.score.filter,
      );

      // Take the lowest candidates, at most stepSize and never a group's last filter, skipping those that
      // would break class protection or the accuracy floor.
      const take = Math.min(stepSize, budget);
      const chosen: Candidate[] = [];
      let skippedForProtection = 0;
      let floorHit = false;
      const masked = new MaskedModel(current, graph);
      try {
        for (const candidate of candidates) {
          if (chosen.length === take) break;
          const group = candidate.score.groupId;
          const leftInGroup =
            alive.get(group)!.length - chosen.filter((c) => c.score.groupId === group).length;
          if (leftInGroup <= 1) continue;
          const trial = [...chosen, candidate];
          const needsCheck = options.protect !== undefined || options.target.minAccuracy !== undefined;
          if (!needsCheck) {
            chosen.push(candidate);
            continue;
          }
          const after = await predictAfter(masked, trial, evaluation, batchSize, currentEvaluation!);
          if (options.protect) {
            const broken = options.protect.classes.some(
              (c) =>
                after.perClass[c]! <
                originalEvaluation!.perClassAccuracy[c]! - options.protect!.maxDrop - 1e-12,
            );
            if (broken) {
              skippedForProtection++;
              continue;
            }
          }
          if (options.target.minAccuracy !== undefined && after.accuracy < options.target.minAccuracy) {
            // Greedy order: the lowest-scored candidate already costs too much; a later one would cost more.
            floorHit = true;
            break;
          }
          chosen.push(candidate);
        }
      } finally {
        masked.dispose();
      }
      if (chosen.length === 0) {
        stopReason = floorHit ? "accuracy-floor" : options.protect ? "class-protection" : "nothing-left";
        break;
      }

      // Physical removal, in current indices; then map back to original indices.
      const stepRemoval = new Map<string, Set<number>>();
      for (const c of chosen) {
        const set = stepRemoval.get(c.score.groupId) ?? new Set<number>();
        set.add(c.score.filter);
        stepRemoval.set(c.score.groupId, set);
      }
      const removedFilters: RemovedFilter[] = chosen.map((c) => ({
        groupId: c.score.groupId,
        filter: alive.get(c.score.groupId)![c.score.filter]!,
        score: c.score.score,
        ...(c.score.car ? { car: c.score.car } : {}),
        ...(c.score.classwise ? { classwise: Array.from(c.score.classwise) } : {}),
      }));
      const runnerUp = candidates.find((c) => !chosen.includes(c));
      const next = await removeFilters(current, stepRemoval, graph);
      current.dispose();
      current = next;
      for (const [group, filters] of stepRemoval) {
        const list = alive.get(group)!;
        for (const f of filters) removed.get(group)!.push(list[f]!);
        alive.set(
          group,
          list.filter((_, i) => !filters.has(i)),
        );
      }

      if (options.fineTune?.when === "each-step") {
        await fineTune(current, options, seed + step, control);
      }
      const only = chosen.length === 1 ? chosen[0]!.score : undefined;
      currentEvaluation =
        carStep && only?.car && only.classwise
          ? // The session measured exactly this network (base network without the one filter) on this set.
            evaluationWithout(currentEvaluation!, carStep, only, imagesPerClass)
          : await snapshot(current, evaluation, batchSize);
      const record: ScoredPruneStep = {
        step,
        removed: removedFilters,
        ...(runnerUp ? { runnerUpScore: runnerUp.score.score } : {}),
        skippedForProtection,
        candidates: candidates.length,
        evaluation: currentEvaluation,
        ...(options.test ? { test: await snapshot(current, options.test, batchSize) } : {}),
        filtersLeft: Object.fromEntries([...alive].map(([id, list]) => [id, list.length])),
        ...sizeOf(current),
        elapsedSeconds: elapsed(),
        ...(scoring ? { scoring } : {}),
      };
      steps.push(record);
      await control.onStep?.(record, current);
    }

    if (options.fineTune?.when === "end" && steps.length > 0) {
      await fineTune(current, options, seed, control);
      currentEvaluation = await snapshot(current, evaluation, batchSize);
    }
    const finalTest = options.test ? await snapshot(current, options.test, batchSize) : undefined;
    // A run that stopped before its first step has not measured the original network yet.
    originalEvaluation ??= await snapshot(model, evaluation, batchSize);
    currentEvaluation ??= originalEvaluation;
    const original = {
      evaluation: originalEvaluation,
      ...(originalTest ? { test: originalTest } : {}),
      ...sizeOf(model),
    };
    const result: PruneResult = {
      criterion,
      steps,
      removed: Object.fromEntries([...removed].map(([id, list]) => [id, [...list].sort((a, b) => a - b)])),
      stopReason,
      original,
      final: { evaluation: currentEvaluation, ...(finalTest ? { test: finalTest } : {}), ...sizeOf(current) },
      model: current,
      reproducibility,
      seconds: elapsed(),
    };
    return result;
  } catch (error) {
    current.dispose();
    throw error;
  } finally {
    carSteps?.dispose();
  }
}

function validateCarOptions(options: GreedyPruneOptions, criterion: string, stepSize: number): void {
  const fail = (message: string): never => {
    throw new CarveError("INVALID_ARGUMENT", `greedyPrune: ${message}`);
  };
  if (options.method !== undefined && options.method !== "exact" && options.method !== "naive") {
    fail(`method must be "exact" or "naive", got "${String(options.method)}"`);
  }
  const budget = options.memoryBudgetMB;
  if (budget !== undefined && !(budget > 0 && Number.isFinite(budget))) {
    fail(`memoryBudgetMB must be a positive number of MiB, got ${budget}`);
  }
  const adaptive = options.adaptive;
  if (!adaptive) return;
  if (!(adaptive.confidence > 0 && adaptive.confidence < 1)) {
    fail(`adaptive.confidence must be a probability in (0, 1), e.g. 0.95; got ${adaptive.confidence}`);
  }
  if (adaptive.bound !== undefined && adaptive.bound !== "sign" && adaptive.bound !== "normal") {
    fail(`adaptive.bound must be "sign" or "normal", got "${String(adaptive.bound)}"`);
  }
  const conflicts = [
    criterion !== "car" ? `criterion "${criterion}" (adaptive races CAR)` : undefined,
    options.method === "naive" ? `method "naive"` : undefined,
    stepSize !== 1 ? `stepSize ${stepSize} (it picks one filter per step)` : undefined,
    options.protect ? "class protection" : undefined,
    options.target.minAccuracy !== undefined ? "an accuracy floor" : undefined,
    options.fineTune?.when === "each-step" ? "fine-tuning after each step" : undefined,
  ].filter((c): c is string => c !== undefined);
  if (conflicts.length > 0) {
    fail(
      `adaptive selection cannot be combined with ${conflicts.join(", ")}; drop those options or adaptive ` +
        `(the exact method gives the same choices as the naive one, only slower than adaptive)`,
    );
  }
}

/** Throws INVALID_ARGUMENT unless `resume` is a prefix of a run with these options. */
function validateResume(
  resume: PruneResume,
  options: PruneOptions,
  graph: ChannelGraph,
  scopeIds: readonly string[],
): void {
  const fail = (message: string): never => {
    throw new CarveError("INVALID_ARGUMENT", `greedyPrune: resume: ${message}`);
  };
  const gone = new Map(scopeIds.map((id) => [id, new Set<number>()]));
  resume.steps.forEach((recorded, i) => {
    if (recorded.step !== i + 1)
      fail(`steps must be numbered 1, 2, … in order; step ${i + 1} says ${recorded.step}`);
    if (recorded.removed.length === 0) fail(`step ${recorded.step} removed no filter`);
    for (const r of recorded.removed) {
      const set = gone.get(r.groupId);
      if (!set)
        fail(
          `step ${recorded.step} removed a filter of "${r.groupId}", which is not in the scope (${scopeIds.join(", ")})`,
        );
      const size = graph.group(r.groupId).size;
      if (!Number.isInteger(r.filter) || r.filter < 0 || r.filter >= size) {
        fail(
          `step ${recorded.step} removed filter ${r.filter} of "${r.groupId}", which has filters 0…${size - 1}`,
        );
      }
      if (set!.has(r.filter)) fail(`filter ${r.filter} of "${r.groupId}" is removed twice`);
      set!.add(r.filter);
      if (set!.size >= size)
        fail(`the steps remove every filter of "${r.groupId}"; a group keeps at least one`);
    }
  });
  if (resume.steps.length > 0 && options.fineTune?.when === "each-step" && !resume.model) {
    fail(
      "model is required with fine-tuning after each step: the weights after the last recorded step depend on " +
        "the training done, so pass the network saved after that step",
    );
  }
  if (resume.model) {
    const resumedGraph = buildChannelGraph(resume.model);
    for (const id of scopeIds) {
      const expected = graph.group(id).size - gone.get(id)!.size;
      const found = resumedGraph.group(id).size;
      if (found !== expected) {
        fail(
          `model has ${found} filters in "${id}", but the recorded steps leave ${expected}; pass the network ` +
            `saved after step ${resume.steps.length}`,
        );
      }
    }
  }
}

function countClasses(dataset: Dataset): Float64Array {
  const counts = new Float64Array(dataset.classNames.length);
  for (const label of dataset.labels()) counts[label]! += 1;
  return counts;
}

function isChoice(c: Candidate, choice: { groupId: string; filter: number }, alive: Map<string, number[]>) {
  return c.score.groupId === choice.groupId && alive.get(choice.groupId)![c.score.filter] === choice.filter;
}

/**
 * The evaluation snapshot after removing `only`, from its exact CAR statistics instead of another pass over
 * the set: accuracy = (right − b + c) / N overall and per class (counts recovered from the previous
 * snapshot), loss = the base network's + the loss increase.
 */
/** The base network of a step scored on the whole set, as a snapshot; undefined when it saw a part only. */
function baseSnapshot(
  dataset: Dataset,
  carStep: CarStep,
  imagesPerClass: Float64Array,
): AccuracySnapshot | undefined {
  if (carStep.images !== dataset.size) return undefined;
  return {
    dataset: dataset.name,
    accuracy: carStep.baseAccuracy,
    loss: carStep.baseLoss,
    perClassAccuracy: Array.from(imagesPerClass, (n, k) =>
      n > 0 ? carStep.baseRightByClass[k]! / n : Number.NaN,
    ),
  };
}

function evaluationWithout(
  previous: AccuracySnapshot,
  carStep: CarStep,
  only: FilterScore,
  imagesPerClass: Float64Array,
): AccuracySnapshot {
  const car = only.car!;
  const classwise = only.classwise!;
  return {
    dataset: previous.dataset,
    accuracy: car.accuracyWithout,
    loss: carStep.baseLoss + car.lossIncrease,
    perClassAccuracy: previous.perClassAccuracy.map((accuracy, k) => {
      const n = imagesPerClass[k]!;
      if (n === 0) return Number.NaN;
      // b_k − c_k = classwise_k · n_k; both counts and n_k are integers.
      return (Math.round(accuracy * n) - Math.round(classwise[k]! * n)) / n;
    }),
  };
}

/** Accuracy and per-class accuracy if `trial` were removed from the current network (by masking). */
async function predictAfter(
  masked: MaskedModel,
  trial: Candidate[],
  evaluation: Dataset,
  batchSize: number,
  currentEvaluation: AccuracySnapshot,
): Promise<{ accuracy: number; perClass: number[] }> {
  const only = trial[0]!;
  if (trial.length === 1 && only.score.car && only.score.classwise) {
    // CAR already measured exactly this: accuracy and class-wise accuracy without the one filter.
    return {
      accuracy: only.score.car.accuracyWithout,
      perClass: currentEvaluation.perClassAccuracy.map((a, c) => a - only.score.classwise![c]!),
    };
  }
  const removal = new Map<string, Set<number>>();
  for (const c of trial) {
    const set = removal.get(c.score.groupId) ?? new Set<number>();
    set.add(c.score.filter);
    removal.set(c.score.groupId, set);
  }
  return maskedPerClassAccuracy(masked, removal, evaluation, batchSize);
}

async function fineTune(model: tfl.LayersModel, options: PruneOptions, seed: number, control: PruneControl) {
  const ft = options.fineTune!;
  await trainModel(
    model,
    ft.train,
    {
      epochs: ft.epochs,
      seed,
      ...(ft.learningRate !== undefined ? { learningRate: ft.learningRate } : {}),
      ...(ft.optimizer ? { optimizer: ft.optimizer } : {}),
      ...(ft.batchSize ? { batchSize: ft.batchSize } : {}),
    },
    { signal: control.signal, onProgress: control.onProgress },
  );
}
