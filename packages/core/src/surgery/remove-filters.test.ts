import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { buildChannelGraph } from "../graph/index.js";
import {
  MNIST_MODEL_DIR,
  SCENARIOS,
  mnistImages,
  setSeededWeights,
} from "../graph/test-utils/test-models.js";
import { MaskedModel, type FilterRemoval } from "../mask/index.js";
import { buildFashionCnn } from "../model/demo-architectures.js";
import { loadModel, saveModel } from "../model/io.js";
import { createRng, permutation } from "../util/random.js";
import { removeFilters } from "./remove-filters.js";
import { surgeryReport } from "./surgery-report.js";

let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  images = await mnistImages(48);
});
afterAll(() => images.dispose());

/** Removes a seeded random ~40% of every group's filters (at least one, never all). */
function seededRemoval(model: tfl.LayersModel, seed: number): FilterRemoval {
  const rng = createRng(seed);
  const removal = new Map<string, Set<number>>();
  for (const group of buildChannelGraph(model).groups) {
    const count = Math.max(1, Math.min(group.size - 1, Math.round(group.size * 0.4)));
    removal.set(group.id, new Set(Array.from(permutation(group.size, rng)).slice(0, count)));
  }
  return removal;
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

async function expectSurgeryMatchesMask(model: tfl.LayersModel, removal: FilterRemoval) {
  const masked = new MaskedModel(model);
  const before = tf.memory().numTensors;
  const pruned = await removeFilters(model, removal);
  // Only the new model's weights remain.
  expect(tf.memory().numTensors).toBe(before + pruned.weights.length);
  const diff = tf.tidy(() =>
    maxAbsDiff(pruned.predict(images) as tf.Tensor, masked.predict(images, removal)),
  );
  expect(diff).toBeLessThanOrEqual(1e-4);
  expect(pruned.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
  const report = surgeryReport(model, pruned);
  expect(report.paramsAfter).toBeLessThan(report.paramsBefore);
  expect(report.flopsAfter).toBeLessThan(report.flopsBefore);
  // The masked output really differs from the full model's: the test would catch a no-op surgery.
  const changed = tf.tidy(() =>
    maxAbsDiff(masked.predict(images, removal), model.predict(images) as tf.Tensor),
  );
  expect(changed).toBeGreaterThan(1e-4);
  masked.dispose();
  return pruned;
}

describe("removeFilters", () => {
  it.each(Object.keys(SCENARIOS))("gives the masked model's outputs: %s", async (scenario) => {
    const model = SCENARIOS[scenario]!(7);
    const pruned = await expectSurgeryMatchesMask(model, seededRemoval(model, 7));
    pruned.dispose();
    model.dispose();
  });

  it("gives the masked model's outputs on the mnist demo model", async () => {
    const model = await loadModel(MNIST_MODEL_DIR);
    const removal = new Map([
      ["conv1", new Set([0, 5, 9])],
      ["conv2", new Set([1, 2, 3, 30])],
    ]);
    const pruned = await expectSurgeryMatchesMask(model, removal);
    expect(pruned.getLayer("conv1").getWeights()[0]!.shape).toEqual([3, 3, 1, 13]);
    expect(pruned.getLayer("conv2").getWeights()[0]!.shape).toEqual([3, 3, 13, 28]);
    expect(pruned.getLayer("logits").getWeights()[0]!.shape).toEqual([7 * 7 * 28, 10]);
    pruned.dispose();
    model.dispose();
  });

  it("slices BatchNormalization statistics with the conv before it (fashion architecture)", async () => {
    const model = buildFashionCnn({ seed: 2 });
    setSeededWeights(model, 2);
    const pruned = await expectSurgeryMatchesMask(model, seededRemoval(model, 2));
    expect(
      pruned
        .getLayer("conv1_bn")
        .getWeights()
        .map((w) => w.shape),
    ).toEqual(new Array(4).fill([19]));
    pruned.dispose();
    model.dispose();
  });

  it("saves and reloads the pruned model with equal outputs and fewer params and FLOPs", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "carve-surgery-"));
    try {
      const model = SCENARIOS["Functional residual Add"]!(3);
      const pruned = await removeFilters(model, seededRemoval(model, 3));
      await saveModel(pruned, dir);
      const reloaded = await loadModel(dir);
      const diff = tf.tidy(() =>
        maxAbsDiff(reloaded.predict(images) as tf.Tensor, pruned.predict(images) as tf.Tensor),
      );
      expect(diff).toBe(0);
      const report = surgeryReport(model, reloaded);
      expect(report.paramsRatio).toBeLessThan(1);
      expect(report.flopsRatio).toBeLessThan(1);
      expect(report.layers.find((l) => l.name === "stem")).toMatchObject({
        filtersBefore: 6,
        filtersAfter: 4,
      });
      [model, pruned, reloaded].forEach((m) => m.dispose());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves the input model untouched and returns an equal copy for an empty removal", async () => {
    const model = await loadModel(MNIST_MODEL_DIR);
    const expected = tf.tidy(() => model.predict(images) as tf.Tensor);
    const copy = await removeFilters(model, new Map());
    const pruned = await removeFilters(model, new Map([["conv2", new Set([4])]]));
    tf.tidy(() => {
      expect(maxAbsDiff(model.predict(images) as tf.Tensor, expected)).toBe(0);
      expect(maxAbsDiff(copy.predict(images) as tf.Tensor, expected)).toBe(0);
    });
    expect(model.getLayer("conv2").getWeights()[0]!.shape).toEqual([3, 3, 16, 32]);
    [copy, pruned, model].forEach((m) => m.dispose());
    expected.dispose();
  });

  it("refuses a model with a layer it cannot follow, naming the layer", async () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ name: "c", inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }));
    m.add(tfl.layers.permute({ name: "swap", dims: [3, 1, 2] }));
    m.add(tfl.layers.flatten({}));
    m.add(tfl.layers.dense({ units: 2 }));
    await expect(removeFilters(m, new Map())).rejects.toMatchObject({
      code: "UNSUPPORTED_LAYER",
      message: expect.stringContaining('"swap"'),
    });
    m.dispose();
  });

  it("rejects a removal of every filter of a layer", async () => {
    const model = await loadModel(MNIST_MODEL_DIR);
    const all = new Set(Array.from({ length: 16 }, (_, i) => i));
    await expect(removeFilters(model, new Map([["conv1", all]]))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    model.dispose();
  });
});
