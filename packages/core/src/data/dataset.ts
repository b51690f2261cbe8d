import * as tf from "@tensorflow/tfjs-core";

/** Height, width, channels of one image. */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** One batch: images NHWC float32 in [0, 1] and integer labels. The caller owns (and disposes) both. */
export interface Batch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** Index of each image of the batch in its dataset, for per-image bookkeeping. */
  indices: Uint32Array;
}

export interface BatchOptions {
  /** Images per batch; the last batch may be smaller. */
  batchSize: number;
  /** Shuffle with this seed; without it images come in dataset order. */
  shuffleSeed?: number;
}

/**
 * A labelled image set that is read in batches: only one batch is ever a tensor, so 60,000+ images never
 * become one tensor. Pixels are stored compactly (uint8 where the source is 8-bit) and converted per batch.
 */
export interface Dataset {
  /** Human-readable name, e.g. "fashion-mnist/test". */
  readonly name: string;
  readonly imageShape: ImageShape;
  readonly classNames: readonly string[];
  readonly size: number;
  /** Label of image `index` (0 ≤ label < classNames.length). */
  label(index: number): number;
  /** All labels, in dataset order. */
  labels(): Int32Array;
  /** Batches in order or shuffled; each batch's tensors belong to the caller. */
  batches(options: BatchOptions): Iterable<Batch>;
  /** A dataset of the images at `indices`, in that order, sharing storage with this one. */
  subset(indices: ArrayLike<number>, name?: string): Dataset;
}

/** Train/test splits of one source; `validation` is held out of training for choosing filters. */
export interface DatasetSplits {
  train: Dataset;
  test: Dataset;
  validation?: Dataset;
}
