import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { ArrayDataset } from "../data/array-dataset.js";
import { stratifiedSample } from "./sample.js";

/** 20 images stored class by class: 10 of class 0, 6 of class 1, 4 of class 2; pixel = image index / 20. */
const sorted = new ArrayDataset({
  name: "sorted",
  imageShape: [1, 1, 1],
  classNames: ["a", "b", "c"],
  pixels: Float32Array.from({ length: 20 }, (_, i) => i / 20),
  labels: Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : i < 16 ? 1 : 2)),
});

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

const classCounts = (labels: Int32Array) => [0, 1, 2].map((c) => labels.filter((l) => l === c).length);

describe("stratifiedSample", () => {
  it("takes exactly the requested count with each class's share rounded by largest remainder", () => {
    // Shares of 7: 3.5, 2.1, 1.4 → floors 3, 2, 1 (6); the largest remainder (0.5, class 0) gets the 7th.
    const sample = stratifiedSample(sorted, 7, 1);
    expect(sample.size).toBe(7);
    expect(classCounts(sample.labels())).toEqual([4, 2, 1]);
    // Shares of 10 are whole: 5, 3, 2.
    expect(classCounts(stratifiedSample(sorted, 10, 1).labels())).toEqual([5, 3, 2]);
  });

  it("is the same for the same seed, differs for another, and returns the dataset itself when asked for all", () => {
    const indicesOf = (seed: number) =>
      [...stratifiedSample(sorted, 10, seed).batches({ batchSize: 10 })].map((b) => {
        const values = Array.from(b.images.dataSync(), (v) => Math.round(v * 20));
        b.images.dispose();
        b.labels.dispose();
        return values;
      })[0]!;
    expect(indicesOf(3)).toEqual(indicesOf(3));
    expect(indicesOf(3)).not.toEqual(indicesOf(4));
    // In dataset order.
    const picked = indicesOf(3);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    expect(stratifiedSample(sorted, 20, 0)).toBe(sorted);
    expect(stratifiedSample(sorted, 50, 0)).toBe(sorted);
  });
});
