/**
 * The engine below `scoreFilters`: its general plan (forced) against the shortcuts, the memory bound on
 * stacked passes, the reuse of chunk states when the base removal grows (greedy pruning), tensor hygiene.
 * Equality with the naive method for every model is in importance/car-methods.test.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import { loadModel } from "../model/io.js";
import { createRng, permutation } from "../util/random.js";
import { CarSession, type SessionScore } from "./session.js";

let model: tfl.LayersModel;
let data: Dataset;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  model = await loadModel(demoModelDir("mnist"));
  const { test } = await loadDataset("mnist");
  const picked = Array.from(permutation(test.size, createRng(3)).subarray(0, 200)).sort((a, b) => a - b);
  data = test.subset(picked, "mnist/test[200 random]");
});

afterAll(() => model?.dispose());

/** Flip counts per group and filter: what must not depend on the plan, the chunking or the reuse. */
function flips(score: SessionScore) {
  return score.groups.map((g) => ({
    groupId: g.groupId,
    filters: g.filters.map((t) => [t.filter, t.images, t.rightToWrong, t.wrongToRight]),
  }));
}

function expectLossesClose(a: SessionScore, b: SessionScore): void {
  a.groups.forEach((group, g) =>
    group.filters.forEach((t, k) => {
      const other = b.groups[g]!.filters[k]!;
      expect(Math.abs(t.lossDelta - other.lossDelta) / t.images).toBeLessThan(1e-5);
    }),
  );
}

describe("CarSession", () => {
  it("gives the general plan's results (stacked masked copies) and the shortcut plans' the same flips", async () => {
    const before = tf.memory().numTensors;
    const fast = new CarSession(model, { dataset: data });
    // A budget small enough that a stacked pass holds a few copies of a few chunks, not everything.
    const general = new CarSession(model, { dataset: data, plans: ["general"], memoryBudgetMB: 4 });
    try {
      expect([fast.planOf("conv1"), fast.planOf("conv2")]).toEqual(["next-linear", "head"]);
      expect([general.planOf("conv1"), general.planOf("conv2")]).toEqual(["general", "general"]);
      const a = await fast.score(["conv1", "conv2"], new Map());
      const b = await general.score(["conv1", "conv2"], new Map());
      expect(flips(b)).toEqual(flips(a));
      expectLossesClose(a, b);
      expect(b.baseRight).toBe(a.baseRight);
      // Several copies were stacked into one pass, and never more than the budget allows.
      expect(b.stats.maxStacked).toBeGreaterThan(b.stats.chunkImages);
      expect(b.stats.maxStacked).toBeLessThanOrEqual(b.stats.stackLimit);
      expect(b.stats.filterImageEvaluations).toBe(48 * data.size);
    } finally {
      fast.dispose();
      general.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("updates its cached states when the base removal grows, matching a fresh session", async () => {
    const before = tf.memory().numTensors;
    const reused = new CarSession(model, { dataset: data, classwise: true });
    try {
      await reused.score(["conv1", "conv2"], new Map());
      const steps = [
        new Map([["conv1", new Set([2])]]),
        new Map([["conv1", new Set([2, 7])]]),
        new Map([
          ["conv1", new Set([2, 7])],
          ["conv2", new Set([11])],
        ]),
      ];
      for (const base of steps) {
        const warm = await reused.score(["conv1", "conv2"], base);
        const fresh = new CarSession(model, { dataset: data, classwise: true });
        try {
          const cold = await fresh.score(["conv1", "conv2"], base);
          expect(flips(warm)).toEqual(flips(cold));
          expectLossesClose(warm, cold);
          expect(warm.stats.statesReused).toBeGreaterThan(0);
          expect(cold.stats.statesReused).toBe(0);
        } finally {
          fresh.dispose();
        }
      }
      // Another conv1 filter: conv1's states are updated in place; conv2's cached its input downstream of
      // conv1, so they are rebuilt.
      const last = await reused.score(
        ["conv1", "conv2"],
        new Map([
          ["conv1", new Set([2, 7, 9])],
          ["conv2", new Set([11])],
        ]),
      );
      expect(last.stats.statesReused).toBe(reused.chunks.length);
      expect(last.stats.statesBuilt).toBe(reused.chunks.length);
      // A smaller base (filter 11 back) is not an update: everything is rebuilt.
      const shrunk = await reused.score(["conv1", "conv2"], new Map([["conv1", new Set([2, 7, 9])]]));
      expect(shrunk.stats.statesReused).toBe(0);
    } finally {
      reused.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("holds its tensors near the memory budget, with the shortcut plans and with stacked copies", async () => {
    const weights = tf.memory().numBytes;
    for (const memoryBudgetMB of [4, 16]) {
      for (const plans of [undefined, ["general"] as const]) {
        const session = new CarSession(model, { dataset: data, memoryBudgetMB, ...(plans ? { plans } : {}) });
        try {
          const { stats } = await session.score(["conv1", "conv2"], new Map());
          // tf.memory() counts a reshaped view's bytes again, hence a little room above the budget.
          expect((stats.peakTensorBytes - weights) / 2 ** 20).toBeLessThan(1.25 * memoryBudgetMB);
          expect(stats.retainedBytes / 2 ** 20).toBeLessThanOrEqual(0.4 * memoryBudgetMB);
        } finally {
          session.dispose();
        }
      }
    }
  });

  it("splits the set into seeded random chunks sized to the budget", () => {
    const small = new CarSession(model, { dataset: data, memoryBudgetMB: 2 });
    const large = new CarSession(model, { dataset: data, memoryBudgetMB: 256 });
    try {
      expect(small.chunkImages).toBeLessThan(large.chunkImages);
      const visited = small.chunks.flatMap((c) => Array.from(c.indices)).sort((a, b) => a - b);
      expect(visited).toEqual(Array.from({ length: data.size }, (_, i) => i));
    } finally {
      small.dispose();
      large.dispose();
    }
  });
});
