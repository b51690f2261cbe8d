/**
 * A folder of PNG/JPEG images with one sub-folder per class (the layout of torchvision's ImageFolder and
 * Keras' image_dataset_from_directory), decoded with pure-JS codecs and resized to the model's input shape.
 *
 * Layout rules:
 * - class names are the sub-folder names sorted by code unit (locale-independent, so labels do not change
 *   between machines); entries starting with "." are ignored;
 * - a folder whose sub-folders include both `train` and `test` is taken as already split (each holding
 *   class sub-folders; `validation` or `val` is loaded too when present);
 * - inside a class folder, files ending .png, .jpg or .jpeg (any case) are images, whatever their content
 *   turns out to be (PNG and JPEG are told apart by their magic bytes); other image formats (.gif, .bmp,
 *   .webp, .tif, …) are reported as errors, because silently dropping images the user meant to include
 *   would change the class balance; every other file (README.txt, Thumbs.db, …) is ignored, and so are
 *   nested sub-folders.
 */
import { basename, extname, join, resolve } from "node:path";

import { decode as decodeJpeg } from "jpeg-js";
import { PNG } from "pngjs";

import { CarveError, throwIfAborted } from "../errors.js";
import { progressReporter, type OperationControl } from "../util/operation.js";
import { ArrayDataset, splitDataset } from "./array-dataset.js";
import { LUMA_WEIGHTS } from "./color.js";
import type { Dataset, DatasetSplits, ImageShape } from "./dataset.js";
import { hexPrefix, isDirectoryEntry, isFileEntry, listDirectory, readBytes } from "./files.js";

/** File extensions read as images (compared lower-cased). */
export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg"];

/** Image formats that are recognised by extension but not decoded: their presence is an error. */
const UNSUPPORTED_IMAGE_EXTENSIONS = new Set([
  ".gif",
  ".bmp",
  ".webp",
  ".tif",
  ".tiff",
  ".heic",
  ".heif",
  ".avif",
  ".ico",
  ".svg",
]);

/** An 8-bit RGBA image as the codecs return it (grayscale and palette images are expanded to RGBA). */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Decodes PNG or JPEG bytes, chosen by their magic bytes; `file` is named in errors. 16-bit PNG → 8-bit. */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  const isPng =
    bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new CarveError(
      "INVALID_DATA",
      `${file}: corrupt or unsupported image: not a PNG (89 50 4e 47) or JPEG (ff d8 ff), ` +
        `starts with bytes ${hexPrefix(bytes)}`,
    );
  }
  const format = isPng ? "PNG" : "JPEG";
  let image: DecodedImage;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      image = { width: png.width, height: png.height, rgba: png.data };
    } else {
      const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true });
      image = { width: jpeg.width, height: jpeg.height, rgba: jpeg.data };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CarveError(
      "INVALID_DATA",
      `${file}: corrupt ${format} image, cannot decode it (${message}); re-export or remove the file`,
      { cause: error },
    );
  }
  if (image.width < 1 || image.height < 1 || image.rgba.length < image.width * image.height * 4) {
    throw new CarveError(
      "INVALID_DATA",
      `${file}: corrupt ${format} image: decoded ${image.width}×${image.height} with ${image.rgba.length} bytes`,
    );
  }
  return image;
}

/** Source coordinates and weights of bilinear sampling with half-pixel centres (as PIL and TF2). */
function samplingGrid(outSize: number, inSize: number) {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const weight = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const source = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const l = Math.floor(source);
    low[o] = l;
    high[o] = Math.min(l + 1, inSize - 1);
    weight[o] = source - l;
  }
  return { low, high, weight };
}

/**
 * Resizes `image` to `shape` by bilinear interpolation (half-pixel centres; downscaling by much more than
 * 2× aliases, as any plain bilinear resize does) and writes it as uint8 NHWC into `out` at `offset`.
 * Channels: 3 keeps R, G, B; 1 takes Rec. 601 luma ({@link LUMA_WEIGHTS}) of the interpolated RGB. Alpha is
 * dropped without compositing: a transparent pixel keeps whatever colour it stores.
 */
export function resizeImage(image: DecodedImage, shape: ImageShape, out: Uint8Array, offset = 0): void {
  const [height, width, channels] = shape;
  const rows = samplingGrid(height, image.height);
  const cols = samplingGrid(width, image.width);
  const { rgba } = image;
  const stride = image.width * 4;
  const rgb = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    const top = rows.low[y]! * stride;
    const bottom = rows.high[y]! * stride;
    const wy = rows.weight[y]!;
    for (let x = 0; x < width; x++) {
      const left = cols.low[x]! * 4;
      const right = cols.high[x]! * 4;
      const wx = cols.weight[x]!;
      for (let c = 0; c < 3; c++) {
        const upper = rgba[top + left + c]! * (1 - wx) + rgba[top + right + c]! * wx;
        const lower = rgba[bottom + left + c]! * (1 - wx) + rgba[bottom + right + c]! * wx;
        rgb[c] = upper * (1 - wy) + lower * wy;
      }
      const at = offset + (y * width + x) * channels;
      if (channels === 1) {
        out[at] = Math.round(
          LUMA_WEIGHTS[0] * rgb[0]! + LUMA_WEIGHTS[1] * rgb[1]! + LUMA_WEIGHTS[2] * rgb[2]!,
        );
      } else {
        out[at] = Math.round(rgb[0]!);
        out[at + 1] = Math.round(rgb[1]!);
        out[at + 2] = Math.round(rgb[2]!);
      }
    }
  }
}

function checkImageShape(shape: ImageShape): void {
  const [h, w, c] = shape;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || (c !== 1 && c !== 3)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `imageShape must be [height, width, 1 or 3] with positive integer sizes, got [${shape.join(", ")}]`,
    );
  }
}

interface ClassFiles {
  className: string;
  files: string[];
}

function isHidden(name: string): boolean {
  return name.startsWith(".");
}

async function subfolders(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await listDirectory(dir)) {
    if (!isHidden(entry.name) && (await isDirectoryEntry(dir, entry))) names.push(entry.name);
  }
  return names;
}

async function listClassFiles(dir: string): Promise<ClassFiles[]> {
  const classNames = await subfolders(dir);
  if (classNames.length === 0) {
    throw new CarveError(
      "INVALID_DATA",
      `${dir}: no class folders; an image folder needs one sub-folder per class holding its images, ` +
        `e.g. ${join(dir, "cat", "001.png")}`,
    );
  }
  const classes: ClassFiles[] = [];
  for (const className of classNames) {
    const classDir = join(dir, className);
    const files: string[] = [];
    const ignored: string[] = [];
    for (const entry of await listDirectory(classDir)) {
      if (isHidden(entry.name) || !(await isFileEntry(classDir, entry))) continue;
      const extension = extname(entry.name).toLowerCase();
      if (IMAGE_EXTENSIONS.includes(extension)) files.push(join(classDir, entry.name));
      else if (UNSUPPORTED_IMAGE_EXTENSIONS.has(extension)) {
        throw new CarveError(
          "INVALID_DATA",
          `${join(classDir, entry.name)}: unsupported image format ${extension}; only PNG and JPEG are read, ` +
            `convert the image or move it out of the folder`,
        );
      } else ignored.push(entry.name);
    }
    if (files.length === 0) {
      const detail = ignored.length > 0 ? ` (ignored: ${ignored.slice(0, 5).join(", ")})` : "";
      throw new CarveError(
        "INVALID_DATA",
        `${classDir}: empty class folder: class "${className}" has no .png/.jpg/.jpeg images${detail}; ` +
          `add images or remove the folder`,
      );
    }
    classes.push({ className, files });
  }
  return classes;
}

/** Files read concurrently; decoding itself is synchronous, so more would only hold more bytes in memory. */
const READ_AHEAD = 8;

export interface ImageClassFolderOptions {
  /** The model's input [height, width, channels]; every image is resized to it. Channels 1 or 3. */
  imageShape: ImageShape;
  /** Dataset name; defaults to the folder's name. */
  name?: string;
  /**
   * Fixed class list, used so a test folder gets the labels of its train folder. Every sub-folder must be
   * in it; classes without a sub-folder are allowed. Defaults to the sorted sub-folder names.
   */
  classNames?: readonly string[];
}

/** Loads one folder of class sub-folders as a uint8 dataset, in class order then file-name order. */
export async function loadImageClassFolder(
  dir: string,
  options: ImageClassFolderOptions,
  control: OperationControl = {},
): Promise<Dataset> {
  checkImageShape(options.imageShape);
  const classes = await listClassFiles(dir);
  const classNames = options.classNames ?? classes.map((entry) => entry.className);
  const files: Array<{ path: string; label: number }> = [];
  for (const { className, files: paths } of classes) {
    const label = classNames.indexOf(className);
    if (label < 0) {
      throw new CarveError(
        "INVALID_DATA",
        `${join(dir, className)}: class "${className}" is not among the expected classes ` +
          `(${classNames.join(", ")}); a test folder may only hold classes of its train folder`,
      );
    }
    for (const path of paths) files.push({ path, label });
  }
  const [h, w, c] = options.imageShape;
  const imageSize = h * w * c;
  const pixels = new Uint8Array(files.length * imageSize);
  const labels = new Int32Array(files.length);
  const report = progressReporter(`loading images of ${dir}`, files.length, control.onProgress);
  for (let start = 0; start < files.length; start += READ_AHEAD) {
    throwIfAborted(control.signal, `loading ${dir}`);
    const chunk = files.slice(start, start + READ_AHEAD);
    const contents = await Promise.all(chunk.map(({ path }) => readBytes(path)));
    chunk.forEach(({ path, label }, i) => {
      const index = start + i;
      resizeImage(decodeImage(contents[i]!, path), options.imageShape, pixels, index * imageSize);
      labels[index] = label;
    });
    report(start + chunk.length);
  }
  return new ArrayDataset({
    name: options.name ?? basename(resolve(dir)),
    imageShape: options.imageShape,
    classNames,
    pixels,
    labels,
  });
}

export interface ImageFolderSplitOptions {
  /** Fraction of each class held out as test, in (0, 1). */
  testFraction: number;
  seed: number;
}

export interface ImageFolderOptions {
  /** The model's input [height, width, channels]; every image is resized to it. Channels 1 or 3. */
  imageShape: ImageShape;
  /** Prefix of the split names ("<name>/train"); defaults to the folder's name. */
  name?: string;
  /**
   * How to split a folder that is not already split into train/ and test/: stratified by class and seeded
   * ({@link splitDataset}). Defaults to `{ testFraction: 0.2, seed: 1234 }`. Ignored for pre-split folders.
   */
  split?: ImageFolderSplitOptions;
}

/** The default split of an unsplit image folder. */
export const DEFAULT_IMAGE_FOLDER_SPLIT: Readonly<ImageFolderSplitOptions> = {
  testFraction: 0.2,
  seed: 1234,
};

/**
 * Loads an image folder as train/test splits: from its train/ and test/ (and validation/ or val/)
 * sub-folders when it has both train and test, else by a seeded, stratified split of its class folders.
 */
export async function loadImageFolder(
  dir: string,
  options: ImageFolderOptions,
  control: OperationControl = {},
): Promise<DatasetSplits> {
  checkImageShape(options.imageShape);
  const name = options.name ?? basename(resolve(dir));
  const children = await subfolders(dir);
  if (children.includes("train") && children.includes("test")) {
    const train = await loadImageClassFolder(
      join(dir, "train"),
      { imageShape: options.imageShape, name: `${name}/train` },
      control,
    );
    const same = { imageShape: options.imageShape, classNames: train.classNames };
    const test = await loadImageClassFolder(join(dir, "test"), { ...same, name: `${name}/test` }, control);
    const validationDir = children.includes("validation")
      ? "validation"
      : children.includes("val")
        ? "val"
        : "";
    if (!validationDir) return { train, test };
    const validation = await loadImageClassFolder(
      join(dir, validationDir),
      { ...same, name: `${name}/validation` },
      control,
    );
    return { train, test, validation };
  }
  const split = options.split ?? DEFAULT_IMAGE_FOLDER_SPLIT;
  const all = await loadImageClassFolder(dir, { imageShape: options.imageShape, name }, control);
  const [test, train] = splitDataset(all, split.testFraction, split.seed, [`${name}/test`, `${name}/train`]);
  return { train, test };
}

/** Whether `dir` looks like an image folder: it has at least one (non-hidden) sub-folder. */
export async function hasClassFolders(dir: string): Promise<boolean> {
  return (await subfolders(dir)).length > 0;
}
