/**
 * IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header
 * (magic number, then one uint32 per dimension) followed by unsigned bytes. Gzip is detected by content, so
 * `train-images-idx3-ubyte` may be compressed whatever its name says.
 */
import { basename, join, resolve } from "node:path";

import { CarveError, throwIfAborted } from "../errors.js";
import { progressReporter, type OperationControl } from "../util/operation.js";
import { ArrayDataset } from "./array-dataset.js";
import type { Dataset, DatasetSplits } from "./dataset.js";
import { hexPrefix, isFileEntry, listDirectory, readBytes } from "./files.js";

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images × rows × columns). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 2049;

/** Class names of MNIST digits: the label is the digit. */
export const DIGIT_CLASSES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Class names of Fashion-MNIST in label order (from zalandoresearch/fashion-mnist's README). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** Images of one IDX file; `pixels` is a view into the file's bytes (no copy), row-major, one channel. */
export interface IdxImages {
  count: number;
  rows: number;
  columns: number;
  pixels: Uint8Array;
}

function magicDescription(magic: number): string {
  return `${magic} (bytes ${[24, 16, 8, 0].map((s) => ((magic >>> s) & 0xff).toString(16).padStart(2, "0")).join(" ")})`;
}

function checkMagic(bytes: Uint8Array, file: string, expected: number, kind: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = bytes.length >= 4 ? view.getUint32(0, false) : undefined;
  if (found === expected) return;
  const hint =
    found === IDX_LABELS_MAGIC
      ? "; this is an IDX label file, were the images and labels swapped?"
      : found === IDX_IMAGES_MAGIC
        ? "; this is an IDX image file, were the images and labels swapped?"
        : "";
  throw new CarveError(
    "INVALID_DATA",
    `${file}: not an IDX ${kind} file: bad magic number, expected ${magicDescription(expected)}, ` +
      `found bytes ${hexPrefix(bytes)}${hint}`,
  );
}

function headerField(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

function checkHeaderLength(bytes: Uint8Array, file: string, header: number): void {
  if (bytes.length < header) {
    throw new CarveError(
      "INVALID_DATA",
      `${file}: truncated file: the IDX header needs ${header} bytes, only ${bytes.length} present`,
    );
  }
}

function checkBodyLength(bytes: Uint8Array, file: string, header: number, declared: string, needed: number) {
  const present = bytes.length - header;
  if (present < needed) {
    throw new CarveError(
      "INVALID_DATA",
      `${file}: truncated file: the header declares ${declared} = ${needed} bytes, only ${present} present; ` +
        `the file is cut short, download it again`,
    );
  }
  if (present > needed) {
    throw new CarveError(
      "INVALID_DATA",
      `${file}: ${present - needed} bytes after the ${declared} the header declares; not a valid IDX file`,
    );
  }
}

/** Parses the (already decompressed) bytes of an IDX image file; `file` is only used in error messages. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  checkMagic(bytes, file, IDX_IMAGES_MAGIC, "image");
  checkHeaderLength(bytes, file, 16);
  const count = headerField(bytes, 4);
  const rows = headerField(bytes, 8);
  const columns = headerField(bytes, 12);
  if (rows === 0 || columns === 0) {
    throw new CarveError(
      "INVALID_DATA",
      `${file}: the header declares ${rows}×${columns} images; expected both > 0`,
    );
  }
  const needed = count * rows * columns;
  checkBodyLength(bytes, file, 16, `${count} images of ${rows}×${columns}`, needed);
  return { count, rows, columns, pixels: new Uint8Array(bytes.buffer, bytes.byteOffset + 16, needed) };
}

/** Parses the (already decompressed) bytes of an IDX label file; the result is a view into `bytes`. */
export function parseIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  checkMagic(bytes, file, IDX_LABELS_MAGIC, "label");
  checkHeaderLength(bytes, file, 8);
  const count = headerField(bytes, 4);
  checkBodyLength(bytes, file, 8, `${count} labels`, count);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + 8, count);
}

export interface IdxPairOptions {
  /** Dataset name, e.g. "fashion-mnist/test"; defaults to the image file's name without extensions. */
  name?: string;
  /** Class names in label order; every label must index into it. Defaults to the digits "0".."9". */
  classNames?: readonly string[];
}

/**
 * Loads one images file and its labels file (each gzipped or not) as a dataset of uint8 pixels, shape
 * [rows, columns, 1]. Memory is one byte per pixel: 60,000 28×28 images take 47 MB.
 */
export async function loadIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: IdxPairOptions = {},
): Promise<Dataset> {
  const classNames = options.classNames ?? DIGIT_CLASSES;
  const [imageBytes, labelBytes] = await Promise.all([
    readBytes(imagesPath, { gunzip: true }),
    readBytes(labelsPath, { gunzip: true }),
  ]);
  const images = parseIdxImages(imageBytes, imagesPath);
  const labels = parseIdxLabels(labelBytes, labelsPath);
  if (images.count !== labels.length) {
    throw new CarveError(
      "INVALID_DATA",
      `image/label count mismatch: ${imagesPath} holds ${images.count} images but ${labelsPath} holds ` +
        `${labels.length} labels; pair images and labels of the same set (train with train, t10k with t10k)`,
    );
  }
  const outOfRange = labels.findIndex((label) => label >= classNames.length);
  if (outOfRange >= 0) {
    const max = labels.reduce((a, b) => Math.max(a, b), 0);
    throw new CarveError(
      "INVALID_DATA",
      `${labelsPath}: label ${labels[outOfRange]} of item ${outOfRange} is out of range for ` +
        `${classNames.length} classes (expected 0..${classNames.length - 1}); the largest label is ${max}, ` +
        `pass ${max + 1} class names if the data really has that many classes`,
    );
  }
  return new ArrayDataset({
    name: options.name ?? basename(imagesPath).replace(/\..*$/, ""),
    imageShape: [images.rows, images.columns, 1],
    classNames,
    pixels: images.pixels,
    labels,
  });
}

/** Paths of the four standard IDX files of a directory. */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

const IDX_ROLES = {
  trainImages: ["train", "images", 3],
  trainLabels: ["train", "labels", 1],
  testImages: ["t10k", "images", 3],
  testLabels: ["t10k", "labels", 1],
} as const;

/** Accepted names for one role, preferred first: the LeCun names, the dotted variant, each optionally .gz. */
function candidateNames(prefix: string, kind: string, dims: number): string[] {
  const bases = [`${prefix}-${kind}-idx${dims}-ubyte`, `${prefix}-${kind}.idx${dims}-ubyte`];
  return bases.flatMap((base) => [base, `${base}.gz`]);
}

/**
 * Finds the standard MNIST file names in `dir` (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally `.gz`, also with `.idx` instead of
 * `-idx`). Returns undefined when none is there; throws NOT_FOUND naming what is missing when only some are.
 */
export async function findIdxFiles(dir: string): Promise<IdxFiles | undefined> {
  const entries = await listDirectory(dir);
  const files = new Set<string>();
  for (const entry of entries) if (await isFileEntry(dir, entry)) files.add(entry.name);
  const found: Partial<IdxFiles> = {};
  const missing: string[] = [];
  for (const [role, [prefix, kind, dims]] of Object.entries(IDX_ROLES)) {
    const names = candidateNames(prefix, kind, dims);
    const name = names.find((candidate) => files.has(candidate));
    if (name) found[role as keyof IdxFiles] = join(dir, name);
    else missing.push(`${names[0]}(.gz)`);
  }
  if (missing.length === 4) return undefined;
  if (missing.length > 0) {
    throw new CarveError(
      "NOT_FOUND",
      `${dir}: incomplete IDX dataset, missing ${missing.join(", ")}; present: ${[...files].join(", ") || "nothing"}`,
    );
  }
  return found as IdxFiles;
}

export interface IdxDirectoryOptions {
  /** Prefix of the split names ("<name>/train"); defaults to the directory's name. */
  name?: string;
  /**
   * Class names in label order. Defaults to {@link FASHION_MNIST_CLASSES} when the directory's own name
   * contains "fashion" (as in /usr/share/datasets/fashion-mnist), otherwise to the digits "0".."9".
   */
  classNames?: readonly string[];
}

/** Loads the train (60,000 for MNIST) and t10k (10,000) sets of an MNIST-style directory. */
export async function loadIdxDirectory(
  dir: string,
  options: IdxDirectoryOptions = {},
  control: OperationControl = {},
): Promise<DatasetSplits> {
  const files = await findIdxFiles(dir);
  if (!files) {
    throw new CarveError(
      "NOT_FOUND",
      `${dir}: no IDX files; expected train-images-idx3-ubyte, train-labels-idx1-ubyte, ` +
        `t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)`,
    );
  }
  const folder = basename(resolve(dir));
  const name = options.name ?? folder;
  const classNames =
    options.classNames ?? (folder.toLowerCase().includes("fashion") ? FASHION_MNIST_CLASSES : DIGIT_CLASSES);
  const report = progressReporter("loading IDX files", 2, control.onProgress);
  throwIfAborted(control.signal, `loading ${dir}`);
  const train = await loadIdxPair(files.trainImages, files.trainLabels, {
    name: `${name}/train`,
    classNames,
  });
  report(1);
  throwIfAborted(control.signal, `loading ${dir}`);
  const test = await loadIdxPair(files.testImages, files.testLabels, { name: `${name}/test`, classNames });
  report(2);
  if (train.imageShape.join() !== test.imageShape.join()) {
    throw new CarveError(
      "INVALID_DATA",
      `${dir}: train images are ${train.imageShape.join("×")} but test images are ${test.imageShape.join("×")}`,
    );
  }
  return { train, test };
}
