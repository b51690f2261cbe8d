import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { demoModelDir } from "../demo/demo-models.js";
import { buildShapesCnn } from "../model/demo-architectures.js";
import { loadModel } from "../model/io.js";
import { kernelFromFilters, readConvKernel } from "./conv-kernel.js";
import { filterImage, filterSheet } from "./filter-images.js";
import { encodePng } from "./png.js";
import { type RgbaImage, upscaleNearest } from "./rgba-image.js";

let mnist: tfl.LayersModel;
let shapes: tfl.Sequential;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnist = await loadModel(demoModelDir("mnist"));
  // Untrained (seeded) weights: nothing below depends on what the filters learned.
  shapes = buildShapesCnn({ seed: 3, classes: 5 });
});

afterAll(() => {
  mnist.dispose();
  shapes.dispose();
});

/** RGBA of pixel (x, y). */
const pixel = (image: RgbaImage, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

// A 2×2 RGB filter, positions in row-major order (top-left, top-right, bottom-left, bottom-right), channel
// fastest. Largest |weight| is 1, so symmetric scaling maps v to round(255 · (0.5 + 0.5 v)):
// 1 → 255, 0.5 → 191, 0.25 → 159, 0 → 128, −0.5 → 64, −1 → 0.
const rgbFilter = [1, 0, -1, 0.5, 0.5, 0.5, 0, 0, 0, -0.5, 0.25, 1];
const doubled = rgbFilter.map((v) => 2 * v);
const rgbKernel = kernelFromFilters([rgbFilter, doubled], 2, 2, 3, "hand");

describe("filterImage", () => {
  it("draws an RGB filter in colour with 0 at mid-grey and ±max|w| at the ends", () => {
    const image = filterImage(rgbKernel, 0);
    expect([image.width, image.height]).toEqual([2, 2]);
    expect(pixel(image, 0, 0)).toEqual([255, 128, 0, 255]);
    expect(pixel(image, 1, 0)).toEqual([191, 191, 191, 255]);
    expect(pixel(image, 0, 1)).toEqual([128, 128, 128, 255]);
    expect(pixel(image, 1, 1)).toEqual([64, 159, 255, 255]);
    // Per-filter scaling: a filter twice as strong looks the same.
    expect(filterImage(rgbKernel, 1)).toEqual(image);
  });

  it("shows weak filters faintly when the scale is shared by the layer", () => {
    // Layer maximum |w| is 2: the first filter's 1 becomes 0.5 + 0.25 → 191, its −1 → 64.
    const image = filterImage(rgbKernel, 0, { scaleAcross: "layer" });
    expect(pixel(image, 0, 0)).toEqual([191, 128, 64, 255]);
  });

  it("stretches the smallest weight to 0 and the largest to 255 with minmax scaling", () => {
    // Weights −1..3 map by (v + 1)/4: −1 → 0, 0 → 64, 1 → 128, 2 → 191, 3 → 255; grey is no longer zero.
    const kernel = kernelFromFilters([[-1, 0, 1, 3, 2, 1, 0, 0, 0, 1, 1, 1]], 2, 2, 3);
    const image = filterImage(kernel, 0, { scaling: "minmax" });
    expect(pixel(image, 0, 0)).toEqual([0, 64, 128, 255]);
    expect(pixel(image, 1, 0)).toEqual([255, 191, 128, 255]);
    expect(pixel(image, 1, 1)).toEqual([128, 128, 128, 255]);
  });

  it("draws the L2 norm over input channels, 0 black and the largest white", () => {
    // Norms: √2, √0.75, 0, √1.3125; over √2: 1, 0.612, 0, 0.810 → 255, 156, 0, 207.
    const image = filterImage(rgbKernel, 0, { mode: "norm" });
    expect([0, 1, 2, 3].map((p) => pixel(image, p % 2, Math.floor(p / 2))[0])).toEqual([255, 156, 0, 207]);
  });

  it("draws deeper filters as a grid of one grayscale tile per input channel", () => {
    const kernel = readConvKernel(mnist, "conv2");
    const image = filterImage(kernel, 0);
    // 16 input channels → 4 × 4 tiles of 3×3 with 1-pixel gaps: 4·3 + 3 = 15.
    expect([image.width, image.height]).toEqual([15, 15]);
    expect(pixel(image, 3, 0)[3]).toBe(0);
    const shared = Math.max(...Array.from(allWeights(kernel.values, 0)).map(Math.abs));
    // Channel 5 sits in tile row 1, column 1; its scale is the whole filter's, not the tile's.
    const topLeft = kernel.values[5 * 32 + 0]!; // row 0, column 0, channel 5, filter 0
    expect(pixel(image, 4, 4)[0]).toBe(Math.round(255 * (0.5 + (0.5 * topLeft) / shared)));
  });

  it("draws a one-channel first layer in grayscale and refuses colour for it", () => {
    const kernel = readConvKernel(mnist, "conv1");
    const image = filterImage(kernel, 3);
    expect([image.width, image.height]).toEqual([3, 3]);
    const [r, g, b] = pixel(image, 1, 1);
    expect(r).toBe(g);
    expect(g).toBe(b);
    expect(() => filterImage(kernel, 0, { mode: "color" })).toThrow(
      /needs 3 input channel\(s\), but layer "conv1" has 1/,
    );
  });
});

/** All 3·3·16 weights of one conv2 filter of the mnist model. */
function allWeights(values: Float32Array, filter: number): Float32Array {
  return Float32Array.from({ length: 9 * 16 }, (_, i) => values[i * 32 + filter]!);
}

describe("filterSheet", () => {
  it("lays out all first-layer filters of the shapes model in a near-square colour grid", () => {
    const before = tf.memory().numTensors;
    const kernel = readConvKernel(shapes, "conv1");
    const sheet = filterSheet(kernel, { tileScale: 4 });
    expect(tf.memory().numTensors).toBe(before);
    // 32 filters → ⌈√32⌉ = 6 columns, 6 rows; tiles 5·4 = 20 pixels with 2-pixel gaps: 6·20 + 5·2 = 130.
    expect([sheet.image.width, sheet.image.height]).toEqual([130, 130]);
    expect(sheet.tiles).toHaveLength(32);
    expect(sheet.tiles[7]).toEqual({ filter: 7, left: 22, top: 22, width: 20, height: 20 });
    const tile = upscaleNearest(filterImage(kernel, 7), 4);
    expect(pixel(sheet.image, 22 + 13, 22 + 9)).toEqual(pixel(tile, 13, 9));
    expect(pixel(sheet.image, 21, 22)[3]).toBe(0);
  });

  it("draws only the kept filters of a pruned layer, in the order given", () => {
    const kernel = readConvKernel(mnist, "conv1");
    const sheet = filterSheet(kernel, { filters: [9, 2, 4], columns: 2, tileGap: 1 });
    expect([sheet.image.width, sheet.image.height]).toEqual([7, 7]);
    expect(sheet.tiles.map((t) => [t.filter, t.left, t.top])).toEqual([
      [9, 0, 0],
      [2, 4, 0],
      [4, 0, 4],
    ]);
  });
});

describe("encodePng", () => {
  it("encodes a filter image that decodes to the expected size and pixels", () => {
    const kernel = readConvKernel(mnist, "conv1");
    const image = filterImage(kernel, 0);
    const decoded = PNG.sync.read(Buffer.from(encodePng(image, { scale: 8 })));
    expect([decoded.width, decoded.height]).toEqual([24, 24]);
    // Pixel (20, 5) of the enlarged image is kernel position row 0, column 2.
    expect(Array.from(decoded.data.subarray((5 * 24 + 20) * 4, (5 * 24 + 20) * 4 + 4))).toEqual(
      pixel(image, 2, 0),
    );
  });

  it("encodes a whole colour sheet losslessly", () => {
    const sheet = filterSheet(readConvKernel(shapes, "conv1"));
    const decoded = PNG.sync.read(Buffer.from(encodePng(sheet.image)));
    expect([decoded.width, decoded.height]).toEqual([sheet.image.width, sheet.image.height]);
    expect(new Uint8Array(decoded.data)).toEqual(sheet.image.data);
  });

  it("rejects pixel data of the wrong length", () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(
      /needs 16 bytes, got 15/,
    );
  });
});
