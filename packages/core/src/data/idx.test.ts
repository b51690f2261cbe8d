import "@tensorflow/tfjs-backend-cpu";

import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CarveError } from "../errors.js";
import { ArrayDataset } from "./array-dataset.js";
import type { Dataset } from "./dataset.js";
import {
  FASHION_MNIST_CLASSES,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  findIdxFiles,
  loadIdxDirectory,
  loadIdxPair,
} from "./idx.js";

const FASHION_DIR = "/usr/share/datasets/fashion-mnist";

function idxImages(count: number, rows: number, columns: number, pixel: (i: number, p: number) => number) {
  const bytes = Buffer.alloc(16 + count * rows * columns);
  bytes.writeUInt32BE(IDX_IMAGES_MAGIC, 0);
  bytes.writeUInt32BE(count, 4);
  bytes.writeUInt32BE(rows, 8);
  bytes.writeUInt32BE(columns, 12);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < rows * columns; p++) bytes[16 + i * rows * columns + p] = pixel(i, p);
  }
  return bytes;
}

function idxLabels(labels: number[]) {
  const bytes = Buffer.alloc(8 + labels.length);
  bytes.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  bytes.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => (bytes[8 + i] = label));
  return bytes;
}

/** Pixel p of image i: distinct per image and position, so a mix-up of order or layout shows. */
const pattern = (i: number, p: number) => (i * 31 + p * 7) % 256;

async function expectCarveError(promise: Promise<unknown>, code: string, ...fragments: string[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CarveError);
  expect((error as CarveError).code).toBe(code);
  for (const fragment of fragments) expect((error as CarveError).message).toContain(fragment);
}

function readAll(dataset: Dataset, batchSize: number) {
  const pixels: number[] = [];
  const labels: number[] = [];
  for (const batch of dataset.batches({ batchSize })) {
    pixels.push(...batch.images.dataSync());
    labels.push(...batch.labels.dataSync());
    tf.dispose([batch.images, batch.labels]);
  }
  return { pixels, labels };
}

let dir: string;

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "carve-idx-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadIdxPair", () => {
  it("reads uncompressed images and labels as [rows, columns, 1] pixels scaled to [0, 1]", async () => {
    await writeFile(join(dir, "a-images"), idxImages(5, 3, 4, pattern));
    await writeFile(join(dir, "a-labels"), idxLabels([3, 1, 4, 1, 5]));
    const dataset = await loadIdxPair(join(dir, "a-images"), join(dir, "a-labels"), { name: "tiny" });
    expect(dataset.name).toBe("tiny");
    expect(dataset.imageShape).toEqual([3, 4, 1]);
    expect(dataset.size).toBe(5);
    expect([...dataset.labels()]).toEqual([3, 1, 4, 1, 5]);
    const { pixels } = readAll(dataset, 2);
    const expected = Array.from({ length: 5 * 12 }, (_, k) => pattern(Math.floor(k / 12), k % 12) / 255);
    pixels.forEach((value, k) => expect(value).toBeCloseTo(expected[k]!, 6));
  });

  it("decompresses gzipped files by their magic bytes, whatever their names say", async () => {
    await writeFile(join(dir, "gz-images.bin"), gzipSync(idxImages(4, 2, 2, pattern)));
    await writeFile(join(dir, "gz-labels.gz"), gzipSync(idxLabels([0, 9, 2, 7])));
    const dataset = await loadIdxPair(join(dir, "gz-images.bin"), join(dir, "gz-labels.gz"));
    expect(dataset.size).toBe(4);
    expect([...dataset.labels()]).toEqual([0, 9, 2, 7]);
    expect(readAll(dataset, 3).pixels[5]).toBeCloseTo(pattern(1, 1) / 255, 6);
  });

  it("yields float32 batches of the right shape and leaks no tensors", async () => {
    await writeFile(join(dir, "b-images"), idxImages(7, 5, 5, pattern));
    await writeFile(join(dir, "b-labels"), idxLabels([0, 1, 2, 3, 4, 5, 6]));
    const dataset = await loadIdxPair(join(dir, "b-images"), join(dir, "b-labels"));
    const before = tf.memory().numTensors;
    const sizes: number[] = [];
    for (const batch of dataset.batches({ batchSize: 3, shuffleSeed: 1 })) {
      expect(batch.images.dtype).toBe("float32");
      expect(batch.labels.dtype).toBe("int32");
      expect(batch.images.shape.slice(1)).toEqual([5, 5, 1]);
      sizes.push(batch.images.shape[0]);
      tf.dispose([batch.images, batch.labels]);
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects an image file with a bad magic number, naming the file and the bytes found", async () => {
    const bad = idxImages(2, 2, 2, pattern);
    bad.writeUInt32BE(0x12345678, 0);
    await writeFile(join(dir, "bad-magic-images"), bad);
    await writeFile(join(dir, "ok-labels"), idxLabels([0, 1]));
    await expectCarveError(
      loadIdxPair(join(dir, "bad-magic-images"), join(dir, "ok-labels")),
      "INVALID_DATA",
      "bad-magic-images",
      "bad magic number",
      "2051",
      "12 34 56 78",
    );
  });

  it("says the files look swapped when a label file is given as images", async () => {
    await writeFile(join(dir, "swap-images"), idxImages(2, 2, 2, pattern));
    await writeFile(join(dir, "swap-labels"), idxLabels([0, 1]));
    await expectCarveError(
      loadIdxPair(join(dir, "swap-labels"), join(dir, "swap-images")),
      "INVALID_DATA",
      "swap-labels",
      "bad magic number",
      "swapped",
    );
  });

  it("rejects a label file with a bad magic number", async () => {
    const bad = idxLabels([0, 1]);
    bad[3] = 0x02;
    await writeFile(join(dir, "bad-magic-labels"), bad);
    await writeFile(join(dir, "ok-images"), idxImages(2, 2, 2, pattern));
    await expectCarveError(
      loadIdxPair(join(dir, "ok-images"), join(dir, "bad-magic-labels")),
      "INVALID_DATA",
      "bad-magic-labels",
      "2049",
      "00 00 08 02",
    );
  });

  it("rejects a truncated (gzipped) image file whose header declares more pixels than it holds", async () => {
    const full = idxImages(10, 4, 4, pattern);
    await writeFile(join(dir, "short-images.gz"), gzipSync(full.subarray(0, full.length - 5)));
    await writeFile(join(dir, "ten-labels"), idxLabels([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expectCarveError(
      loadIdxPair(join(dir, "short-images.gz"), join(dir, "ten-labels")),
      "INVALID_DATA",
      "short-images.gz",
      "truncated",
      "10 images of 4×4 = 160 bytes, only 155 present",
    );
  });

  it("rejects a truncated label file and a file shorter than its header", async () => {
    const labels = idxLabels([0, 1, 2, 3]);
    await writeFile(join(dir, "short-labels"), labels.subarray(0, 10));
    await writeFile(join(dir, "four-images"), idxImages(4, 2, 2, pattern));
    await expectCarveError(
      loadIdxPair(join(dir, "four-images"), join(dir, "short-labels")),
      "INVALID_DATA",
      "short-labels",
      "truncated",
      "4 labels",
    );
    await writeFile(join(dir, "header-only"), idxImages(4, 2, 2, pattern).subarray(0, 9));
    await expectCarveError(
      loadIdxPair(join(dir, "header-only"), join(dir, "short-labels")),
      "INVALID_DATA",
      "header-only",
      "truncated",
    );
  });

  it("rejects a gzip stream that is cut short", async () => {
    const gz = gzipSync(idxImages(50, 8, 8, pattern));
    await writeFile(join(dir, "cut-images.gz"), gz.subarray(0, gz.length >> 1));
    await writeFile(join(dir, "fifty-labels"), idxLabels(Array.from({ length: 50 }, (_, i) => i % 10)));
    await expectCarveError(
      loadIdxPair(join(dir, "cut-images.gz"), join(dir, "fifty-labels")),
      "INVALID_DATA",
      "cut-images.gz",
      "does not decompress",
    );
  });

  it("rejects images and labels of different counts, naming both files", async () => {
    await writeFile(join(dir, "three-images"), idxImages(3, 2, 2, pattern));
    await writeFile(join(dir, "two-labels"), idxLabels([0, 1]));
    await expectCarveError(
      loadIdxPair(join(dir, "three-images"), join(dir, "two-labels")),
      "INVALID_DATA",
      "count mismatch",
      "three-images",
      "3 images",
      "two-labels",
      "2 labels",
    );
  });

  it("rejects a label outside the class list, naming the file, the item and the label", async () => {
    await writeFile(join(dir, "range-images"), idxImages(3, 2, 2, pattern));
    await writeFile(join(dir, "range-labels"), idxLabels([0, 12, 1]));
    await expectCarveError(
      loadIdxPair(join(dir, "range-images"), join(dir, "range-labels")),
      "INVALID_DATA",
      "range-labels",
      "label 12 of item 1 is out of range for 10 classes",
    );
    await expectCarveError(
      loadIdxPair(join(dir, "range-images"), join(dir, "range-labels"), { classNames: ["a", "b"] }),
      "INVALID_DATA",
      "out of range for 2 classes",
    );
  });

  it("reports a missing file as NOT_FOUND with its path", async () => {
    await expectCarveError(
      loadIdxPair(join(dir, "nope-images"), join(dir, "range-labels")),
      "NOT_FOUND",
      "nope-images",
    );
  });
});

describe("loadIdxDirectory", () => {
  async function writeMnistDirectory(path: string, gzip: boolean, separator = "-") {
    await mkdir(path, { recursive: true });
    const wrap = (bytes: Buffer) => (gzip ? gzipSync(bytes) : bytes);
    const suffix = gzip ? ".gz" : "";
    const trainLabels = Array.from({ length: 20 }, (_, i) => i % 10);
    await writeFile(
      join(path, `train-images${separator}idx3-ubyte${suffix}`),
      wrap(idxImages(20, 6, 6, pattern)),
    );
    await writeFile(join(path, `train-labels${separator}idx1-ubyte${suffix}`), wrap(idxLabels(trainLabels)));
    await writeFile(
      join(path, `t10k-images${separator}idx3-ubyte${suffix}`),
      wrap(idxImages(10, 6, 6, pattern)),
    );
    await writeFile(
      join(path, `t10k-labels${separator}idx1-ubyte${suffix}`),
      wrap(idxLabels(trainLabels.slice(10))),
    );
  }

  it("finds the four standard gzipped files and names the splits after the directory", async () => {
    const path = join(dir, "my-mnist");
    await writeMnistDirectory(path, true);
    const splits = await loadIdxDirectory(path);
    expect(splits.train.name).toBe("my-mnist/train");
    expect(splits.test.name).toBe("my-mnist/test");
    expect(splits.train.size).toBe(20);
    expect(splits.test.size).toBe(10);
    expect(splits.train.classNames).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("accepts the dotted variant of the names and uncompressed files", async () => {
    const path = join(dir, "dotted");
    await writeMnistDirectory(path, false, ".");
    const files = await findIdxFiles(path);
    expect(files?.testLabels).toBe(join(path, "t10k-labels.idx1-ubyte"));
    expect((await loadIdxDirectory(path)).test.size).toBe(10);
  });

  it("uses the Fashion-MNIST class names when the directory name says fashion", async () => {
    const path = join(dir, "Fashion-small");
    await writeMnistDirectory(path, true);
    const splits = await loadIdxDirectory(path);
    expect(splits.train.classNames).toEqual(FASHION_MNIST_CLASSES);
    const named = await loadIdxDirectory(path, { classNames: "abcdefghij".split("") });
    expect(named.test.classNames[0]).toBe("a");
  });

  it("names the missing files of an incomplete directory", async () => {
    const path = join(dir, "incomplete");
    await writeMnistDirectory(path, true);
    await rm(join(path, "t10k-labels-idx1-ubyte.gz"));
    await expectCarveError(loadIdxDirectory(path), "NOT_FOUND", "incomplete", "t10k-labels-idx1-ubyte");
  });

  it("says which names it expects in a directory without IDX files", async () => {
    const path = join(dir, "empty");
    await mkdir(path);
    expect(await findIdxFiles(path)).toBeUndefined();
    await expectCarveError(loadIdxDirectory(path), "NOT_FOUND", "no IDX files", "train-images-idx3-ubyte");
  });

  it("stops with ABORTED when the signal has fired", async () => {
    const path = join(dir, "abort");
    await writeMnistDirectory(path, false);
    const controller = new AbortController();
    controller.abort();
    await expectCarveError(loadIdxDirectory(path, {}, { signal: controller.signal }), "ABORTED");
  });
});

describe.skipIf(!existsSync(join(FASHION_DIR, "t10k-images-idx3-ubyte.gz")))(
  "real Fashion-MNIST (skipped when the Debian package dataset-fashion-mnist is not installed)",
  () => {
    it("loads the 10,000 test images, 1,000 per class, as 28×28×1 in [0, 1]", async () => {
      const test = await loadIdxPair(
        join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"),
        join(FASHION_DIR, "t10k-labels-idx1-ubyte.gz"),
        { name: "fashion-mnist/test", classNames: FASHION_MNIST_CLASSES },
      );
      expect(test.size).toBe(10_000);
      expect(test.imageShape).toEqual([28, 28, 1]);
      const counts = new Array<number>(10).fill(0);
      for (const label of test.labels()) counts[label]!++;
      expect(counts).toEqual(new Array<number>(10).fill(1000));
      // The first t10k item of Fashion-MNIST is an ankle boot (label 9), as in Zalando's README sample.
      expect(test.label(0)).toBe(9);
      const before = tf.memory().numTensors;
      let min = Infinity;
      let max = -Infinity;
      for (const batch of test.subset([0, 1, 2, 3]).batches({ batchSize: 4 })) {
        expect(batch.images.shape).toEqual([4, 28, 28, 1]);
        const values = batch.images.dataSync();
        for (const v of values) [min, max] = [Math.min(min, v), Math.max(max, v)];
        tf.dispose([batch.images, batch.labels]);
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.5);
      expect(tf.memory().numTensors).toBe(before);
    });

    it("loads all 60,000 training images compactly, one byte per pixel", async () => {
      const splits = await loadIdxDirectory(FASHION_DIR);
      expect(splits.train.size).toBe(60_000);
      expect(splits.train.name).toBe("fashion-mnist/train");
      expect(splits.train.classNames).toEqual(FASHION_MNIST_CLASSES);
      // Structural rather than a heap measurement (which depends on when the GC runs): the stored pixels
      // are one uint8 per pixel, 60,000 × 784 = 47,040,000 bytes, and the buffer behind them holds nothing
      // more than the 16-byte IDX header (float32 storage would be 188 MB).
      expect(splits.train).toBeInstanceOf(ArrayDataset);
      const pixels = (splits.train as ArrayDataset)["pixels"];
      expect(pixels).toBeInstanceOf(Uint8Array);
      expect(pixels.byteLength).toBe(47_040_000);
      expect(pixels.buffer.byteLength).toBeLessThanOrEqual(47_040_016);
    }, 30_000);
  },
);
