/**
 * Small seeded models covering every topology the graph, mask and surgery modules support, for their tests.
 * Weights are random but seeded, BatchNormalization statistics are non-trivial (so a BN is never the
 * identity), and images come from the mnist package.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { loadDataset } from "../../data/index.js";
import { createRng } from "../../util/random.js";

export const MNIST_MODEL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../models/mnist",
);

/** `count` mnist test images, 28×28×1 in [0, 1]. The caller disposes them. */
export async function mnistImages(count: number): Promise<tf.Tensor4D> {
  const { test } = await loadDataset("mnist");
  const indices = Array.from({ length: count }, (_, i) => i);
  const [batch] = [...test.subset(indices).batches({ batchSize: count })];
  batch!.labels.dispose();
  return batch!.images;
}

/** Gives every weight seeded values; BatchNormalization variances and scales stay positive. */
export function setSeededWeights(model: tfl.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const weights = model.weights.map((w) => {
    const count = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const values = new Float32Array(count);
    const positive = /gamma|moving_variance/.test(w.name);
    const scale = /kernel/.test(w.name)
      ? Math.sqrt(2 / Math.max(1, count / (w.shape[w.shape.length - 1] ?? 1)))
      : 0.3;
    for (let i = 0; i < count; i++) values[i] = positive ? 0.5 + rng() : (rng() * 2 - 1) * scale;
    return tf.tensor(values, w.shape as number[]);
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

type Builder = (seed: number) => tfl.LayersModel;

const input = () => tfl.input({ shape: [28, 28, 1], name: "image" });
const conv = (name: string, filters: number, extra: Partial<Parameters<typeof tfl.layers.conv2d>[0]> = {}) =>
  tfl.layers.conv2d({ name, filters, kernelSize: 3, padding: "same", activation: "relu", ...extra });
const pool = (name: string) => tfl.layers.maxPooling2d({ name, poolSize: 2 });
const head = (name = "logits") => tfl.layers.dense({ name, units: 10, activation: "softmax" });

function seeded(model: tfl.LayersModel, seed: number): tfl.LayersModel {
  setSeededWeights(model, seed);
  return model;
}

/** A Sequential model of `layers` (the Functional scenarios below cover tfl.model). */
function chain(name: string, layers: tfl.layers.Layer[], seed: number): tfl.LayersModel {
  const model = tfl.sequential({ name });
  model.add(tfl.layers.inputLayer({ inputShape: [28, 28, 1], name: "image" }));
  for (const layer of layers) model.add(layer);
  return seeded(model, seed);
}

/** One model per supported layer combination, named by the scenario. */
export const SCENARIOS: Record<string, Builder> = {
  "Conv2D → Conv2D": (seed) =>
    chain(
      "conv-conv",
      [conv("c1", 6), conv("c2", 5), pool("p"), tfl.layers.flatten({ name: "f" }), head()],
      seed,
    ),
  "Conv2D → BN → ReLU → pool → Conv2D": (seed) =>
    chain(
      "conv-bn",
      [
        conv("c1", 6, { activation: "linear", useBias: false }),
        tfl.layers.batchNormalization({ name: "c1_bn" }),
        tfl.layers.reLU({ name: "c1_relu" }),
        pool("c1_pool"),
        conv("c2", 5, { activation: "linear" }),
        tfl.layers.batchNormalization({ name: "c2_bn" }),
        tfl.layers.activation({ name: "c2_relu", activation: "relu" }),
        pool("c2_pool"),
        tfl.layers.flatten({ name: "f" }),
        tfl.layers.dropout({ name: "drop", rate: 0.5 }),
        head(),
      ],
      seed,
    ),
  "Conv2D → Flatten → Dense": (seed) =>
    chain(
      "conv-flatten-dense",
      [conv("c1", 4, { strides: 2 }), pool("p"), tfl.layers.flatten({ name: "f" }), head()],
      seed,
    ),
  "Conv2D → Reshape to one axis → Dense": (seed) =>
    chain(
      "conv-reshape-dense",
      [
        conv("c1", 4, { strides: 2 }),
        pool("p"),
        tfl.layers.reshape({ name: "r", targetShape: [7 * 7 * 4] }),
        head(),
      ],
      seed,
    ),
  "Conv2D → pool → BN → Conv2D (BN after pooling)": (seed) =>
    chain(
      "pool-bn",
      [
        conv("c1", 5, { strides: 2, activation: "elu" }),
        tfl.layers.averagePooling2d({ name: "p1", poolSize: 2 }),
        tfl.layers.batchNormalization({ name: "bn" }),
        tfl.layers.zeroPadding2d({ name: "pad", padding: 1 }),
        conv("c2", 4, { activation: "sigmoid", padding: "valid" }),
        tfl.layers.globalMaxPooling2d({ name: "gmp" }),
        head(),
      ],
      seed,
    ),
  "hidden Dense → Dense": (seed) =>
    chain(
      "dense-dense",
      [
        pool("p0"),
        tfl.layers.flatten({ name: "f" }),
        tfl.layers.dense({ name: "d1", units: 12, activation: "relu" }),
        tfl.layers.dropout({ name: "drop", rate: 0.3 }),
        tfl.layers.dense({ name: "d2", units: 8, activation: "tanh" }),
        head(),
      ],
      seed,
    ),
  "Conv2D → DepthwiseConv2D → Conv2D": (seed) =>
    chain(
      "depthwise",
      [
        conv("c1", 6, { strides: 2 }),
        tfl.layers.depthwiseConv2d({ name: "dw", kernelSize: 3, padding: "same", activation: "relu" }),
        conv("c2", 5),
        // MobileNet-style: a depthwise conv, then BatchNormalization and ReLU.
        tfl.layers.depthwiseConv2d({ name: "dw2", kernelSize: 3, padding: "same" }),
        tfl.layers.batchNormalization({ name: "dw2_bn" }),
        tfl.layers.reLU({ name: "dw2_relu" }),
        conv("c3", 4),
        pool("p"),
        tfl.layers.flatten({ name: "f" }),
        head(),
      ],
      seed,
    ),
  "Conv2D → GlobalAveragePooling → Dense": (seed) =>
    chain(
      "gap",
      [
        conv("c1", 6, { strides: 2 }),
        conv("c2", 7),
        tfl.layers.globalAveragePooling2d({ name: "gap" }),
        head(),
      ],
      seed,
    ),
  "Functional residual Add": (seed) => {
    const x = input();
    const stem = conv("stem", 6, { strides: 2 }).apply(x) as tfl.SymbolicTensor;
    const a = conv("b1_a", 4).apply(stem) as tfl.SymbolicTensor;
    const b = conv("b1_b", 6, { activation: "linear", useBias: false }).apply(a) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ name: "b1_bn" }).apply(b) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: "b1_add" }).apply([stem, bn]) as tfl.SymbolicTensor;
    const act = tfl.layers.reLU({ name: "b1_relu" }).apply(sum) as tfl.SymbolicTensor;
    const c = conv("b2_a", 4).apply(act) as tfl.SymbolicTensor;
    const d = conv("b2_b", 6, { activation: "linear" }).apply(c) as tfl.SymbolicTensor;
    const sum2 = tfl.layers.add({ name: "b2_add" }).apply([act, d]) as tfl.SymbolicTensor;
    const gap = tfl.layers.globalAveragePooling2d({ name: "gap" }).apply(sum2) as tfl.SymbolicTensor;
    return seeded(
      tfl.model({ name: "residual", inputs: x, outputs: head().apply(gap) as tfl.SymbolicTensor }),
      seed,
    );
  },
  "Functional Concatenate": (seed) => {
    const x = input();
    const stem = conv("stem", 3, { strides: 2 }).apply(x) as tfl.SymbolicTensor;
    const a = conv("left", 4).apply(stem) as tfl.SymbolicTensor;
    const b = conv("right", 5, { kernelSize: 1 }).apply(stem) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ name: "cat" }).apply([a, b]) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ name: "cat_bn" }).apply(cat) as tfl.SymbolicTensor;
    const c = conv("after", 6).apply(bn) as tfl.SymbolicTensor;
    const p = pool("p").apply(c) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten({ name: "f" }).apply(p) as tfl.SymbolicTensor;
    const flatB = tfl.layers.flatten({ name: "fb" }).apply(pool("pb").apply(b) as tfl.SymbolicTensor);
    const both = tfl.layers.concatenate({ name: "cat2" }).apply([flat, flatB as tfl.SymbolicTensor]);
    return seeded(
      tfl.model({
        name: "concat",
        inputs: x,
        outputs: head().apply(both as tfl.SymbolicTensor) as tfl.SymbolicTensor,
      }),
      seed,
    );
  },
};
