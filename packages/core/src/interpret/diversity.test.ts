import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { demoModelDir } from "../demo/demo-models.js";
import { loadModel } from "../model/io.js";
import { filterWeightVectors, readConvKernel } from "./conv-kernel.js";
import { clusterBySimilarity, filterDiversity, layerDiversity, similarityMatrix } from "./diversity.js";

const v = [0.3, -1.2, 0.7, 2.0, -0.4, 0.1];
const oneHots = [0, 1, 2, 3].map((i) => Array.from({ length: 8 }, (_, j) => (i === j ? 1 : 0)));

describe("filterDiversity", () => {
  it("gives identical filters maximal similarity and one cluster", () => {
    const result = filterDiversity([v, v, v, v]);
    expect(result.meanCorrelation).toBeCloseTo(1, 12);
    expect(result.meanAbsCosine).toBeCloseTo(1, 12);
    expect(result.clusters.count).toBe(1);
    expect(Array.from(result.clusters.clusterOf)).toEqual([0, 0, 0, 0]);
    expect(result.clusters.sizes).toEqual([4]);
  });

  it("gives orthogonal filters zero |cosine| and one cluster each", () => {
    const result = filterDiversity(oneHots);
    expect(result.meanAbsCosine).toBe(0);
    // Centred one-hot vectors of length 8: (e_i − 1/8)·(e_j − 1/8) = −1/8 and ‖e_i − 1/8‖² = 7/8, so −1/7.
    expect(result.meanCorrelation).toBeCloseTo(-1 / 7, 12);
    expect(result.clusters.count).toBe(4);
  });

  it("counts a filter and its negation as one feature under |cosine| and as two under signed cosine", () => {
    const negated = v.map((x) => -x);
    expect(filterDiversity([v, negated]).clusters.count).toBe(1);
    expect(filterDiversity([v, negated], { measure: "cosine" }).clusters.count).toBe(2);
    expect(filterDiversity([v, negated]).meanCorrelation).toBeCloseTo(-1, 12);
  });

  it("does not chain: two filters each alike a middle one but not each other stay apart", () => {
    // cos(a, b) = cos(b, c) = 0.707, cos(a, c) = 0. Average linkage merges a and b (the first of the tied
    // pairs), after which {a, b} is 0.354 alike c on average, below 0.5. Single linkage would merge all
    // three.
    const result = filterDiversity([
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(Array.from(result.clusters.clusterOf)).toEqual([0, 0, 1]);
  });

  it("treats an all-zero filter as unlike every other and has no mean for a single filter", () => {
    const matrix = similarityMatrix([v, [0, 0, 0, 0, 0, 0]], "abs-cosine");
    expect(Array.from(matrix)).toEqual([1, 0, 0, 1]);
    const single = filterDiversity([v]);
    expect(single.meanCorrelation).toBeNaN();
    expect(single.clusters.count).toBe(1);
  });

  it("refuses vectors of different lengths and a mis-sized matrix", () => {
    expect(() => filterDiversity([v, [1, 2]])).toThrow(/got lengths 6, 2/);
    expect(() => clusterBySimilarity(new Float64Array(5), 2, 0.5)).toThrow(
      /2×2 similarity matrix has 4 entries, got 5/,
    );
  });
});

describe("layerDiversity", () => {
  let mnist: tfl.LayersModel;

  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    mnist = await loadModel(demoModelDir("mnist"));
  });

  afterAll(() => mnist.dispose());

  it("compares the kept filters of the mnist model's conv2 exactly like the pure function does", () => {
    const before = tf.memory().numTensors;
    const keep = [0, 3, 4, 9, 17, 20, 31];
    const pruned = layerDiversity(mnist, "conv2", { keep, threshold: 0.3 });
    const full = layerDiversity(mnist, "conv2", { threshold: 0.3 });
    expect(tf.memory().numTensors).toBe(before);
    const vectors = filterWeightVectors(readConvKernel(mnist, "conv2"), keep);
    expect(pruned).toEqual({
      layerName: "conv2",
      filterIndices: keep,
      ...filterDiversity(vectors, { threshold: 0.3 }),
    });
    expect(full.filters).toBe(32);
    expect(full.clusters.count).toBeLessThanOrEqual(32);
    expect(full.meanAbsCosine).toBeGreaterThan(0);
    expect(full.meanAbsCosine).toBeLessThan(1);
  });

  it("refuses a filter listed twice in keep", () => {
    expect(() => layerDiversity(mnist, "conv1", { keep: [1, 2, 1] })).toThrow(
      /lists a filter of "conv1" twice/,
    );
  });
});
