import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadMnistPackage } from "../data/mnist-package.js";
import { evaluate } from "../eval/evaluate.js";
import { buildMnistCnn } from "../model/demo-architectures.js";
import { recalibrateBatchNorm, trainModel } from "./train.js";

let train: Dataset;
let test: Dataset;
// Training runs on wasm, the backend users get without native packages (cpu's filter gradient is far slower).
beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  const splits = await loadMnistPackage();
  // A slice of the real digits keeps the pure-JS cpu backend quick.
  train = splits.train.subset(Array.from({ length: 1200 }, (_, i) => i));
  test = splits.test.subset(Array.from({ length: 400 }, (_, i) => i));
});

describe("trainModel", () => {
  it("learns real MNIST digits in one epoch and leaks no tensor", async () => {
    const model = buildMnistCnn({ seed: 3 });
    const before = tf.memory().numTensors;
    const untrained = await evaluate(model, test);
    const history = await trainModel(model, train, { epochs: 1, batchSize: 32, seed: 3, learningRate: 3e-3 });
    const trained = await evaluate(model, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(history).toHaveLength(1);
    expect(history[0]!.loss).toBeLessThan(2.3);
    expect(untrained.accuracy).toBeLessThan(0.3);
    expect(trained.accuracy).toBeGreaterThan(0.8);
    model.dispose();
  });

  it("is deterministic for a seed", async () => {
    const weightsAfter = async () => {
      const model = buildMnistCnn({ seed: 5 });
      await trainModel(model, train.subset(Array.from({ length: 128 }, (_, i) => i)), {
        epochs: 1,
        batchSize: 32,
        seed: 9,
      });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    expect(await weightsAfter()).toEqual(await weightsAfter());
  });

  it("stops with ABORTED between batches", async () => {
    const model = buildMnistCnn({ seed: 3 });
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = trainModel(
      model,
      train,
      { epochs: 1, batchSize: 32, seed: 1 },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe("recalibrateBatchNorm", () => {
  it("sets moving statistics to the exact mean and variance of the layer's input", async () => {
    const model = tfl.sequential();
    model.add(
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 3,
        kernelSize: 3,
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: 1 }),
      }),
    );
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.flatten());
    model.add(tfl.layers.dense({ units: 10, activation: "softmax" }));
    const sample = train.subset(Array.from({ length: 300 }, (_, i) => i));
    await recalibrateBatchNorm(model, sample, { images: 300, seed: 0, batchSize: 64 });
    // Independent route: the conv output of all 300 images at once, moments over batch and space in float64.
    const conv = tf.tidy(() => {
      const all = tf.concat(
        Array.from(sample.batches({ batchSize: 300 }), (b) => {
          b.labels.dispose();
          return b.images;
        }),
      );
      return (model.layers[0]!.apply(all) as tf.Tensor).dataSync();
    });
    const expectedMean = [0, 0, 0];
    const expectedVar = [0, 0, 0];
    const perChannel = conv.length / 3;
    conv.forEach((v, i) => (expectedMean[i % 3]! += v / perChannel));
    conv.forEach((v, i) => (expectedVar[i % 3]! += (v - expectedMean[i % 3]!) ** 2 / perChannel));
    const [, , movingMean, movingVariance] = model.layers[1]!.getWeights();
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
    close(movingMean!.dataSync(), expectedMean);
    close(movingVariance!.dataSync(), expectedVar);
    model.dispose();
  });
});
