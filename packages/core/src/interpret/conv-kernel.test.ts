import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { demoModelDir } from "../demo/demo-models.js";
import { loadModel } from "../model/io.js";
import { filterWeightVectors, filterWeights, kernelFromFilters, readConvKernel } from "./conv-kernel.js";

let mnist: tfl.LayersModel;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnist = await loadModel(demoModelDir("mnist"));
});

afterAll(() => mnist.dispose());

describe("readConvKernel", () => {
  it("copies the mnist model's conv2 kernel in HWIO order without allocating tensors", () => {
    const before = tf.memory().numTensors;
    const kernel = readConvKernel(mnist, "conv2");
    expect(tf.memory().numTensors).toBe(before);
    expect([kernel.kernelHeight, kernel.kernelWidth, kernel.inChannels, kernel.filters]).toEqual([
      3, 3, 16, 32,
    ]);
    const stored = mnist.getLayer("conv2").getWeights()[0]!.arraySync() as number[][][][];
    // Filter 5, kernel row 2, column 1, input channel 7, read two ways.
    expect(filterWeights(kernel, 5)[(2 * 3 + 1) * 16 + 7]).toBeCloseTo(stored[2]![1]![7]![5]!, 7);
    kernel.values[0] = 1234;
    expect(stored[0]![0]![0]![0]).not.toBe(1234);
    expect((mnist.getLayer("conv2").getWeights()[0]!.dataSync() as Float32Array)[0]).not.toBe(1234);
  });

  it("refuses a layer without a Conv2D kernel", () => {
    expect(() => readConvKernel(mnist, "logits")).toThrow(
      /reading filter weights needs a Conv2D layer, but "logits" is a Dense/,
    );
  });

  it("round-trips hand-made filters through kernelFromFilters", () => {
    const filters = [
      [1, 2, 3, 4, 5, 6, 7, 8],
      [-1, -2, -3, -4, -5, -6, -7, -8],
      [0, 0, 0, 0, 0, 0, 0, 1],
    ];
    const kernel = kernelFromFilters(filters, 2, 2, 2);
    expect(filterWeightVectors(kernel).map((v) => Array.from(v))).toEqual(filters);
    expect(() => filterWeights(kernel, 3)).toThrow(/filter index 3 is outside 0..2/);
    expect(() => kernelFromFilters([[1, 2]], 2, 2, 2)).toThrow(/filter 0 has 2 weights, expected 2×2×2 = 8/);
  });
});
