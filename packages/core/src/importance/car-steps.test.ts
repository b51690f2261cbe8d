/**
 * Greedy pruning with the fast exact CAR (one engine session for the whole run, caches updated after each
 * removal) against the naive method (one masked pass per filter per step, on the physically pruned network):
 * the same filter at every step, the same recorded statistics. And the opt-in adaptive selection: cheaper per
 * step, and reporting whether each choice agrees with the exact one.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import { isCarveError } from "../errors.js";
import { SCENARIOS, setSeededWeights } from "../graph/test-utils/test-models.js";
import { buildFashionCnn } from "../model/demo-architectures.js";
import { loadModel } from "../model/io.js";
import { type GreedyPruneOptions, greedyPrune } from "../prune/greedy-prune.js";
import type { PruneResult } from "../prune/index.js";
import { createRng, permutation } from "../util/random.js";

let mnistModel: tfl.LayersModel;
let evalSet: Dataset;
/** Large enough for the race's schedule to test (its segments end at 250, 313, … of 1000 images). */
let raceSet: Dataset;

function sample(data: Dataset, count: number, seed: number): Dataset {
  const picked = Array.from(permutation(data.size, createRng(seed)).subarray(0, count)).sort((a, b) => a - b);
  return data.subset(picked, `${data.name}[${count} random]`);
}

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnistModel = await loadModel(demoModelDir("mnist"));
  const { test } = await loadDataset("mnist");
  evalSet = sample(test, 300, 21);
  raceSet = sample(test, 1000, 22);
});

afterAll(() => mnistModel?.dispose());

/** Runs both methods, disposing the pruned models and checking for leaked tensors. */
async function bothMethods(model: tfl.LayersModel, options: GreedyPruneOptions) {
  const before = tf.memory().numTensors;
  const exact = await greedyPrune(model, { ...options, method: "exact" });
  exact.model.dispose();
  const naive = await greedyPrune(model, { ...options, method: "naive" });
  naive.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { exact, naive };
}

function expectSameRun(exact: PruneResult, naive: PruneResult): void {
  expect(exact.steps.map((s) => s.removed.map((r) => `${r.groupId}/${r.filter}`))).toEqual(
    naive.steps.map((s) => s.removed.map((r) => `${r.groupId}/${r.filter}`)),
  );
  expect(exact.removed).toEqual(naive.removed);
  expect(exact.stopReason).toBe(naive.stopReason);
  naive.steps.forEach((want, i) => {
    const got = exact.steps[i]!;
    const where = `step ${want.step}`;
    want.removed.forEach((r, k) => {
      const g = got.removed[k]!;
      expect(g.score, where).toBe(r.score);
      expect(g.car!.rightToWrong, where).toBe(r.car!.rightToWrong);
      expect(g.car!.wrongToRight, where).toBe(r.car!.wrongToRight);
      expect(Math.abs(g.car!.lossIncrease - r.car!.lossIncrease), where).toBeLessThan(1e-5);
      expect(g.classwise, where).toEqual(r.classwise);
    });
    expect(got.runnerUpScore, where).toBe(want.runnerUpScore);
    expect(got.candidates, where).toBe(want.candidates);
    expect(got.evaluation.accuracy, where).toBe(want.evaluation.accuracy);
    expect(Math.abs(got.evaluation.loss - want.evaluation.loss), where).toBeLessThan(1e-5);
    got.evaluation.perClassAccuracy.forEach((a, c) =>
      expect(a, `${where} class ${c}`).toBeCloseTo(want.evaluation.perClassAccuracy[c]!, 12),
    );
    expect(got.filtersLeft, where).toEqual(want.filtersLeft);
    expect(got.params, where).toBe(want.params);
  });
  expect(exact.final.evaluation.accuracy).toBe(naive.final.evaluation.accuracy);
}

describe("greedy pruning with the exact CAR engine", () => {
  it("removes the same filter as the naive method at every step, layer after layer (mnist demo model)", async () => {
    const { exact, naive } = await bothMethods(mnistModel, {
      scope: { kind: "sequential", groups: ["conv1", "conv2"] },
      target: { removeFraction: 0.25 },
      evaluation: evalSet,
    });
    expect(exact.steps).toHaveLength(12);
    expectSameRun(exact, naive);
    expect(exact.steps.every((s) => s.scoring?.method === "exact")).toBe(true);
    expect(naive.steps.every((s) => s.scoring?.method === "naive")).toBe(true);
  });

  it("removes the same filters in a global ranking over both layers", async () => {
    const { exact, naive } = await bothMethods(mnistModel, {
      scope: { kind: "global" },
      target: { keep: 42 },
      evaluation: sample(evalSet, 150, 2),
    });
    expect(exact.steps).toHaveLength(6);
    expectSameRun(exact, naive);
  });

  it("matches the naive method on a CNN with BatchNormalization and on a residual network", async () => {
    const fashion = buildFashionCnn({ seed: 8 });
    setSeededWeights(fashion, 8);
    const residual = SCENARIOS["Functional residual Add"]!(9);
    const data = sample(evalSet, 70, 5);
    for (const [model, groups] of [
      [fashion, ["conv1", "conv2"]],
      [residual, ["b1_a", "stem+b1_b+b2_b"]],
    ] as const) {
      const { exact, naive } = await bothMethods(model, {
        scope: { kind: "sequential", groups },
        target: model === fashion ? { removeFraction: 0.07 } : { keep: 3 },
        evaluation: data,
      });
      expect(exact.steps.length).toBeGreaterThan(3);
      expectSameRun(exact, naive);
      model.dispose();
    }
  });

  it("stops with ABORTED mid-run, leaking no tensor", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = greedyPrune(
      mnistModel,
      { scope: { kind: "layer", group: "conv1" }, target: { keep: 8 }, evaluation: evalSet },
      { signal: controller.signal, onStep: (s) => s.step === 2 && controller.abort() },
    );
    await expect(run).rejects.toSatisfy((error: unknown) => isCarveError(error, "ABORTED"));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("adaptive greedy selection", () => {
  it("scores fewer filter·images than exact, reports agreement per step, and its choices are exact ones", async () => {
    const options: GreedyPruneOptions = {
      scope: { kind: "layer", group: "conv2" },
      target: { keep: 24 },
      evaluation: raceSet,
    };
    const before = tf.memory().numTensors;
    const adaptive = await greedyPrune(mnistModel, {
      ...options,
      adaptive: { confidence: 0.95, bound: "normal", verify: true },
    });
    adaptive.model.dispose();
    const exact = await greedyPrune(mnistModel, options);
    exact.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(adaptive.steps).toHaveLength(8);
    let spent = 0;
    let exactSpent = 0;
    adaptive.steps.forEach((step, i) => {
      const scoring = step.scoring!;
      expect(scoring.method).toBe("adaptive");
      expect(typeof scoring.agreesWithExact).toBe("boolean");
      // The chosen filter was scored on every image: its statistics are exact.
      expect(step.removed[0]!.car!.wrongToRight + step.removed[0]!.car!.rightToWrong).toBeLessThanOrEqual(
        raceSet.size,
      );
      if (scoring.agreesWithExact) expect(scoring.sameCarAsExact).toBe(true);
      spent += scoring.filterImageEvaluations;
      exactSpent += exact.steps[i]?.scoring?.filterImageEvaluations ?? 0;
    });
    // Conv2's high-CAR filters drop out at the first tests: less work than exact, not merely no more.
    expect(spent).toBeLessThan(exactSpent);
    // Where every step agreed with exact, the whole run is the exact run.
    if (adaptive.steps.every((s) => s.scoring!.agreesWithExact)) {
      expect(adaptive.removed).toEqual(exact.removed);
    }
  });

  it("refuses options it cannot honour, saying which", async () => {
    const base: GreedyPruneOptions = {
      scope: { kind: "layer", group: "conv1" },
      target: { keep: 8 },
      evaluation: evalSet,
      adaptive: { confidence: 0.95 },
    };
    await expect(greedyPrune(mnistModel, { ...base, stepSize: 2 })).rejects.toThrow(/stepSize 2/);
    await expect(greedyPrune(mnistModel, { ...base, method: "naive" })).rejects.toThrow(/method "naive"/);
    const before = tf.memory().numTensors;
    await expect(greedyPrune(mnistModel, { ...base, adaptive: { confidence: 1.5 } })).rejects.toThrow(
      /confidence must be a probability/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
