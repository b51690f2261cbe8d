import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { LUMA_WEIGHTS } from "../data/color.js";
import { demoModelDir } from "../demo/demo-models.js";
import { buildShapesCnn } from "../model/demo-architectures.js";
import { loadModel } from "../model/io.js";
import { createRng, permutation } from "../util/random.js";
import {
  chanceOverlap,
  chromaticity,
  countRemovedAmong,
  kernelChromaticity,
  layerChromaticity,
  splitByChromaticity,
} from "./chromaticity.js";
import { kernelFromFilters } from "./conv-kernel.js";

/** RGB weights of a 2×2 filter from one RGB triple per position. */
const filter = (...positions: Array<[number, number, number]>) => positions.flat();

describe("chromaticity", () => {
  it("is 0 for a filter with equal weights on R, G and B at every position", () => {
    expect(chromaticity(filter([0.5, 0.5, 0.5], [-1, -1, -1], [0, 0, 0], [2, 2, 2]))).toBe(0);
  });

  it("is 1 for a filter with weights only in the red–green opponent direction", () => {
    expect(chromaticity(filter([1, -1, 0], [-0.3, 0.3, 0], [0, 0, 0], [2, -2, 0]))).toBeCloseTo(1, 12);
  });

  it("is 2/3 for a pure red weight and about 0.25 for weights proportional to luma", () => {
    // (1, 0, 0): mean 1/3, residual (2/3, −1/3, −1/3), ‖r‖² = 6/9 of ‖w‖² = 1.
    expect(chromaticity([1, 0, 0])).toBeCloseTo(2 / 3, 12);
    // (0.299, 0.587, 0.114): residual (−0.0343, 0.2537, −0.2193), ‖r‖² = 0.11364, ‖w‖² = 0.44697.
    expect(chromaticity(LUMA_WEIGHTS)).toBeCloseTo(0.11364 / 0.44697, 4);
  });

  it("adds energies: equal grey and opponent energy gives 1/2, whatever the overall scale", () => {
    // Grey part (1, 1, 1) has ‖·‖² = 3; opponent part √1.5·(1, −1, 0) has 3; they are orthogonal.
    const s = Math.sqrt(1.5);
    const mixed = [1 + s, 1 - s, 1];
    expect(chromaticity(mixed)).toBeCloseTo(0.5, 12);
    expect(chromaticity(mixed.map((x) => -7 * x))).toBeCloseTo(0.5, 12);
  });

  it("gives an all-zero filter 0 and refuses weights that are not RGB triples", () => {
    expect(chromaticity([0, 0, 0, 0, 0, 0])).toBe(0);
    expect(() => chromaticity([1, 2, 3, 4])).toThrow(/a multiple of 3 values/);
  });
});

describe("kernelChromaticity and layerChromaticity", () => {
  let shapes: tfl.Sequential;
  let mnist: tfl.LayersModel;

  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    shapes = buildShapesCnn({ seed: 11, classes: 5 });
    mnist = await loadModel(demoModelDir("mnist"));
  });

  afterAll(() => {
    shapes.dispose();
    mnist.dispose();
  });

  it("measures each hand-made filter of a kernel", () => {
    const kernel = kernelFromFilters([filter([1, 1, 1]), filter([1, -1, 0]), filter([1, 0, 0])], 1, 1, 3);
    const values = Array.from(kernelChromaticity(kernel));
    expect(values[0]).toBe(0);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(values[2]).toBeCloseTo(2 / 3, 12);
  });

  it("reads the first convolution of the shapes model and allocates no tensor", () => {
    const before = tf.memory().numTensors;
    const values = layerChromaticity(shapes);
    expect(tf.memory().numTensors).toBe(before);
    expect(values).toHaveLength(32);
    // Independent random weights put 2/3 of the energy in the chromatic plane on average.
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(0.8);
    for (const v of values) expect(v >= 0 && v <= 1).toBe(true);
  });

  it("refuses a layer that does not see RGB input", () => {
    expect(() => layerChromaticity(mnist)).toThrow(
      /"conv1" has 1; use it on the first convolution of a colour model/,
    );
  });
});

describe("splitByChromaticity and overlap counts", () => {
  it("ranks filters most chromatic first and splits off the top half", () => {
    const split = splitByChromaticity([0.1, 0.9, 0.5, 0.9, 0.2]);
    expect(split).toEqual({ ranking: [1, 3, 2, 4, 0], mostChromatic: [1, 3], rest: [0, 2, 4] });
    expect(splitByChromaticity([0.1, 0.9, 0.5], 0).mostChromatic).toEqual([]);
    expect(() => splitByChromaticity([0.1], 2)).toThrow(/count must be an integer in 0..1, got 2/);
  });

  it("counts how many of the first removed filters are among the chromatic ones", () => {
    expect(countRemovedAmong([3, 0, 1, 4, 2], 3, [1, 3])).toBe(2);
    expect(countRemovedAmong([3, 0, 1, 4, 2], 0, [1, 3])).toBe(0);
  });

  it("gives the hypergeometric chance of an overlap, computed by hand", () => {
    // 4 filters, 2 chromatic, remove 2: P(none chromatic) = C(2,2)/C(4,2) = 1/6.
    const small = chanceOverlap(4, 2, 2, 1);
    expect(small.expected).toBe(1);
    expect(small.probabilityAtLeast).toBeCloseTo(5 / 6, 12);
    // All 16 removed of 32 being the 16 chromatic ones: 1/C(32,16) = 1/601080390.
    expect(chanceOverlap(32, 16, 16, 16).probabilityAtLeast).toBeCloseTo(1 / 601080390, 20);
    expect(chanceOverlap(32, 16, 16, 0).probabilityAtLeast).toBeCloseTo(1, 12);
  });

  it("agrees with the overlap of many seeded random removal orders", () => {
    const members = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30];
    const rng = createRng(2024);
    const trials = 4000;
    let atLeast10 = 0;
    let sum = 0;
    for (let t = 0; t < trials; t++) {
      const count = countRemovedAmong(permutation(32, rng), 16, members);
      sum += count;
      if (count >= 10) atLeast10++;
    }
    const chance = chanceOverlap(32, 16, 16, 10);
    expect(sum / trials).toBeCloseTo(chance.expected, 1);
    // P(X ≥ 10) = 0.1445 (hypergeometric 32, 16, 16); its standard error over 4000 trials is 0.0056; allow 4.
    expect(chance.probabilityAtLeast).toBeCloseTo(0.144487, 5);
    expect(Math.abs(atLeast10 / trials - chance.probabilityAtLeast)).toBeLessThan(0.023);
  });
});
