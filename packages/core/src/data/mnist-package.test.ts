import "@tensorflow/tfjs-backend-cpu";

import * as tf from "@tensorflow/tfjs-core";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import type { Dataset } from "./dataset.js";
import { loadMnistPackage, loadMnistPackageAll } from "./mnist-package.js";

/** Images per digit in mnist 1.1.0 (src/digits/<d>.json lengths / 784); they sum to 10,000. */
const PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of dataset.labels()) counts[label]!++;
  return counts;
}

/** Pixels of the first `count` images of a dataset, in dataset order. */
function firstPixels(dataset: Dataset, count: number): Float32Array {
  const batch = dataset.batches({ batchSize: count })[Symbol.iterator]().next().value!;
  const values = batch.images.dataSync() as Float32Array;
  tf.dispose([batch.images, batch.labels]);
  return values;
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("loadMnistPackageAll", () => {
  it("holds the package's 10,000 digits as 28×28×1, labelled by file", async () => {
    const all = await loadMnistPackageAll();
    expect(all.size).toBe(10_000);
    expect(all.imageShape).toEqual([28, 28, 1]);
    expect(all.classNames).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(classCounts(all)).toEqual(PER_DIGIT);
  });

  it("stores round(v · 255), so a batch reproduces the JSON values within 1/510", async () => {
    const require = createRequire(import.meta.url);
    const digits = join(dirname(require.resolve("mnist/package.json")), "src", "digits");
    const seven = (JSON.parse(await readFile(join(digits, "7.json"), "utf8")) as { data: number[] }).data;
    const all = await loadMnistPackageAll();
    const firstSeven = PER_DIGIT.slice(0, 7).reduce((a, b) => a + b, 0);
    const values = firstPixels(all.subset([firstSeven, firstSeven + 1]), 2);
    expect(all.label(firstSeven)).toBe(7);
    let worst = 0;
    for (let p = 0; p < 2 * 784; p++) worst = Math.max(worst, Math.abs(values[p]! - seven[p]!));
    expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });
});

describe("loadMnistPackage", () => {
  it("splits 7,000/1,000/2,000 (train/validation/test) by default, stratified by digit", async () => {
    const { train, validation, test } = await loadMnistPackage();
    expect([train.name, validation?.name, test.name]).toEqual([
      "mnist/train",
      "mnist/validation",
      "mnist/test",
    ]);
    // Rounding per digit: 7,001 and 999.
    expect([train.size + validation!.size, test.size]).toEqual([8000, 2000]);
    expect(Math.abs(validation!.size - 1000)).toBeLessThanOrEqual(5);
    expect(classCounts(test)).toEqual(PER_DIGIT.map((n) => Math.round(n * 0.2)));
    const rest = PER_DIGIT.map((n) => n - Math.round(n * 0.2));
    expect(classCounts(validation!)).toEqual(rest.map((n) => Math.round(n * 0.125)));
    expect(classCounts(train)).toEqual(rest.map((n) => n - Math.round(n * 0.125)));
  });

  it("gives the identical split for the same seed and a different one for another seed", async () => {
    const a = await loadMnistPackage({ seed: 99, testFraction: 0.1 });
    const b = await loadMnistPackage({ seed: 99, testFraction: 0.1 });
    const c = await loadMnistPackage({ seed: 100, testFraction: 0.1 });
    expect(a.test.size).toBe(PER_DIGIT.reduce((sum, n) => sum + Math.round(n * 0.1), 0)); // 999
    expect(firstPixels(a.test, 50)).toEqual(firstPixels(b.test, 50));
    expect(firstPixels(a.test, 50)).not.toEqual(firstPixels(c.test, 50));
    expect([...a.train.labels()]).toEqual([...b.train.labels()]);
  });

  it("keeps train and test disjoint", async () => {
    const { train, test } = await loadMnistPackage({ seed: 3 });
    // Images of a split are read through `subset`, so compare pixel fingerprints instead of indices.
    const fingerprints = (dataset: Dataset) => {
      const out = new Set<string>();
      for (const batch of dataset.batches({ batchSize: 500 })) {
        const values = batch.images.dataSync();
        for (let i = 0; i < batch.indices.length; i++) {
          out.add(Array.from(values.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)).join(","));
        }
        tf.dispose([batch.images, batch.labels]);
      }
      return out;
    };
    const trainSet = fingerprints(train);
    let shared = 0;
    for (const image of fingerprints(test)) if (trainSet.has(image)) shared++;
    // The package itself may contain a few exact duplicates; a leak of the split would show as hundreds.
    expect(shared).toBeLessThan(5);
  });

  it("yields float32 [n, 28, 28, 1] batches in [0, 1] and leaks no tensors", async () => {
    const { test } = await loadMnistPackage();
    const before = tf.memory().numTensors;
    let images = 0;
    let max = 0;
    for (const batch of test.batches({ batchSize: 256, shuffleSeed: 1 })) {
      expect(batch.images.dtype).toBe("float32");
      expect(batch.images.shape.slice(1)).toEqual([28, 28, 1]);
      expect(batch.labels.shape).toEqual([batch.images.shape[0]]);
      const values = batch.images.dataSync();
      for (const v of values) {
        if (v < 0 || v > 1) throw new Error(`pixel ${v} outside [0, 1]`);
        max = Math.max(max, v);
      }
      images += batch.images.shape[0];
      tf.dispose([batch.images, batch.labels]);
    }
    expect(images).toBe(2000);
    expect(max).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
