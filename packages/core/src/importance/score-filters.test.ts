import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import { type CarveErrorCode, isCarveError } from "../errors.js";
import { loadModel } from "../model/io.js";
import { createRng, permutation } from "../util/random.js";
import type { Progress } from "../util/operation.js";
import { CRITERION_NAMES } from "./criterion.js";
import { compareRankings } from "./rank-agreement.js";
import { scoreFilters } from "./score-filters.js";
import { randomDataset } from "./test-utils/test-models.js";

let model: tfl.LayersModel;
let evalSet: Dataset;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  model = await loadModel(demoModelDir("mnist"));
  const { test } = await loadDataset("mnist");
  // The split is stored class by class: take a seeded random sample, not a prefix.
  const picked = Array.from(permutation(test.size, createRng(7)).subarray(0, 300)).sort((a, b) => a - b);
  evalSet = test.subset(picked, "mnist/test sample");
});

afterAll(() => model?.dispose());

async function expectCarveError(
  promise: Promise<unknown>,
  code: CarveErrorCode,
  pattern: RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isCarveError(caught, code), String(caught)).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
}

describe("scoreFilters", () => {
  it.each(CRITERION_NAMES)(
    "scores every filter of conv1 and conv2 with %s in the same shape",
    async (criterion) => {
      const before = tf.memory().numTensors;
      const report = await scoreFilters(model, criterion, {
        dataset: evalSet,
        maxImages: 60,
        batchSize: 32,
        seed: 1,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(report.criterion).toBe(criterion);
      expect(report.groups.map((g) => [g.groupId, g.size, g.filters.length])).toEqual([
        ["conv1", 16, 16],
        ["conv2", 32, 32],
      ]);
      for (const group of report.groups) {
        expect(group.filters.map((s) => s.filter)).toEqual(Array.from({ length: group.size }, (_, i) => i));
        expect(new Set(group.filters.map((s) => s.rank)).size).toBe(group.size);
        for (const s of group.filters) expect(Number.isFinite(s.score)).toBe(true);
      }
      const dataDriven = criterion !== "l1" && criterion !== "random";
      expect(report.images).toBe(dataDriven ? 60 : 0);
    },
  );

  it("stops the naive CAR with ABORTED between batches when the signal fires, leaking no tensor", async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const seen: Progress[] = [];
    await expectCarveError(
      scoreFilters(
        model,
        "car",
        { dataset: evalSet, batchSize: 50, method: "naive" },
        {
          signal: controller.signal,
          onProgress: (p) => {
            seen.push(p);
            if (p.done === 9) controller.abort();
          },
        },
      ),
      "ABORTED",
      /cancelled/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.at(-1)!.done).toBe(9);
    // A second run after the abort works and leaks nothing either.
    await scoreFilters(model, "car", { dataset: evalSet, groups: ["conv1"], maxImages: 20 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(["taylor", "apoz"] as const)("lets %s be cancelled too", async (criterion) => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    await expectCarveError(
      scoreFilters(
        model,
        criterion,
        { dataset: evalSet, batchSize: 50 },
        { signal: controller.signal, onProgress: () => controller.abort() },
      ),
      "ABORTED",
      /cancelled/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops the exact CAR with ABORTED between chunks of images, leaking no tensor", async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const seen: Progress[] = [];
    await expectCarveError(
      scoreFilters(
        model,
        "car",
        // A small budget makes several chunks.
        { dataset: evalSet, memoryBudgetMB: 4 },
        {
          signal: controller.signal,
          onProgress: (p) => {
            seen.push(p);
            if (p.done === 2) controller.abort();
          },
        },
      ),
      "ABORTED",
      /cancelled/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.at(-1)!.done).toBe(2);
    expect(seen.at(-1)!.total).toBeGreaterThan(2);
  });

  it("reports exact CAR progress per chunk of images until done reaches total", async () => {
    const seen: Progress[] = [];
    await scoreFilters(
      model,
      "car",
      { dataset: evalSet, memoryBudgetMB: 4 },
      { onProgress: (p) => seen.push({ ...p }) },
    );
    const total = seen[0]!.total;
    expect(total).toBeGreaterThan(1);
    expect(seen.map((p) => p.done)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(seen.at(-1)!.phase).toMatch(new RegExp(`images ${evalSet.size}/${evalSet.size}$`));
    expect(seen.at(-1)!.etaSeconds).toBe(0);
  });

  it("reports naive CAR progress per batch over all filters, naming the filter, until done reaches total", async () => {
    const seen: Progress[] = [];
    await scoreFilters(
      model,
      "car",
      { dataset: evalSet, batchSize: 100, method: "naive" },
      { onProgress: (p) => seen.push({ ...p }) },
    );
    // 3 batches × (1 base pass + 16 + 32 filters).
    const total = 3 * 49;
    expect(seen).toHaveLength(total);
    seen.forEach((p, i) => {
      expect(p.total).toBe(total);
      expect(p.done).toBe(i + 1);
    });
    expect(seen[0]!.phase).toBe("scoring: base network");
    expect(seen.map((p) => p.phase)).toContain("scoring conv2: filter 7/32");
    expect(seen.at(-1)!.phase).toBe("scoring conv2: filter 32/32");
    expect(seen.at(-1)!.etaSeconds).toBe(0);
    expect(seen.slice(1).every((p) => p.etaSeconds !== undefined && p.etaSeconds >= 0)).toBe(true);
  });

  it("does not score the last remaining filter of a group, which cannot be removed", async () => {
    const base = new Map([["conv1", new Set(Array.from({ length: 15 }, (_, i) => i + 1))]]);
    const report = await scoreFilters(model, "car", {
      dataset: evalSet,
      groups: ["conv1"],
      base,
      maxImages: 20,
    });
    expect(report.groups[0]!.removed).toHaveLength(15);
    expect(report.groups[0]!.filters).toEqual([{ groupId: "conv1", filter: 0, score: Infinity, rank: 1 }]);
  });

  it("rejects unknown criteria, groups and filters and missing or mismatched data, saying what to do", async () => {
    await expectCarveError(
      scoreFilters(model, "magnitude" as never, {}),
      "INVALID_ARGUMENT",
      /unknown criterion "magnitude".*car, l1/,
    );
    await expectCarveError(
      scoreFilters(model, "car", {}),
      "INVALID_ARGUMENT",
      /options\.dataset is required/,
    );
    await expectCarveError(scoreFilters(model, "l1", { groups: ["conv9"] }), "NOT_FOUND", /conv1, conv2/);
    await expectCarveError(
      scoreFilters(model, "l1", { base: new Map([["conv1", new Set([16])]]) }),
      "INVALID_ARGUMENT",
      /filter 16/,
    );
    await expectCarveError(
      scoreFilters(model, "apoz", { dataset: randomDataset(4, [8, 8, 1], 10, 1) }),
      "SHAPE_MISMATCH",
      /expects images of shape \[28, 28, 1\]/,
    );
    await expectCarveError(scoreFilters(model, "random", { batchSize: 0 }), "INVALID_ARGUMENT", /batchSize/);
  });

  it("compares two criteria's rankings of the same group", async () => {
    const options = { dataset: evalSet, groups: ["conv2"], maxImages: 100 };
    const [car, taylor] = [
      await scoreFilters(model, "car", options),
      await scoreFilters(model, "taylor", options),
    ];
    const same = compareRankings(car.groups[0]!, car.groups[0]!, 8);
    expect(same).toEqual({ groupId: "conv2", filters: 32, spearman: 1, k: 8, topKOverlap: 1 });
    const agreement = compareRankings(car.groups[0]!, taylor.groups[0]!);
    expect(agreement.k).toBe(8);
    expect(agreement.spearman).toBeGreaterThanOrEqual(-1);
    expect(agreement.spearman).toBeLessThanOrEqual(1);
  });
});
