import "@tensorflow/tfjs-backend-cpu";

import * as tf from "@tensorflow/tfjs-core";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CarveError } from "../errors.js";
import {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  findCifar10Files,
  loadCifar10Batches,
  loadCifar10Directory,
  parseCifarMeta,
} from "./cifar.js";

/** Planar value of channel c at (y, x) in record `seed`: distinct enough to catch a layout mix-up. */
const planar = (seed: number, c: number, y: number, x: number) => (seed * 17 + c * 85 + y * 5 + x * 3) % 256;

function records(labels: number[], firstSeed = 0): Buffer {
  const bytes = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, r) => {
    const start = r * CIFAR10_RECORD_BYTES;
    bytes[start] = label;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++)
          bytes[start + 1 + c * 1024 + y * 32 + x] = planar(firstSeed + r, c, y, x);
      }
    }
  });
  return bytes;
}

async function expectCarveError(promise: Promise<unknown>, code: string, ...fragments: string[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CarveError);
  expect((error as CarveError).code).toBe(code);
  for (const fragment of fragments) expect((error as CarveError).message).toContain(fragment);
}

let dir: string;

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "carve-cifar-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeCifarDirectory(path: string, meta?: string) {
  await mkdir(path, { recursive: true });
  // Batches written out of numeric order on purpose (10 after 2) to check they are read 1, 2, …, 10.
  await writeFile(join(path, "data_batch_1.bin"), records([0, 1, 2], 0));
  await writeFile(join(path, "data_batch_2.bin"), records([3, 4], 3));
  await writeFile(join(path, "data_batch_10.bin"), records([9], 5));
  await writeFile(join(path, "test_batch.bin"), records([5, 6, 7, 8], 100));
  if (meta !== undefined) await writeFile(join(path, "batches.meta.txt"), meta);
}

describe("loadCifar10Directory", () => {
  it("converts channel-planar records to NHWC and reads the batches in numeric order", async () => {
    const path = join(dir, "cifar-10-batches-bin");
    await writeCifarDirectory(path);
    const { train, test } = await loadCifar10Directory(path);
    expect(train.name).toBe("cifar-10-batches-bin/train");
    expect(train.imageShape).toEqual([32, 32, 3]);
    expect(train.classNames).toEqual(CIFAR10_CLASSES);
    expect([...train.labels()]).toEqual([0, 1, 2, 3, 4, 9]);
    expect([...test.labels()]).toEqual([5, 6, 7, 8]);
    const before = tf.memory().numTensors;
    for (const batch of train.batches({ batchSize: 4 })) {
      const values = batch.images.arraySync();
      batch.indices.forEach((index, i) => {
        for (const [y, x] of [
          [0, 0],
          [7, 19],
          [31, 31],
        ] as const) {
          for (let c = 0; c < 3; c++)
            expect(values[i]![y]![x]![c]).toBeCloseTo(planar(index, c, y, x) / 255, 6);
        }
      });
      tf.dispose([batch.images, batch.labels]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("takes class names from batches.meta.txt, ignoring its trailing blank lines", async () => {
    const names = "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n\n";
    const path = join(dir, "with-meta");
    await writeCifarDirectory(path, names);
    const { test } = await loadCifar10Directory(path);
    expect(test.classNames[0]).toBe("plane");
    expect(test.classNames).toHaveLength(10);
    expect(parseCifarMeta("a\r\nb\r\n\r\n")).toEqual(["a", "b"]);
  });

  it("rejects a truncated record, naming the file and the byte counts", async () => {
    const path = join(dir, "truncated");
    await writeCifarDirectory(path);
    await writeFile(
      join(path, "test_batch.bin"),
      records([1, 2]).subarray(0, 2 * CIFAR10_RECORD_BYTES - 100),
    );
    await expectCarveError(
      loadCifar10Directory(path),
      "INVALID_DATA",
      "test_batch.bin",
      "truncated record",
      "6046 bytes",
      "1 whole records and 2973 bytes left over",
    );
  });

  it("rejects a label out of range, naming the file and the record", async () => {
    const path = join(dir, "bad-label");
    await writeCifarDirectory(path);
    await writeFile(join(path, "data_batch_2.bin"), records([3, 10]));
    await expectCarveError(
      loadCifar10Directory(path),
      "INVALID_DATA",
      "data_batch_2.bin",
      "label 10 of record 1 is out of range for 10 classes",
    );
  });

  it("checks labels against the class list of batches.meta.txt", async () => {
    const path = join(dir, "short-meta");
    await writeCifarDirectory(path, "a\nb\nc\n");
    await expectCarveError(
      loadCifar10Directory(path),
      "INVALID_DATA",
      "data_batch_2.bin",
      "label 3 of record 0",
      "out of range for 3",
    );
  });

  it("names the missing part of an incomplete directory and ignores a directory without batches", async () => {
    const path = join(dir, "no-test");
    await writeCifarDirectory(path);
    await rm(join(path, "test_batch.bin"));
    await expectCarveError(loadCifar10Directory(path), "NOT_FOUND", "no-test", "test_batch.bin");
    const empty = join(dir, "nothing");
    await mkdir(empty);
    expect(await findCifar10Files(empty)).toBeUndefined();
    await expectCarveError(loadCifar10Directory(empty), "NOT_FOUND", "no CIFAR-10 files");
  });

  it("loads explicit batch files with loadCifar10Batches", async () => {
    await writeFile(join(dir, "one.bin"), records([7, 7]));
    const dataset = await loadCifar10Batches([join(dir, "one.bin")], {
      name: "one",
      classNames: CIFAR10_CLASSES,
    });
    expect(dataset.size).toBe(2);
    expect(dataset.label(1)).toBe(7);
    await expectCarveError(
      loadCifar10Batches([join(dir, "absent.bin")], { name: "x" }),
      "NOT_FOUND",
      "absent.bin",
    );
  });
});
