import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { ArrayDataset } from "../data/array-dataset.js";
import { buildChannelGraph } from "../graph/index.js";
import { scoreFilters } from "./score-filters.js";
import { setLayerWeight } from "./test-utils/test-models.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

/**
 * 2×2×1 images → 1×1 conv with ReLU, 3 filters: a0 = relu(x), a1 = relu(0.5 − x), a2 = relu(2x − 1)
 * → flatten → dense(2) softmax.
 */
function handModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({ name: "conv", inputShape: [2, 2, 1], filters: 3, kernelSize: 1, activation: "relu" }),
  );
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ name: "out", units: 2, activation: "softmax" }));
  setLayerWeight(model.getLayer("conv"), "kernel", [1, -1, 2]);
  setLayerWeight(model.getLayer("conv"), "bias", [0, 0.5, -1]);
  return model;
}

/**
 * image 0 = [0, 0.25, 0.5, 1]: a0 = [0, .25, .5, 1], a1 = [.5, .25, 0, 0], a2 = [0, 0, 0, 1]
 * image 1 = [1, 1, 0.75, 0]:   a0 = [1, 1, .75, 0],  a1 = [0, 0, 0, .5],    a2 = [1, 1, .5, 0]
 * Over the 8 values per channel:
 *   mean a0 = (1.75 + 2.75) / 8 = 0.5625, mean a1 = (0.75 + 0.5) / 8 = 0.15625, mean a2 = (1 + 2.5) / 8 = 0.4375;
 *   zeros: a0 1 + 1 = 2 → APoZ 0.25, a1 2 + 3 = 5 → 0.625, a2 3 + 1 = 4 → 0.5; importance 1 − APoZ.
 */
const dataset = new ArrayDataset({
  name: "hand",
  imageShape: [2, 2, 1],
  classNames: ["a", "b"],
  pixels: new Float32Array([0, 0.25, 0.5, 1, 1, 1, 0.75, 0]),
  labels: new Int32Array([0, 1]),
});

describe("the mean-activation and apoz criteria", () => {
  it("average the removal-point output per channel, by hand", async () => {
    const model = handModel();
    const before = tf.memory().numTensors;
    // batchSize 1: the totals are accumulated across batches.
    const report = await scoreFilters(model, "mean-activation", { dataset, batchSize: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.images).toBe(2);
    expect(report.groups[0]!.filters.map((s) => s.score)).toEqual([0.5625, 0.15625, 0.4375]);
    expect(report.groups[0]!.filters.map((s) => s.rank)).toEqual([3, 1, 2]);
    model.dispose();
  });

  it("score 1 − the fraction of zeros per channel, by hand", async () => {
    const model = handModel();
    const before = tf.memory().numTensors;
    const report = await scoreFilters(model, "apoz", { dataset, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.groups[0]!.filters.map((s) => s.score)).toEqual([0.75, 0.375, 0.5]);
    model.dispose();
  });

  it("skip removed filters without changing the others' statistics", async () => {
    const model = handModel();
    const conv = buildChannelGraph(model).groupOfLayer("conv")!.id;
    const report = await scoreFilters(model, "apoz", { dataset, base: new Map([[conv, new Set([1])]]) });
    expect(report.groups[0]!.filters.map((s) => [s.filter, s.score])).toEqual([
      [0, 0.75],
      [2, 0.5],
    ]);
    model.dispose();
  });

  it("use a class-stratified sample of maxImages images, not the first ones", async () => {
    const model = handModel();
    // Six all-black images of class a, then six all-white of class b, stored class by class. A sample of 4
    // keeps the 1:1 balance, so channel 0 (ReLU(x)) averages 0.5; the first 4 images would give 0.
    const sorted = new ArrayDataset({
      name: "sorted",
      imageShape: [2, 2, 1],
      classNames: ["a", "b"],
      pixels: Float32Array.from({ length: 48 }, (_, i) => (i < 24 ? 0 : 1)),
      labels: Int32Array.from({ length: 12 }, (_, i) => (i < 6 ? 0 : 1)),
    });
    const report = await scoreFilters(model, "mean-activation", { dataset: sorted, maxImages: 4, seed: 5 });
    expect(report.images).toBe(4);
    expect(report.groups[0]!.filters[0]!.score).toBe(0.5);
    model.dispose();
  });
});
