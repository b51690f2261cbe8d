import "@tensorflow/tfjs-backend-cpu";

import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CarveError } from "../errors.js";
import { CIFAR10_RECORD_BYTES } from "./cifar.js";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from "./idx.js";
import { FASHION_MNIST_CLASSES, detectDatasetKind, loadDataset, parseImageShape } from "./index.js";

async function expectCarveError(promise: Promise<unknown>, code: string, ...fragments: string[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CarveError);
  expect((error as CarveError).code).toBe(code);
  for (const fragment of fragments) expect((error as CarveError).message).toContain(fragment);
}

function idx(magic: number, dims: number[], body: Uint8Array) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, body]));
}

async function writeIdxDirectory(path: string) {
  await mkdir(path, { recursive: true });
  const labels = Uint8Array.from({ length: 10 }, (_, i) => i);
  for (const prefix of ["train", "t10k"]) {
    await writeFile(
      join(path, `${prefix}-images-idx3-ubyte.gz`),
      idx(IDX_IMAGES_MAGIC, [10, 4, 4], new Uint8Array(160)),
    );
    await writeFile(join(path, `${prefix}-labels-idx1-ubyte.gz`), idx(IDX_LABELS_MAGIC, [10], labels));
  }
}

function png(value: number) {
  const image = new PNG({ width: 3, height: 3 });
  image.data.fill(value);
  return PNG.sync.write(image);
}

let dir: string;

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "carve-loaders-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadDataset with builtin names", () => {
  it('opens "mnist" as the package digits split 7,000/1,000/2,000', async () => {
    const { train, validation, test } = await loadDataset("mnist");
    expect([train.size + validation!.size, test.size]).toEqual([8000, 2000]);
    expect(train.imageShape).toEqual([28, 28, 1]);
  });

  it('opens "shapes-tint" and "shapes-isoluminant" as 5,000/1,000 RGB images, the same each time', async () => {
    for (const name of ["shapes-tint", "shapes-isoluminant"]) {
      const { train, test } = await loadDataset(name);
      expect([train.name, test.name]).toEqual([`${name}/train`, `${name}/test`]);
      expect([train.size, test.size]).toEqual([5000, 1000]);
      expect(train.imageShape).toEqual([32, 32, 3]);
      const again = await loadDataset(name);
      const first = (d: typeof test) => {
        const batch = d.batches({ batchSize: 4 })[Symbol.iterator]().next().value!;
        const values = Array.from(batch.images.dataSync());
        tf.dispose([batch.images, batch.labels]);
        return values;
      };
      expect(first(again.test)).toEqual(first(test));
    }
  });

  it('says how to install Fashion-MNIST when "fashion-mnist" is absent', async () => {
    await expectCarveError(
      loadDataset("fashion-mnist", { fashionMnistDir: join(dir, "no-fashion-here") }),
      "NOT_FOUND",
      "apt-get install dataset-fashion-mnist",
      "no-fashion-here",
    );
  });

  it.skipIf(!existsSync("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"))(
    'opens "fashion-mnist" from the Debian package (skipped when dataset-fashion-mnist is not installed)',
    async () => {
      const { train, validation, test } = await loadDataset("fashion-mnist");
      expect([train.size, validation?.size, test.size]).toEqual([55_000, 5_000, 10_000]);
      expect(test.name).toBe("fashion-mnist/test");
      expect(test.classNames).toEqual(FASHION_MNIST_CLASSES);
    },
  );
});

describe("loadDataset with a path", () => {
  it("recognises a directory of IDX files, with Fashion-MNIST names when it is called so", async () => {
    const plain = join(dir, "digits");
    const fashion = join(dir, "my-fashion");
    await writeIdxDirectory(plain);
    await writeIdxDirectory(fashion);
    expect(await detectDatasetKind(plain)).toBe("idx");
    expect((await loadDataset(plain)).train.classNames[3]).toBe("3");
    expect((await loadDataset(fashion)).test.classNames).toEqual(FASHION_MNIST_CLASSES);
  });

  it("recognises a directory of CIFAR-10 batches", async () => {
    const path = join(dir, "cifar");
    await mkdir(path);
    const record = new Uint8Array(CIFAR10_RECORD_BYTES);
    await writeFile(join(path, "data_batch_1.bin"), record);
    await writeFile(join(path, "test_batch.bin"), record);
    expect(await detectDatasetKind(path)).toBe("cifar10");
    const { train } = await loadDataset(path);
    expect(train.imageShape).toEqual([32, 32, 3]);
    expect(train.classNames[0]).toBe("airplane");
  });

  it("recognises an image folder and needs the image size for it", async () => {
    const path = join(dir, "pictures");
    for (const [className, count] of [
      ["a", 5],
      ["b", 10],
    ] as const) {
      await mkdir(join(path, className), { recursive: true });
      for (let i = 0; i < count; i++) await writeFile(join(path, className, `${i}.png`), png(i * 20));
    }
    expect(await detectDatasetKind(path)).toBe("image-folder");
    await expectCarveError(loadDataset(path), "INVALID_ARGUMENT", "pictures", "input size", "--image-size");
    const { train, test } = await loadDataset(path, { imageShape: [2, 2, 1], testFraction: 0.4, seed: 3 });
    expect([train.size, test.size]).toEqual([9, 6]);
    expect(test.imageShape).toEqual([2, 2, 1]);
  });

  it("reports a missing path, a file, and a directory that holds no dataset", async () => {
    await expectCarveError(loadDataset(join(dir, "absent")), "NOT_FOUND", "absent", "builtin", "mnist");
    await writeFile(join(dir, "file.bin"), "x");
    await expectCarveError(loadDataset(join(dir, "file.bin")), "INVALID_ARGUMENT", "file.bin", "is a file");
    await mkdir(join(dir, "nothing"));
    await writeFile(join(dir, "nothing", "readme.txt"), "x");
    await expectCarveError(
      loadDataset(join(dir, "nothing")),
      "INVALID_DATA",
      "nothing",
      "not a dataset directory",
    );
  });
});

describe("parseImageShape", () => {
  it("reads HxWxC and HxW (RGB)", () => {
    expect(parseImageShape("28x28x1")).toEqual([28, 28, 1]);
    expect(parseImageShape("224×224")).toEqual([224, 224, 3]);
    expect(parseImageShape(" 32, 16, 3 ")).toEqual([32, 16, 3]);
  });

  it("rejects other channel counts and malformed sizes", () => {
    for (const text of ["32x32x4", "32", "0x5", "axb", "32x32x3x1"]) {
      expect(() => parseImageShape(text)).toThrow(/image size must be HxWxC/);
    }
  });
});
