import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../backend/index.js";
import { beforeAll, describe, expect, it } from "vitest";

import { ArrayDataset } from "../data/array-dataset.js";
import { CarveError } from "../errors.js";
import { evaluate } from "./evaluate.js";

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

/**
 * A 2×2×1-image classifier whose prediction is fixed by hand: the logits are the first three pixels, so an
 * image predicts the class of its brightest pixel among those three.
 */
function handModel(softmax: boolean): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape: [2, 2, 1] }));
  model.add(tfl.layers.dense({ units: 3, useBias: false, activation: softmax ? "softmax" : "linear" }));
  const kernel = tf.tensor2d([
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [0, 0, 0],
  ]);
  model.layers[1]!.setWeights([kernel]);
  kernel.dispose();
  return model;
}

// Five images: labels [0, 1, 2, 0, 1]; predictions by the rule above: [0, 1, 2, 1, 1].
const pixels = new Float32Array([
  ...[1, 0, 0, 0],
  ...[0, 1, 0, 0],
  ...[0, 0, 1, 0],
  ...[0, 1, 0, 0],
  ...[0.2, 0.9, 0, 0],
]);
const labels = new Int32Array([0, 1, 2, 0, 1]);
const dataset = new ArrayDataset({
  name: "hand",
  imageShape: [2, 2, 1],
  classNames: ["a", "b", "c"],
  pixels,
  labels,
});

function expectedLoss(): number {
  // Cross-entropy of softmax([p0, p1, p2]) at the true class, averaged over the five images.
  let sum = 0;
  for (let i = 0; i < 5; i++) {
    const z = [pixels[i * 4]!, pixels[i * 4 + 1]!, pixels[i * 4 + 2]!];
    const logSumExp = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
    sum += logSumExp - z[labels[i]!]!;
  }
  return sum / 5;
}

describe("evaluate", () => {
  it.each([
    ["logits", false],
    ["softmax probabilities", true],
  ])("computes accuracy, per-class accuracy, loss and confusion by hand from %s", async (_, softmax) => {
    const model = handModel(softmax);
    const before = tf.memory().numTensors;
    const result = await evaluate(model, dataset, { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.count).toBe(5);
    expect(result.correct).toBe(4);
    expect(result.accuracy).toBeCloseTo(0.8, 10);
    expect(result.perClass.map((c) => c.accuracy)).toEqual([0.5, 1, 1]);
    expect(result.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [0, 0, 1],
    ]);
    expect(result.loss).toBeCloseTo(expectedLoss(), 5);
    model.dispose();
  });

  it("reports progress per batch and stops with ABORTED when cancelled, leaking nothing", async () => {
    const model = handModel(false);
    const controller = new AbortController();
    const seen: number[] = [];
    const before = tf.memory().numTensors;
    const run = evaluate(
      model,
      dataset,
      { batchSize: 2 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.done);
          controller.abort();
        },
      },
    );
    await expect(run).rejects.toSatisfy((e) => e instanceof CarveError && e.code === "ABORTED");
    expect(seen).toEqual([2]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("gives timers a turn while it runs, so AbortSignal.timeout stops a long evaluation midway", async () => {
    // 20,000 one-image batches take seconds; awaiting TF.js reads alone never lets the timer fire, so without
    // the event-loop checkpoints this evaluation would run to the end and resolve.
    const images = 20_000;
    const long = new ArrayDataset({
      name: "long",
      imageShape: [2, 2, 1],
      classNames: ["a", "b", "c"],
      pixels: new Float32Array(images * 4).fill(0.5),
      labels: new Int32Array(images),
    });
    const model = handModel(false);
    let done = 0;
    const before = tf.memory().numTensors;
    const run = evaluate(
      model,
      long,
      { batchSize: 1 },
      { signal: AbortSignal.timeout(30), onProgress: (p) => (done = p.done) },
    );
    await expect(run).rejects.toSatisfy((e) => e instanceof CarveError && e.code === "ABORTED");
    expect(done).toBeLessThan(images);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("rejects a dataset whose image shape or class count does not fit the model", async () => {
    const model = handModel(false);
    const wrong = new ArrayDataset({
      name: "wide",
      imageShape: [2, 3, 1],
      classNames: ["a", "b", "c"],
      pixels: new Float32Array(6),
      labels: new Int32Array([0]),
    });
    await expect(evaluate(model, wrong)).rejects.toThrow(
      /expects images of shape \[2, 2, 1\] but dataset "wide" has \[2, 3, 1\]/,
    );
    const twoClasses = new ArrayDataset({
      name: "two",
      imageShape: [2, 2, 1],
      classNames: ["a", "b"],
      pixels: new Float32Array(4),
      labels: new Int32Array([0]),
    });
    await expect(evaluate(model, twoClasses)).rejects.toThrow(
      /has 3 outputs but dataset "two" has 2 classes/,
    );
    model.dispose();
  });
});
