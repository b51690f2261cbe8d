import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { buildChannelGraph } from "../graph/index.js";
import { scoreFilters } from "./score-filters.js";
import { randomDataset } from "./test-utils/test-models.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

/** 4×4×1 → conv (3 filters, 3×3 same, ReLU) → flatten → hidden dense (4, ReLU) → dense (3) softmax. */
function tinyModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      name: "conv",
      inputShape: [4, 4, 1],
      filters: 3,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 11 }),
      biasInitializer: tfl.initializers.constant({ value: 0.05 }),
    }),
  );
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(
    tfl.layers.dense({
      name: "hidden",
      units: 4,
      activation: "relu",
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 12 }),
      biasInitializer: tfl.initializers.constant({ value: 0.1 }),
    }),
  );
  model.add(
    tfl.layers.dense({
      name: "out",
      units: 3,
      activation: "softmax",
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 13 }),
    }),
  );
  return model;
}

const dataset = randomDataset(7, [4, 4, 1], 3, 2024);

/** Per-image cross-entropy of the layers after `layerName`, fed `activation` as that layer's output. */
function lossAfter(
  model: tfl.LayersModel,
  layerName: string,
  activation: tf.Tensor,
  labels: tf.Tensor1D,
): tf.Tensor1D {
  const start = model.layers.findIndex((l) => l.name === layerName) + 1;
  let h = activation;
  for (const layer of model.layers.slice(start)) h = layer.apply(h) as tf.Tensor;
  return tf.neg(tf.sum(tf.mul(tf.log(tf.clipByValue(h, 1e-7, 1)), tf.oneHot(labels, 3)), 1)) as tf.Tensor1D;
}

/** The output of `layerName` computed layer by layer, without Carve's masking code. */
function activationAt(model: tfl.LayersModel, layerName: string, images: tf.Tensor): tf.Tensor {
  let h = images;
  for (const layer of model.layers) {
    h = layer.apply(h) as tf.Tensor;
    if (layer.name === layerName) return h;
  }
  throw new Error(`no layer ${layerName}`);
}

/** Data of the whole dataset as one batch. */
function wholeSet(): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const batch = [...dataset.batches({ batchSize: dataset.size })][0]!;
  return { images: batch.images, labels: batch.labels };
}

describe("the taylor criterion", () => {
  it.each([
    ["a convolution (mean over 16 positions)", "conv", 16],
    ["a hidden dense layer", "hidden", 1],
  ])(
    "equals |mean over positions of a·∂L/∂a| averaged over images for %s",
    async (_, layerName, positions) => {
      const model = tinyModel();
      const group = buildChannelGraph(model).groupOfLayer(layerName)!;
      const before = tf.memory().numTensors;
      // Batches of 3, 3 and 1 images: the per-image terms must add up across batches.
      const report = await scoreFilters(model, "taylor", { dataset, batchSize: 3, groups: [group.id] });
      expect(tf.memory().numTensors).toBe(before);

      // Independent route: split the network at the layer and differentiate the loss w.r.t. the activation.
      const { images, labels } = wholeSet();
      const expected = tf.tidy(() => {
        const a = activationAt(model, layerName, images);
        const grad = tf.grad((x: tf.Tensor) => tf.sum(lossAfter(model, layerName, x, labels)))(a);
        const channels = a.shape[a.shape.length - 1]!;
        const perImage = tf.reshape(tf.sum(tf.reshape(tf.mul(a, grad), [7, -1, channels]), 1), [7, channels]);
        return tf.div(tf.mean(tf.abs(perImage), 0), positions).dataSync();
      });
      tf.dispose([images, labels]);
      const got = report.groups[0]!.filters.map((s) => s.score);
      expect(got.some((v) => v > 1e-4)).toBe(true);
      got.forEach((value, c) => expect(value).toBeCloseTo(expected[c]!, 6));
      model.dispose();
    },
  );

  it("agrees with central finite differences of each image's loss in the channel's scale", async () => {
    const model = tinyModel();
    const group = buildChannelGraph(model).groupOfLayer("conv")!;
    const report = await scoreFilters(model, "taylor", { dataset, groups: [group.id] });
    // d/ds L_n(a with channel c of image n scaled by s) at s = 1 is Σ_p a·∂L_n/∂a; ε = 1e-2 in float32.
    const epsilon = 1e-2;
    const { images, labels } = wholeSet();
    const lossWithScale = (c: number, scale: number) =>
      tf.tidy(() => {
        const factors = tf.tensor1d([0, 1, 2].map((k) => (k === c ? scale : 1)));
        const a = tf.mul(activationAt(model, "conv", images), factors);
        return lossAfter(model, "conv", a, labels).dataSync() as Float32Array;
      });
    const expected = [0, 1, 2].map((c) => {
      const up = lossWithScale(c, 1 + epsilon);
      const down = lossWithScale(c, 1 - epsilon);
      let sum = 0;
      for (let n = 0; n < 7; n++) sum += Math.abs((up[n]! - down[n]!) / (2 * epsilon)) / 16;
      return sum / 7;
    });
    tf.dispose([images, labels]);
    report.groups[0]!.filters.forEach((s, c) => {
      expect(Math.abs(s.score - expected[c]!)).toBeLessThan(1e-3 * Math.max(1, expected[c]!) + 1e-5);
    });
    model.dispose();
  });

  it("keeps the base's removed filters off while scoring another group", async () => {
    const model = tinyModel();
    const graph = buildChannelGraph(model);
    const conv = graph.groupOfLayer("conv")!.id;
    const hidden = graph.groupOfLayer("hidden")!.id;
    const base = new Map([[conv, new Set([1])]]);
    // Scoring only the hidden layer with conv filter 1 removed must match the split route run on conv
    // activations whose channel 1 is zeroed.
    const report = await scoreFilters(model, "taylor", { dataset, groups: [hidden], base, graph });
    const { images, labels } = wholeSet();
    const expected = tf.tidy(() => {
      const a = tf.mul(activationAt(model, "conv", images), tf.tensor1d([1, 0, 1]));
      // flatten and hidden applied to the masked conv output.
      let x: tf.Tensor = a;
      for (const layer of model.layers.slice(1, 3)) x = layer.apply(x) as tf.Tensor;
      const grad = tf.grad((y: tf.Tensor) => tf.sum(lossAfter(model, "hidden", y, labels)))(x);
      return tf.mean(tf.abs(tf.mul(x, grad)), 0).dataSync();
    });
    tf.dispose([images, labels]);
    report.groups[0]!.filters.forEach((s, c) => expect(s.score).toBeCloseTo(expected[c]!, 6));
    model.dispose();
  });
});
