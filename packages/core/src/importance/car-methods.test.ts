/**
 * The fast exact CAR (method "exact", the default) against the reference (method "naive", one masked forward
 * pass per filter): for every filter of every group the flips, drop, interval, class-wise CAR and rank must be
 * the naive ones, and the loss increase equal to float32 rounding. Models cover each plan of the engine: the
 * mnist demo model (next-linear conv1, head conv2), a Fashion-MNIST CNN with BatchNormalization (folded into
 * the next convolution), a Functional model with an Add (general plan), and every graph scenario.
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
import { createRng, permutation } from "../util/random.js";
import type { ScoreOptions, ScoreReport } from "./criterion.js";
import { scoreFilters } from "./score-filters.js";

let mnistModel: tfl.LayersModel;
let evalSet: Dataset;

/** `count` seeded random images of the mnist test split (it is stored class by class: not a prefix). */
function sample(test: Dataset, count: number, seed: number): Dataset {
  const picked = Array.from(permutation(test.size, createRng(seed)).subarray(0, count)).sort((a, b) => a - b);
  return test.subset(picked, `mnist/test[${count} random]`);
}

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnistModel = await loadModel(demoModelDir("mnist"));
  const { test } = await loadDataset("mnist");
  evalSet = sample(test, 300, 11);
});

afterAll(() => mnistModel?.dispose());

/** Scores with both methods, checking that neither leaks a tensor. */
async function bothMethods(model: tfl.LayersModel, options: ScoreOptions) {
  const before = tf.memory().numTensors;
  const exact = await scoreFilters(model, "car", { ...options, method: "exact" });
  expect(tf.memory().numTensors).toBe(before);
  const naive = await scoreFilters(model, "car", { ...options, method: "naive" });
  expect(tf.memory().numTensors).toBe(before);
  return { exact, naive };
}

function expectSameScores(exact: ScoreReport, naive: ScoreReport): void {
  expect(exact.engine?.method).toBe("exact");
  expect(naive.engine?.method).toBe("naive");
  expect(exact.images).toBe(naive.images);
  expect(exact.baseAccuracy).toBe(naive.baseAccuracy);
  expect(Math.abs(exact.baseLoss! - naive.baseLoss!)).toBeLessThan(1e-5);
  expect(exact.groups.map((g) => [g.groupId, g.removed, g.filters.length])).toEqual(
    naive.groups.map((g) => [g.groupId, g.removed, g.filters.length]),
  );
  naive.groups.forEach((group, g) => {
    group.filters.forEach((want, k) => {
      const got = exact.groups[g]!.filters[k]!;
      const where = `${group.groupId} filter ${want.filter}`;
      expect(got.filter, where).toBe(want.filter);
      expect(got.score, where).toBe(want.score);
      expect(got.rank, where).toBe(want.rank);
      if (!want.car) {
        expect(got.car, where).toBeUndefined();
        return;
      }
      const { lossIncrease, ...counts } = want.car;
      const { lossIncrease: gotLoss, ...gotCounts } = got.car!;
      expect(gotCounts, where).toEqual(counts);
      expect(Math.abs(gotLoss - lossIncrease), where).toBeLessThan(1e-5);
      if (want.classwise) expect(Array.from(got.classwise!), where).toEqual(Array.from(want.classwise));
    });
  });
}

describe("exact CAR equals the naive method", () => {
  it("on every filter of the mnist demo model, class-wise too (next-linear conv1, head conv2)", async () => {
    const { exact, naive } = await bothMethods(mnistModel, { dataset: evalSet, classwise: true });
    expect(exact.engine!.plans).toEqual({ conv1: "next-linear (wasm-simd)", conv2: "head" });
    expectSameScores(exact, naive);
    // Real digits: some filter matters, so the comparison is not between zeros.
    expect(naive.groups.some((g) => g.filters.some((f) => f.car!.rightToWrong > 0))).toBe(true);
  });

  it("with filters already removed in both networks (base)", async () => {
    const base = new Map([
      ["conv1", new Set([0, 5, 9])],
      ["conv2", new Set([3, 4, 30])],
    ]);
    const { exact, naive } = await bothMethods(mnistModel, { dataset: evalSet, classwise: true, base });
    expectSameScores(exact, naive);
    expect(exact.groups[0]!.removed).toEqual([0, 5, 9]);
  });

  it("on a Fashion-MNIST CNN with BatchNormalization folded into the next convolution", async () => {
    const model = buildFashionCnn({ seed: 3 });
    // Seeded weights and non-trivial moving statistics: BatchNormalization is far from the identity.
    setSeededWeights(model, 3);
    const { exact, naive } = await bothMethods(model, { dataset: sample(evalSet, 150, 3), classwise: true });
    expect(exact.engine!.plans).toEqual({ conv1: "next-linear (wasm-simd)", conv2: "head" });
    expectSameScores(exact, naive);
    model.dispose();
  });

  it("on a Functional model with a residual Add (general plan: prefix cache and stacked masked copies)", async () => {
    const model = SCENARIOS["Functional residual Add"]!(5);
    const { exact, naive } = await bothMethods(model, { dataset: sample(evalSet, 120, 2), classwise: true });
    expect(Object.values(exact.engine!.plans)).toContain("general");
    expectSameScores(exact, naive);
    model.dispose();
  });

  it("on every topology the channel graph supports", async () => {
    const small = sample(evalSet, 64, 4);
    for (const [name, build] of Object.entries(SCENARIOS)) {
      const model = build(7);
      const { exact, naive } = await bothMethods(model, { dataset: small });
      try {
        expectSameScores(exact, naive);
      } catch (error) {
        throw new Error(`scenario "${name}": ${(error as Error).message}`, { cause: error });
      } finally {
        model.dispose();
      }
    }
  });
});

describe("exact CAR engine", () => {
  it("keeps its stacked batches within the memory budget whatever the budget, with the same scores", async () => {
    const model = SCENARIOS["Functional residual Add"]!(5);
    const data = sample(evalSet, 120, 2);
    const roomy = await scoreFilters(model, "car", { dataset: data, memoryBudgetMB: 64 });
    const tight = await scoreFilters(model, "car", { dataset: data, memoryBudgetMB: 1 });
    expect(tight.engine!.maxStacked).toBeLessThanOrEqual(tight.engine!.stackLimit);
    expect(tight.engine!.stackLimit).toBeLessThan(roomy.engine!.stackLimit);
    expect(tight.groups).toEqual(roomy.groups);
    model.dispose();
  });

  it("throws ABORTED when cancelled, leaking no tensor", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = scoreFilters(
      mnistModel,
      "car",
      { dataset: evalSet, memoryBudgetMB: 8 },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    await expect(run).rejects.toSatisfy((error: unknown) => isCarveError(error, "ABORTED"));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects an unknown method and a non-positive budget, naming the option", async () => {
    await expect(
      scoreFilters(mnistModel, "car", { dataset: evalSet, method: "fast" as "exact" }),
    ).rejects.toThrow(/method must be one of exact, naive/);
    await expect(scoreFilters(mnistModel, "car", { dataset: evalSet, memoryBudgetMB: 0 })).rejects.toThrow(
      /memoryBudgetMB must be a positive number/,
    );
  });
});
