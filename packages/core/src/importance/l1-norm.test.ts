import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { buildChannelGraph } from "../graph/index.js";
import { scoreFilters } from "./score-filters.js";
import { setLayerWeight } from "./test-utils/test-models.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

/**
 * 3×3×2 images → conv (2×2 valid, 3 filters) → flatten (2·2·3 = 12) → dense (4, hidden) → dense (2, output).
 * conv kernel W[kh, kw, ci, c] = (−1)^(kh+kw+ci) · (c + 1) · (kh + 1) / 2, so
 *   Σ|W| over (kh, kw, ci) = (c + 1)/2 · Σ_kh (kh + 1) · 2 · 2 = (c + 1)/2 · 3 · 4 = 6 (c + 1) → [6, 12, 18];
 * the biases (±100) are not part of a filter's norm.
 * hidden kernel H[i, u] = ±0.25 (u + 1) for u ≠ 1 and 0 for u = 1, so Σ_i |H[i, u]| = 12 · 0.25 (u + 1)
 *   → [3, 0, 9, 12].
 */
function handModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({ name: "conv", inputShape: [3, 3, 2], filters: 3, kernelSize: 2, activation: "relu" }),
  );
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(tfl.layers.dense({ name: "hidden", units: 4, activation: "relu" }));
  model.add(tfl.layers.dense({ name: "out", units: 2, activation: "softmax" }));
  const kernel: number[] = [];
  for (let kh = 0; kh < 2; kh++)
    for (let kw = 0; kw < 2; kw++)
      for (let ci = 0; ci < 2; ci++)
        for (let c = 0; c < 3; c++) kernel.push((-1) ** (kh + kw + ci) * (c + 1) * ((kh + 1) / 2));
  setLayerWeight(model.getLayer("conv"), "kernel", kernel);
  setLayerWeight(model.getLayer("conv"), "bias", [100, -100, 0]);
  const hidden: number[] = [];
  for (let i = 0; i < 12; i++)
    for (let u = 0; u < 4; u++) hidden.push(u === 1 ? 0 : (-1) ** i * 0.25 * (u + 1));
  setLayerWeight(model.getLayer("hidden"), "kernel", hidden);
  return model;
}

describe("the l1 criterion", () => {
  it("sums |W| over each filter's kernel, by hand, for a convolution and a hidden dense layer", async () => {
    const model = handModel();
    const graph = buildChannelGraph(model);
    const conv = graph.groupOfLayer("conv")!.id;
    const hidden = graph.groupOfLayer("hidden")!.id;
    const before = tf.memory().numTensors;
    const report = await scoreFilters(model, "l1", { groups: [conv, hidden] });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.images).toBe(0);
    const [convScores, hiddenScores] = report.groups;
    expect(convScores!.filters.map((s) => s.score)).toEqual([6, 12, 18]);
    expect(convScores!.filters.map((s) => s.rank)).toEqual([1, 2, 3]);
    expect(hiddenScores!.filters.map((s) => s.score)).toEqual([3, 0, 9, 12]);
    expect(hiddenScores!.filters.map((s) => s.rank)).toEqual([2, 1, 3, 4]);
    model.dispose();
  });

  it("leaves filters removed in the base out of the scores and the ranks", async () => {
    const model = handModel();
    const conv = buildChannelGraph(model).groupOfLayer("conv")!.id;
    const report = await scoreFilters(model, "l1", { groups: [conv], base: new Map([[conv, new Set([0])]]) });
    const scores = report.groups[0]!;
    expect(scores.removed).toEqual([0]);
    expect(scores.filters.map((s) => [s.filter, s.score, s.rank])).toEqual([
      [1, 12, 1],
      [2, 18, 2],
    ]);
    model.dispose();
  });

  it("sums the norms of every producer of a group whose channels are added together", async () => {
    // Two 1×1 convolutions added: channel c of the sum exists only if both producers keep filter c.
    // convA W[0, 0, 0, c] = c + 1 → [1, 2, 3]; convB W[0, 0, 0, c] = −10 → [10, 10, 10]; sums [11, 12, 13].
    const input = tfl.input({ shape: [2, 2, 1] });
    const a = tfl.layers
      .conv2d({ name: "convA", filters: 3, kernelSize: 1 })
      .apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers
      .conv2d({ name: "convB", filters: 3, kernelSize: 1 })
      .apply(input) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: "add" }).apply([a, b]) as tfl.SymbolicTensor;
    const relu = tfl.layers.reLU({ name: "relu" }).apply(sum) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(relu) as tfl.SymbolicTensor;
    const out = tfl.layers
      .dense({ name: "out", units: 2, activation: "softmax" })
      .apply(flat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    setLayerWeight(model.getLayer("convA"), "kernel", [1, 2, 3]);
    setLayerWeight(model.getLayer("convB"), "kernel", [-10, -10, -10]);
    const group = buildChannelGraph(model).groupOfLayer("convA")!;
    expect([...group.producers].sort()).toEqual(["convA", "convB"]);
    const report = await scoreFilters(model, "l1", { groups: [group.id] });
    expect(report.groups[0]!.filters.map((s) => s.score)).toEqual([11, 12, 13]);
    model.dispose();
  });
});
