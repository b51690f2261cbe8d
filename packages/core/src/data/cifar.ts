/**
 * CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html, "cifar-10-batches-bin"): each record
 * is 1 label byte followed by 3072 pixel bytes, channel-planar (1024 R, then 1024 G, then 1024 B, each 32×32
 * row-major). Records are converted to NHWC on load and kept as uint8 (50,000 training images take 154 MB).
 */
import { basename, join, resolve } from "node:path";

import { CarveError, throwIfAborted } from "../errors.js";
import { progressReporter, type OperationControl } from "../util/operation.js";
import { ArrayDataset } from "./array-dataset.js";
import type { Dataset, DatasetSplits } from "./dataset.js";
import { isFileEntry, listDirectory, readBytes } from "./files.js";

export const CIFAR10_SIDE = 32;
const PLANE = CIFAR10_SIDE * CIFAR10_SIDE;
const IMAGE_BYTES = 3 * PLANE;
/** Bytes per record: one label byte and a 32×32×3 image. */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;

/** CIFAR-10 class names in label order (the contents of batches.meta.txt). */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Images and labels of one or more CIFAR-10 batch files, NHWC uint8. */
export interface CifarRecords {
  pixels: Uint8Array;
  labels: Uint8Array;
}

/**
 * Parses the records of CIFAR-10 batch files (in the order given) into NHWC pixels. `files` pairs each file's
 * bytes with its path, which is only used in error messages. Every label must be < `classCount`.
 */
export function parseCifar10(files: ReadonlyArray<{ path: string; bytes: Uint8Array }>, classCount: number) {
  let total = 0;
  for (const { path, bytes } of files) {
    const records = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    const rest = bytes.length - records * CIFAR10_RECORD_BYTES;
    if (rest !== 0 || records === 0) {
      throw new CarveError(
        "INVALID_DATA",
        `${path}: truncated record: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte ` +
          `CIFAR-10 records (1 label + 3072 pixels); ${records} whole records and ${rest} bytes left over. ` +
          `The file is cut short or not a CIFAR-10 binary batch (CIFAR-100 records have 3074 bytes)`,
      );
    }
    total += records;
  }
  const pixels = new Uint8Array(total * IMAGE_BYTES);
  const labels = new Uint8Array(total);
  let image = 0;
  for (const { path, bytes } of files) {
    const records = bytes.length / CIFAR10_RECORD_BYTES;
    for (let r = 0; r < records; r++, image++) {
      const record = r * CIFAR10_RECORD_BYTES;
      const label = bytes[record]!;
      if (label >= classCount) {
        throw new CarveError(
          "INVALID_DATA",
          `${path}: label ${label} of record ${r} is out of range for ${classCount} classes ` +
            `(expected 0..${classCount - 1})`,
        );
      }
      labels[image] = label;
      const out = image * IMAGE_BYTES;
      for (let p = 0; p < PLANE; p++) {
        pixels[out + 3 * p] = bytes[record + 1 + p]!;
        pixels[out + 3 * p + 1] = bytes[record + 1 + PLANE + p]!;
        pixels[out + 3 * p + 2] = bytes[record + 1 + 2 * PLANE + p]!;
      }
    }
  }
  return { pixels, labels } satisfies CifarRecords;
}

export interface CifarBatchesOptions {
  name: string;
  /** Class names in label order; defaults to {@link CIFAR10_CLASSES}. */
  classNames?: readonly string[];
}

/** Loads CIFAR-10 binary batch files, concatenated in the order given, as one 32×32×3 dataset. */
export async function loadCifar10Batches(
  paths: readonly string[],
  options: CifarBatchesOptions,
): Promise<Dataset> {
  const classNames = options.classNames ?? CIFAR10_CLASSES;
  const files = await Promise.all(paths.map(async (path) => ({ path, bytes: await readBytes(path) })));
  const { pixels, labels } = parseCifar10(files, classNames.length);
  return new ArrayDataset({
    name: options.name,
    imageShape: [CIFAR10_SIDE, CIFAR10_SIDE, 3],
    classNames,
    pixels,
    labels,
  });
}

/** The batch files of a CIFAR-10 binary directory. */
export interface CifarFiles {
  /** data_batch_1.bin … data_batch_N.bin present, in numeric order. */
  train: string[];
  test: string;
  /** batches.meta.txt when present. */
  meta?: string;
}

/**
 * Finds `data_batch_<n>.bin` and `test_batch.bin` in `dir`. Returns undefined when neither kind is there;
 * throws NOT_FOUND when only one kind is.
 */
export async function findCifar10Files(dir: string): Promise<CifarFiles | undefined> {
  const names: string[] = [];
  for (const entry of await listDirectory(dir)) if (await isFileEntry(dir, entry)) names.push(entry.name);
  const train = names
    .map((name) => /^data_batch_(\d+)\.bin$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((match) => join(dir, match[0]));
  const hasTest = names.includes("test_batch.bin");
  if (train.length === 0 && !hasTest) return undefined;
  if (train.length === 0 || !hasTest) {
    throw new CarveError(
      "NOT_FOUND",
      `${dir}: incomplete CIFAR-10 directory, missing ${hasTest ? "data_batch_1.bin … data_batch_5.bin" : "test_batch.bin"}`,
    );
  }
  return {
    train,
    test: join(dir, "test_batch.bin"),
    ...(names.includes("batches.meta.txt") ? { meta: join(dir, "batches.meta.txt") } : {}),
  };
}

/** Class names of batches.meta.txt: one per line, blank lines (the file ends with several) dropped. */
export function parseCifarMeta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

export interface CifarDirectoryOptions {
  /** Prefix of the split names ("<name>/train"); defaults to the directory's name. */
  name?: string;
  /** Class names in label order; defaults to batches.meta.txt when present, else {@link CIFAR10_CLASSES}. */
  classNames?: readonly string[];
}

/**
 * Loads a CIFAR-10 binary directory: every `data_batch_<n>.bin` present (normally 1..5, 50,000 images) as
 * train and `test_batch.bin` (10,000) as test.
 */
export async function loadCifar10Directory(
  dir: string,
  options: CifarDirectoryOptions = {},
  control: OperationControl = {},
): Promise<DatasetSplits> {
  const files = await findCifar10Files(dir);
  if (!files) {
    throw new CarveError(
      "NOT_FOUND",
      `${dir}: no CIFAR-10 files; expected data_batch_1.bin … and test_batch.bin`,
    );
  }
  let classNames = options.classNames;
  if (!classNames && files.meta) {
    classNames = parseCifarMeta((await readBytes(files.meta)).toString("utf8"));
    if (classNames.length === 0) {
      throw new CarveError("INVALID_DATA", `${files.meta}: no class names (expected one name per line)`);
    }
  }
  const name = options.name ?? basename(resolve(dir));
  const report = progressReporter("loading CIFAR-10 batches", 2, control.onProgress);
  throwIfAborted(control.signal, `loading ${dir}`);
  const train = await loadCifar10Batches(files.train, { name: `${name}/train`, classNames });
  report(1);
  throwIfAborted(control.signal, `loading ${dir}`);
  const test = await loadCifar10Batches([files.test], { name: `${name}/test`, classNames });
  report(2);
  return { train, test };
}
