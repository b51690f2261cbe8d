import * as tf from "@tensorflow/tfjs-core";

import { CarveError } from "../errors.js";
import { createRng, permutation } from "../util/random.js";
import type { Batch, BatchOptions, Dataset, ImageShape } from "./dataset.js";

export interface ArrayDatasetArgs {
  name: string;
  imageShape: ImageShape;
  classNames: readonly string[];
  /**
   * Pixels of all images, NHWC, concatenated. Uint8Array is read as 0..255 and scaled to [0, 1] per batch
   * (4× less memory than float for 8-bit sources); Float32Array must already be in [0, 1].
   */
  pixels: Uint8Array | Float32Array;
  labels: Int32Array | Uint8Array;
  /** Which stored images this dataset exposes (a view); all of them when omitted. */
  indices?: Uint32Array;
}

/** A dataset held in memory as one compact pixel buffer; batches are the only tensors it creates. */
export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly imageShape: ImageShape;
  readonly classNames: readonly string[];
  readonly size: number;
  private readonly pixels: Uint8Array | Float32Array;
  private readonly allLabels: Int32Array | Uint8Array;
  private readonly view: Uint32Array | undefined;
  private readonly imageSize: number;

  constructor(args: ArrayDatasetArgs) {
    const [h, w, c] = args.imageShape;
    this.imageSize = h * w * c;
    const stored = args.labels.length;
    if (args.pixels.length !== stored * this.imageSize) {
      throw new CarveError(
        "INVALID_DATA",
        `${args.name}: ${stored} labels need ${stored * this.imageSize} pixel values ` +
          `(${h}×${w}×${c} per image), got ${args.pixels.length}`,
      );
    }
    const classes = args.classNames.length;
    for (let i = 0; i < stored; i++) {
      const label = args.labels[i]!;
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw new CarveError(
          "INVALID_DATA",
          `${args.name}: label ${label} of image ${i} is out of range (expected 0..${classes - 1})`,
        );
      }
    }
    if (args.indices) {
      for (const index of args.indices) {
        if (index >= stored) {
          throw new CarveError("INVALID_ARGUMENT", `${args.name}: index ${index} ≥ ${stored} images`);
        }
      }
    }
    this.name = args.name;
    this.imageShape = args.imageShape;
    this.classNames = args.classNames;
    this.pixels = args.pixels;
    this.allLabels = args.labels;
    this.view = args.indices;
    this.size = args.indices ? args.indices.length : stored;
  }

  private stored(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `${this.name}: image index ${index} outside 0..${this.size - 1}`,
      );
    }
    return this.view ? this.view[index]! : index;
  }

  label(index: number): number {
    return this.allLabels[this.stored(index)]!;
  }

  labels(): Int32Array {
    const out = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.allLabels[this.view ? this.view[i]! : i]!;
    return out;
  }

  *batches(options: BatchOptions): Iterable<Batch> {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new CarveError("INVALID_ARGUMENT", `batchSize must be a positive integer, got ${batchSize}`);
    }
    const order =
      options.shuffleSeed === undefined ? undefined : permutation(this.size, createRng(options.shuffleSeed));
    const [h, w, c] = this.imageShape;
    for (let start = 0; start < this.size; start += batchSize) {
      const n = Math.min(batchSize, this.size - start);
      const indices = new Uint32Array(n);
      const values = new Float32Array(n * this.imageSize);
      const labels = new Int32Array(n);
      const scale = this.pixels instanceof Uint8Array ? 1 / 255 : 1;
      for (let i = 0; i < n; i++) {
        const index = order ? order[start + i]! : start + i;
        indices[i] = index;
        const stored = this.view ? this.view[index]! : index;
        labels[i] = this.allLabels[stored]!;
        const from = stored * this.imageSize;
        if (scale === 1) {
          values.set(this.pixels.subarray(from, from + this.imageSize), i * this.imageSize);
        } else {
          for (let p = 0; p < this.imageSize; p++)
            values[i * this.imageSize + p] = this.pixels[from + p]! * scale;
        }
      }
      yield {
        images: tf.tensor4d(values, [n, h, w, c], "float32"),
        labels: tf.tensor1d(labels, "int32"),
        indices,
      };
    }
  }

  subset(indices: ArrayLike<number>, name?: string): Dataset {
    const mapped = new Uint32Array(indices.length);
    for (let i = 0; i < indices.length; i++) mapped[i] = this.stored(indices[i]!);
    return new ArrayDataset({
      name: name ?? `${this.name}[subset]`,
      imageShape: this.imageShape,
      classNames: this.classNames,
      pixels: this.pixels,
      labels: this.allLabels,
      indices: mapped,
    });
  }
}

/**
 * Splits a dataset into two disjoint parts with a fixed seed, stratified by class so each part keeps the
 * class balance (a held-out part that lacks a class would make class-wise CAR undefined for it). Each part
 * is in a seeded random order.
 */
export function splitDataset(
  dataset: Dataset,
  fraction: number,
  seed: number,
  names: readonly [string, string] = [`${dataset.name}/a`, `${dataset.name}/b`],
): [Dataset, Dataset] {
  if (!(fraction > 0 && fraction < 1)) {
    throw new CarveError("INVALID_ARGUMENT", `split fraction must be in (0, 1), got ${fraction}`);
  }
  const labels = dataset.labels();
  const byClass: number[][] = dataset.classNames.map(() => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
  const rng = createRng(seed);
  const first: number[] = [];
  const second: number[] = [];
  for (const members of byClass) {
    const order = permutation(members.length, rng);
    const cut = Math.round(members.length * fraction);
    order.forEach((position, rank) => (rank < cut ? first : second).push(members[position]!));
  }
  // Each part comes in a seeded random order, not source order: sources such as the mnist package store
  // images class by class, and a prefix of a part (the first N images) should still be a fair sample.
  const shuffled = (part: number[]) => Array.from(permutation(part.length, rng), (i) => part[i]!);
  return [dataset.subset(shuffled(first), names[0]), dataset.subset(shuffled(second), names[1])];
}
