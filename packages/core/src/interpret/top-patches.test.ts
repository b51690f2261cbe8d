import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { ArrayDataset } from "../data/array-dataset.js";
import { generateColoredShapes } from "../data/colored-shapes.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import { buildFashionCnn, buildShapesCnn } from "../model/demo-architectures.js";
import { loadModel } from "../model/io.js";
import type { Progress } from "../util/operation.js";
import { patchImage, topActivatingPatches } from "./top-patches.js";

let mnist: tfl.LayersModel;
let test: Dataset;
/** 60 test digits: batches of 16 leave a ragged last batch of 12. */
let small: Dataset;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnist = await loadModel(demoModelDir("mnist"));
  test = (await loadDataset("mnist")).test;
  small = test.subset(Array.from({ length: 60 }, (_, i) => i * 33));
});

afterAll(() => mnist.dispose());

interface Activations {
  values: Float32Array;
  images: Float32Array;
  n: number;
  h: number;
  w: number;
  c: number;
}

/** Every activation of `layerName` over `dataset` in one tensor — the brute force the test compares with. */
function allActivations(model: tfl.LayersModel, layerName: string, dataset: Dataset): Activations {
  const probe = tfl.model({
    inputs: model.inputs,
    outputs: model.getLayer(layerName).output as tfl.SymbolicTensor,
  });
  const [batch] = [...dataset.batches({ batchSize: dataset.size })];
  const maps = probe.predict(batch!.images) as tf.Tensor4D;
  const [n, h, w, c] = maps.shape;
  const result = {
    values: maps.dataSync() as Float32Array,
    images: batch!.images.dataSync() as Float32Array,
    n,
    h,
    w,
    c,
  };
  tf.dispose([maps, batch!.images, batch!.labels]);
  return result;
}

interface Expected {
  image: number;
  position: number;
  value: number;
}

/** All candidates of one filter, per image only its strongest position (first on ties) when `distinct`. */
function bruteForce(a: Activations, filter: number, k: number, distinct: boolean): Expected[] {
  const all: Expected[] = [];
  for (let i = 0; i < a.n; i++) {
    const positions: Expected[] = [];
    for (let p = 0; p < a.h * a.w; p++) {
      positions.push({ image: i, position: p, value: a.values[(i * a.h * a.w + p) * a.c + filter]! });
    }
    if (distinct) all.push(positions.reduce((best, e) => (e.value > best.value ? e : best)));
    else all.push(...positions);
  }
  all.sort((x, y) => y.value - x.value || x.image - y.image || x.position - y.position);
  return all.slice(0, k);
}

describe("topActivatingPatches", () => {
  it("finds the images, positions and activations a brute-force ranking of all activations finds", async () => {
    const before = tf.memory().numTensors;
    const filters = [0, 7, 19, 31];
    const result = await topActivatingPatches(mnist, small, {
      layerName: "conv2",
      filters,
      k: 5,
      batchSize: 16,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.removalPoint).toBe("conv2");
    expect(result.images).toBe(60);
    const brute = allActivations(mnist, "conv2", small);
    result.filters.forEach((entry, f) => {
      expect(entry.filter).toBe(filters[f]);
      const expected = bruteForce(brute, filters[f]!, 5, true);
      expect(entry.patches.map((p) => [p.imageIndex, p.row * 14 + p.column])).toEqual(
        expected.map((e) => [e.image, e.position]),
      );
      entry.patches.forEach((p, rank) => {
        expect(p.rank).toBe(rank);
        expect(p.activation).toBeCloseTo(expected[rank]!.value, 4);
        expect(p.label).toBe(small.label(p.imageIndex));
        expect(p.className).toBe(String(p.label));
      });
    });
  });

  it("ranks image positions, several per image allowed, when distinctImages is false", async () => {
    const result = await topActivatingPatches(mnist, small, {
      layerName: "conv2",
      filters: [3, 12],
      k: 12,
      distinctImages: false,
      batchSize: 7,
    });
    const brute = allActivations(mnist, "conv2", small);
    for (const entry of result.filters) {
      const expected = bruteForce(brute, entry.filter, 12, false);
      expect(entry.patches.map((p) => [p.imageIndex, p.row * 14 + p.column])).toEqual(
        expected.map((e) => [e.image, e.position]),
      );
      entry.patches.forEach((p, rank) => expect(p.activation).toBeCloseTo(expected[rank]!.value, 4));
    }
  });

  it("cuts each patch from its image under the receptive field computed by hand", async () => {
    // conv2 of the mnist model: position (y, x) sees input rows 2y − 3 .. 2y + 4 and the same columns
    // (derived in receptive-field.test.ts).
    const result = await topActivatingPatches(mnist, small, { layerName: "conv2", filters: [5, 6], k: 4 });
    const { images } = allActivations(mnist, "conv2", small);
    for (const p of result.filters.flatMap((f) => f.patches)) {
      expect(p.box).toEqual({ top: 2 * p.row - 3, left: 2 * p.column - 3, height: 8, width: 8 });
      for (let dy = 0; dy < 8; dy++) {
        for (let dx = 0; dx < 8; dx++) {
          const y = p.box.top + dy;
          const x = p.box.left + dx;
          const inImage = y >= 0 && y < 28 && x >= 0 && x < 28;
          expect(p.inside[dy * 8 + dx]).toBe(inImage ? 1 : 0);
          expect(p.pixels[dy * 8 + dx]).toBe(inImage ? images[p.imageIndex * 784 + y * 28 + x] : 0);
        }
      }
    }
  });

  it("cuts RGB patches of colored shapes under the 5×5 field of the shapes model's first layer", async () => {
    // conv1 is 5×5 "same" with stride 1 on 32×32: position (y, x) sees rows y − 2 .. y + 2. Untrained seeded
    // weights: where the patch comes from does not depend on what the filter learned.
    const shapes = buildShapesCnn({ seed: 8, classes: 5 });
    const dataset = generateColoredShapes({ variant: "isoluminant", count: 20, seed: 3 });
    const before = tf.memory().numTensors;
    const result = await topActivatingPatches(shapes, dataset, { layerName: "conv1", filters: [0, 9], k: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.channels).toBe(3);
    const [batch] = [...dataset.batches({ batchSize: 20 })];
    const images = batch!.images.dataSync();
    tf.dispose([batch!.images, batch!.labels]);
    for (const p of result.filters.flatMap((f) => f.patches)) {
      expect(p.box).toEqual({ top: p.row - 2, left: p.column - 2, height: 5, width: 5 });
      expect(p.className).toBe(["circle", "square", "triangle", "cross", "ring"][p.imageIndex % 5]);
      const y = p.row;
      const x = p.column;
      // The centre pixel of the patch is the image pixel at the position itself.
      expect(Array.from(p.pixels.subarray((2 * 5 + 2) * 3, (2 * 5 + 2) * 3 + 3))).toEqual(
        Array.from(
          images.subarray((p.imageIndex * 1024 + y * 32 + x) * 3, (p.imageIndex * 1024 + y * 32 + x) * 3 + 3),
        ),
      );
      expect(patchImage(p, 3).width).toBe(5);
    }
    shapes.dispose();
  });

  it("keeps the padding beyond the image border transparent in an RGB patch", async () => {
    // Hand-made: 6×6 RGB images, each black but for one coloured pixel; one linear 3×3 "same" filter that
    // copies the centre pixel's red channel. Image 1's pixel is the reddest and sits in the top-left corner,
    // so its patch is the 3×3 box at rows −1..1, columns −1..1, a third of it in the padding.
    const pixels = new Float32Array(3 * 6 * 6 * 3);
    pixels.set([0.5, 0.2, 0.1], (0 * 36 + 2 * 6 + 3) * 3);
    pixels.set([0.8, 0.4, 0.2], (1 * 36 + 0) * 3);
    pixels.set([0.7, 0.0, 1.0], (2 * 36 + 5 * 6 + 5) * 3);
    const dataset = new ArrayDataset({
      name: "dots",
      imageShape: [6, 6, 3],
      classNames: ["dot"],
      pixels,
      labels: new Int32Array(3),
    });
    const model = tfl.sequential();
    model.add(
      tfl.layers.conv2d({
        inputShape: [6, 6, 3],
        filters: 1,
        kernelSize: 3,
        padding: "same",
        useBias: false,
      }),
    );
    const kernel = tf.buffer([3, 3, 3, 1]);
    kernel.set(1, 1, 1, 0, 0);
    const weights = kernel.toTensor();
    model.layers[0]!.setWeights([weights]);
    weights.dispose();
    const before = tf.memory().numTensors;
    const result = await topActivatingPatches(model, dataset, { layerName: model.layers[0]!.name, k: 2 });
    const [best, second] = result.filters[0]!.patches;
    expect([best!.imageIndex, best!.row, best!.column, best!.activation]).toEqual([
      1,
      0,
      0,
      expect.closeTo(0.8, 6),
    ]);
    expect(best!.box).toEqual({ top: -1, left: -1, height: 3, width: 3 });
    expect([second!.imageIndex, second!.row, second!.column]).toEqual([2, 5, 5]);
    const image = patchImage(best!, result.channels);
    expect([image.width, image.height]).toEqual([3, 3]);
    const at = (x: number, y: number) =>
      Array.from(image.data.subarray((y * 3 + x) * 4, (y * 3 + x) * 4 + 4));
    expect(at(0, 0)).toEqual([0, 0, 0, 0]);
    expect(at(2, 0)[3]).toBe(0);
    expect(at(1, 1)).toEqual([204, 102, 51, 255]);
    expect(at(2, 2)).toEqual([0, 0, 0, 255]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("reads activations after BatchNormalization and ReLU, where a negative scale reverses the order", async () => {
    const fashion = buildFashionCnn({ seed: 4 });
    // conv1_bn: gamma −1 for filter 0 turns the largest convolution outputs into the smallest.
    const [gamma, beta, mean, variance] = fashion.getLayer("conv1_bn").getWeights();
    const g = tf.tidy(() => tf.concat([tf.tensor1d([-1]), tf.slice(gamma!, [1], [31])]));
    fashion.getLayer("conv1_bn").setWeights([g, beta!, mean!, variance!]);
    g.dispose();
    const before = tf.memory().numTensors;
    const result = await topActivatingPatches(fashion, small, {
      layerName: "conv1",
      filters: [0],
      k: 5,
      batchSize: 32,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.removalPoint).toBe("conv1_relu");
    const atRelu = bruteForce(allActivations(fashion, "conv1_relu", small), 0, 5, true);
    const atConv = bruteForce(allActivations(fashion, "conv1", small), 0, 5, true);
    const got = result.filters[0]!.patches.map((p) => [p.imageIndex, p.row * 28 + p.column]);
    expect(got).toEqual(atRelu.map((e) => [e.image, e.position]));
    expect(got).not.toEqual(atConv.map((e) => [e.image, e.position]));
    fashion.dispose();
  });

  it("scans the whole mnist test split for every conv2 filter with progress per batch", async () => {
    const before = tf.memory().numTensors;
    const progress: Progress[] = [];
    const result = await topActivatingPatches(
      mnist,
      test,
      { layerName: "conv2", k: 9, batchSize: 256 },
      { onProgress: (p) => progress.push(p) },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(result.filters).toHaveLength(32);
    for (const entry of result.filters) {
      expect(entry.patches).toHaveLength(9);
      expect(new Set(entry.patches.map((p) => p.imageIndex)).size).toBe(9);
      for (let i = 1; i < 9; i++) {
        expect(entry.patches[i]!.activation).toBeLessThanOrEqual(entry.patches[i - 1]!.activation);
      }
    }
    const ranking = progress.filter((p) => p.phase.startsWith("ranking"));
    expect(ranking.map((p) => p.done)).toEqual([256, 512, 768, 1024, 1280, 1536, 1792, 2000]);
    expect(ranking.every((p) => p.total === 2000)).toBe(true);
    expect(progress.at(-1)!.phase).toMatch(/^cutting patches/);
  });

  it("stops with ABORTED when cancelled, before or during the scan, and leaks no tensor", async () => {
    const before = tf.memory().numTensors;
    await expect(
      topActivatingPatches(mnist, small, { layerName: "conv2" }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    const controller = new AbortController();
    await expect(
      topActivatingPatches(
        mnist,
        small,
        { layerName: "conv2", batchSize: 10 },
        { signal: controller.signal, onProgress: () => controller.abort() },
      ),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses bad options with messages that say what was expected", async () => {
    await expect(topActivatingPatches(mnist, small, { layerName: "pool1" })).rejects.toThrow(
      /"pool1" is a MaxPooling2D/,
    );
    await expect(topActivatingPatches(mnist, small, { layerName: "conv2", filters: [32] })).rejects.toThrow(
      /filter 32 is outside 0..31/,
    );
    await expect(topActivatingPatches(mnist, small, { layerName: "conv2", k: 0 })).rejects.toThrow(
      /k must be a positive integer/,
    );
    const shapes = new ArrayDataset({
      name: "rgb",
      imageShape: [28, 28, 3],
      classNames: ["x"],
      pixels: new Uint8Array(28 * 28 * 3),
      labels: new Int32Array(1),
    });
    await expect(topActivatingPatches(mnist, shapes, { layerName: "conv2" })).rejects.toMatchObject({
      code: "SHAPE_MISMATCH",
    });
  });
});
