import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { demoModelDir } from "../demo/demo-models.js";
import { loadModel } from "../model/io.js";
import { createRng } from "../util/random.js";
import { receptiveField, receptiveFieldBox } from "./receptive-field.js";

let mnist: tfl.LayersModel;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnist = await loadModel(demoModelDir("mnist"));
});

afterAll(() => mnist.dispose());

/** Seeded weights in [−1, 1) for every weight of `model`, so no kernel tap is zero. */
function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const weights = model.weights.map((w) => {
    const size = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    return tf.tensor(
      Float32Array.from({ length: size }, () => 2 * rng() - 1),
      w.shape as number[],
    );
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

/**
 * The input pixels that output position (row, column), channel 0, of `model` depends on, found without any
 * receptive-field arithmetic: the model is linear (no bias, no activation, average pooling), so feeding one
 * image per input pixel with only that pixel set to 1 shows each pixel's own contribution.
 */
function dependencySupport(
  model: tfl.LayersModel,
  height: number,
  width: number,
  row: number,
  column: number,
) {
  const n = height * width;
  const deltas = tf.tidy(() => tf.reshape(tf.oneHot(tf.range(0, n, 1, "int32"), n), [n, height, width, 1]));
  const out = tf.tidy(() =>
    tf.slice(model.predict(deltas, { batchSize: n }) as tf.Tensor4D, [0, row, column, 0], [n, 1, 1, 1]),
  );
  const values = out.dataSync();
  tf.dispose([deltas, out]);
  const support = new Set<string>();
  values.forEach((v, p) => {
    if (Math.abs(v) > 1e-7) support.add(`${Math.floor(p / width)},${p % width}`);
  });
  return support;
}

function boxPixels(top: number, left: number, h: number, w: number, height: number, width: number) {
  const pixels = new Set<string>();
  for (let y = Math.max(0, top); y < Math.min(height, top + h); y++) {
    for (let x = Math.max(0, left); x < Math.min(width, left + w); x++) pixels.add(`${y},${x}`);
  }
  return pixels;
}

describe("receptiveField", () => {
  it("gives the mnist demo model's conv2 an 8×8 field at stride 2 starting 3 pixels before the image", () => {
    // By hand, per axis (rows and columns alike), input 28:
    //   conv1 3×3 "same", stride 1: pads 1 before → size 3, stride 1, offset −1 (position y sees y−1..y+1).
    //   pool1 2×2, stride 2, "valid": size 3 + (2−1)·1 = 4, stride 2, offset −1 (pool row p sees 2p−1..2p+2).
    //   conv2 3×3 "same" on 14, stride 1: pads 1 before → size 4 + (3−1)·2 = 8, stride 2,
    //   offset −1 − 1·2 = −3.
    // So conv2 position y sees input rows 2y−3 .. 2y+4: pool1 rows y−1..y+1, i.e. conv1 rows 2y−2..2y+3,
    // i.e. input rows 2y−3..2y+4.
    const before = tf.memory().numTensors;
    const field = receptiveField(mnist, "conv2");
    expect(field).toEqual({
      layerName: "conv2",
      size: [8, 8],
      stride: [2, 2],
      offset: [-3, -3],
      inputSize: [28, 28],
      outputSize: [14, 14],
    });
    expect(receptiveFieldBox(field, 5, 0)).toEqual({ top: 7, left: -3, height: 8, width: 8 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("follows every layer of the mnist demo model up to its last pooling", () => {
    const pick = (name: string) => {
      const { size, stride, offset } = receptiveField(mnist, name);
      return [size[0], stride[0], offset[0]];
    };
    expect(pick("conv1")).toEqual([3, 1, -1]);
    expect(pick("pool1")).toEqual([4, 2, -1]);
    // pool2 2×2 stride 2 on conv2: 8 + (2−1)·2 = 10, stride 4, offset −3.
    expect(pick("pool2")).toEqual([10, 4, -3]);
  });

  it("refuses layers after the spatial part of the network", () => {
    expect(() => receptiveField(mnist, "flatten")).toThrow(/not \[batch, height, width, channels\]/);
    expect(() => receptiveField(mnist, "conv9")).toThrow(/no layer named "conv9".*"conv1", "conv2"/);
  });

  describe("on a model with strides, dilation, padding layers, cropping and a merge", () => {
    const height = 29;
    const width = 31;
    let model: tfl.LayersModel;

    beforeAll(() => {
      const input = tfl.input({ shape: [height, width, 1] });
      type ConvArgs = Omit<Parameters<typeof tfl.layers.conv2d>[0], "filters">;
      const conv = (name: string, args: ConvArgs) =>
        tfl.layers.conv2d({ name, filters: 2, useBias: false, ...args });
      let x = tfl.layers
        .zeroPadding2d({
          padding: [
            [1, 0],
            [2, 1],
          ],
        })
        .apply(input) as tfl.SymbolicTensor;
      x = conv("strided", { kernelSize: 3, strides: 2, padding: "same" }).apply(x) as tfl.SymbolicTensor;
      x = tfl.layers
        .cropping2D({
          cropping: [
            [1, 0],
            [0, 1],
          ],
        })
        .apply(x) as tfl.SymbolicTensor;
      const a = tfl.layers
        .averagePooling2d({ poolSize: 3, strides: 1, padding: "same" })
        .apply(x) as tfl.SymbolicTensor;
      const b = conv("wide", { kernelSize: [5, 1], padding: "same" }).apply(x) as tfl.SymbolicTensor;
      x = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
      x = conv("dilated", { kernelSize: 3, dilationRate: 2, padding: "valid" }).apply(
        x,
      ) as tfl.SymbolicTensor;
      x = tfl.layers
        .depthwiseConv2d({ name: "last", kernelSize: 2, strides: 2, padding: "same", useBias: false })
        .apply(x) as tfl.SymbolicTensor;
      model = tfl.model({ inputs: input, outputs: x });
      randomizeWeights(model, 7);
    });

    afterAll(() => model.dispose());

    it("is the tightest box around the pixels each position depends on, inside and at the border", () => {
      // A box, not the exact set: the merge joins a 3×3 and a 5×1 field (a plus shape, corners unused) and
      // the dilated convolution skips rows and columns, so pixels inside the box may not count. What must
      // hold: every pixel that counts is inside the box, and each side of the box inside the image has one.
      const field = receptiveField(model, "last");
      const [outH, outW] = field.outputSize;
      const before = tf.memory().numTensors;
      const positions: Array<[number, number]> = [
        [Math.floor(outH / 2), Math.floor(outW / 2)],
        [0, 0],
        [outH - 1, outW - 1],
        [0, outW - 1],
      ];
      for (const [row, column] of positions) {
        const box = receptiveFieldBox(field, row, column);
        const support = dependencySupport(model, height, width, row, column);
        const rows = [...support].map((p) => Number(p.split(",")[0]));
        const columns = [...support].map((p) => Number(p.split(",")[1]));
        const inBox = boxPixels(box.top, box.left, box.height, box.width, height, width);
        expect([...support].filter((p) => !inBox.has(p))).toEqual([]);
        const bottom = box.top + box.height - 1;
        const right = box.left + box.width - 1;
        if (box.top >= 0) expect(Math.min(...rows)).toBe(box.top);
        if (bottom < height) expect(Math.max(...rows)).toBe(bottom);
        if (box.left >= 0) expect(Math.min(...columns)).toBe(box.left);
        if (right < width) expect(Math.max(...columns)).toBe(right);
      }
      expect(tf.memory().numTensors).toBe(before);
      // The middle position's box lies wholly inside the image, so all four sides were checked for it.
      const middle = receptiveFieldBox(field, ...positions[0]!);
      expect(middle.top).toBeGreaterThanOrEqual(0);
      expect(middle.left).toBeGreaterThanOrEqual(0);
      expect(middle.top + middle.height).toBeLessThanOrEqual(height);
      expect(middle.left + middle.width).toBeLessThanOrEqual(width);
    });

    it("is known by hand for this model", () => {
      // Rows (29): zero padding 1 before → 30 rows, offset −1. strided 3×3 s2 "same" on 30 (out 15, padding
      // ⌊(14·2 + 3 − 30)/2⌋ = 0 before) → size 3, stride 2, offset −1. cropping 1 row → 14 rows, offset
      // −1 + 1·2 = 1. Merge of avg 3×3 "same" (1 before: size 3 + 2·2 = 7, offset 1 − 2 = −1) and 5×1 "same"
      // (2 before: size 3 + 4·2 = 11, offset −3) → rows −3..7, size 11, offset −3. dilated 3×3 d2 "valid":
      // k_eff 5 → size 11 + 4·2 = 19, 10 rows. depthwise 2×2 s2 "same" on 10 (out 5, ⌊(4·2 + 2 − 10)/2⌋ = 0)
      // → size 19 + 1·2 = 21, stride 4, offset −3.
      // Columns (31): padding 2 before → 34, offset −2; strided on 34 (out 17, ⌊(32 + 3 − 34)/2⌋ = 0 before)
      // → 3, 2, −2; cropping 0 before → 16 columns; merge of avg (7, −4) and the 5×1's single column (3, −2)
      // → size 7, offset −4; dilated → 7 + 8 = 15, 12 columns; depthwise on 12 (out 6, padding 0) → size 17,
      // stride 4, offset −4.
      const { size, stride, offset } = receptiveField(model, "last");
      expect({ size, stride, offset }).toEqual({ size: [21, 17], stride: [4, 4], offset: [-3, -4] });
    });
  });
});
