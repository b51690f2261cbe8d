/**
 * Top-activating patches: for filters of a convolution, the dataset images (and positions) where the filter
 * responds most, with the input patch under the receptive field of each position — the usual way to see what
 * a filter detects (Zeiler & Fergus 2014), and the companion of CAR's class-wise importances.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { type OperationControl, checkpoint, progressReporter } from "../util/operation.js";
import { removalPointLayer } from "./model-layers.js";
import { type PixelBox, type ReceptiveField, receptiveField, receptiveFieldBox } from "./receptive-field.js";
import { type RgbaImage, pixelsToImage } from "./rgba-image.js";
import { type RankedActivation, RunningTopK } from "./running-top-k.js";

export interface TopPatchesOptions {
  /** The convolution whose filters are ranked; activations are read at its removal point (see below). */
  layerName: string;
  /** Filters (output channels) to rank, each in one pass over the data together; default all. */
  filters?: readonly number[];
  /** Patches per filter; default 9. */
  k?: number;
  /**
   * At most one patch per image, at its strongest position (default true): neighbouring positions of one
   * image usually have nearly equal activations, and k copies of one stroke say less than k images. With
   * false the k strongest (image, position) pairs are kept, several per image allowed.
   */
  distinctImages?: boolean;
  /** Images per forward pass; default 64. */
  batchSize?: number;
}

/** One of a filter's strongest activations and the input it saw. */
export interface ActivatingPatch {
  filter: number;
  /** 0 for the strongest. */
  rank: number;
  /** Index of the image in the dataset that was scanned. */
  imageIndex: number;
  label: number;
  className: string;
  /** Position in the removal-point output (rows × columns of `receptiveField.outputSize`). */
  row: number;
  column: number;
  /** The activation there, read at the removal point (after BatchNormalization/activations). */
  activation: number;
  /** The receptive field of that position in input pixels; it may reach past the border (padding). */
  box: PixelBox;
  /** The input under `box`, box.height × box.width × channels floats in [0, 1] (HWC); 0 outside the image. */
  pixels: Float32Array;
  /** box.height × box.width flags: 1 where the pixel lies inside the image, 0 in the padding. */
  inside: Uint8Array;
}

export interface FilterPatches {
  filter: number;
  /** Strongest first; fewer than k only when the dataset has fewer candidates. */
  patches: ActivatingPatch[];
}

export interface TopPatchesResult {
  layerName: string;
  /** The layer whose output was read: `layerName` or the BatchNormalization/activation after it. */
  removalPoint: string;
  receptiveField: ReceptiveField;
  /** Channels of every patch (the dataset's). */
  channels: number;
  /** Images scanned. */
  images: number;
  /** One entry per requested filter, in the order requested. */
  filters: FilterPatches[];
}

function checkPositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new CarveError("INVALID_ARGUMENT", `${name} must be a positive integer, got ${value}`);
  }
}

function checkInputShape(model: tfl.LayersModel, dataset: Dataset): void {
  const expected = model.inputs[0]!.shape.slice(1);
  const got = dataset.imageShape;
  if (expected.length !== 3 || !expected.every((dim, i) => dim === null || dim === got[i])) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `model "${model.name}" expects images of shape [${expected.join(", ")}] but dataset ` +
        `"${dataset.name}" has [${got.join(", ")}]`,
    );
  }
}

/** The candidates one batch contributes: per image and filter, `perImage` (value, flat position) pairs. */
interface BatchCandidates {
  values: Float32Array;
  positions: Int32Array;
  perImage: number;
}

/**
 * Reduces one batch on the device so only n × filters × perImage numbers come back, not whole feature maps:
 * the running top-k never needs more, and reading back full maps would dominate the time.
 */
async function batchCandidates(
  layerOutput: tfl.LayersModel,
  images: tf.Tensor4D,
  channels: tf.Tensor1D,
  perImage: number,
): Promise<BatchCandidates> {
  const [values, positions] = tf.tidy(() => {
    const n = images.shape[0];
    const maps = layerOutput.predict(images, { batchSize: n }) as tf.Tensor4D;
    const [, h, w] = maps.shape;
    const chosen = tf.gather(maps, channels, 3);
    const perFilter = tf.transpose(tf.reshape(chosen, [n, h * w, channels.shape[0]]), [0, 2, 1]);
    // argMax and topk both put the smallest index first among equal values (checked on cpu and wasm), the
    // same tie rule as the running top-k.
    if (perImage === 1) return [tf.max(perFilter, 2), tf.argMax(perFilter, 2)];
    const top = tf.topk(perFilter, perImage);
    return [top.values, top.indices];
  });
  try {
    const [v, p] = await Promise.all([values.data(), positions.data()]);
    return { values: Float32Array.from(v), positions: Int32Array.from(p), perImage };
  } finally {
    values.dispose();
    positions.dispose();
  }
}

/** Cuts the receptive-field box out of one HWC image; 0 (and `inside` 0) where the box leaves the image. */
function cutPatch(
  image: Float32Array,
  imageHeight: number,
  imageWidth: number,
  channels: number,
  box: PixelBox,
): { pixels: Float32Array; inside: Uint8Array } {
  const pixels = new Float32Array(box.height * box.width * channels);
  const inside = new Uint8Array(box.height * box.width);
  for (let dy = 0; dy < box.height; dy++) {
    const y = box.top + dy;
    if (y < 0 || y >= imageHeight) continue;
    for (let dx = 0; dx < box.width; dx++) {
      const x = box.left + dx;
      if (x < 0 || x >= imageWidth) continue;
      const p = dy * box.width + dx;
      inside[p] = 1;
      const from = (y * imageWidth + x) * channels;
      pixels.set(image.subarray(from, from + channels), p * channels);
    }
  }
  return { pixels, inside };
}

/**
 * The k images (or image positions) of `dataset` where each filter of `layerName` responds most, and the
 * input patches behind them.
 *
 * Activations are read at the filter's removal point: the convolution's output after its own activation, and
 * after the BatchNormalization/activation layers that directly follow it (BatchNormalization with a negative
 * scale reverses the order, so reading before it would rank the wrong images). Works in two passes: first
 * all images in batches, keeping only a running top-k per filter; then only the chosen images again, to cut
 * the patches. Checks `control.signal` between batches, reports progress per batch ("ranking", then
 * "cutting patches") and leaves no tensor behind. Ties rank the smaller image index, then the smaller
 * position, first.
 */
export async function topActivatingPatches(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: TopPatchesOptions,
  control: OperationControl = {},
): Promise<TopPatchesResult> {
  const k = options.k ?? 9;
  const batchSize = options.batchSize ?? 64;
  checkPositiveInteger(k, "k");
  checkPositiveInteger(batchSize, "batchSize");
  checkInputShape(model, dataset);
  const removal = removalPointLayer(model, options.layerName);
  const field = receptiveField(model, removal.name);
  const outputShape = removal.outputShape as (number | null)[];
  const filterCount = outputShape[3] ?? 0;
  const filters = options.filters ?? Array.from({ length: filterCount }, (_, i) => i);
  if (filters.length === 0) {
    throw new CarveError("INVALID_ARGUMENT", `no filters given for layer "${options.layerName}"`);
  }
  for (const f of filters) {
    if (!Number.isInteger(f) || f < 0 || f >= filterCount) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `filter ${f} is outside 0..${filterCount - 1} of layer "${options.layerName}"`,
      );
    }
  }
  const [outH, outW] = field.outputSize;
  const perImage = options.distinctImages === false ? Math.min(k, outH * outW) : 1;
  // A view of the model ending at the removal point; it shares the model's layers and weights and owns no
  // tensors, so it is never disposed (disposing it would release the shared layers).
  const layerOutput = tfl.model({ inputs: model.inputs, outputs: removal.output as tfl.SymbolicTensor });
  const tops = filters.map(() => new RunningTopK(k));
  const ranking = progressReporter(
    `ranking ${removal.name} activations on ${dataset.name}`,
    dataset.size,
    control.onProgress,
  );
  const channels = tf.tensor1d(Array.from(filters), "int32");
  let done = 0;
  try {
    for (const batch of dataset.batches({ batchSize })) {
      let candidates: BatchCandidates;
      try {
        await checkpoint(control.signal, `top-activating patches of ${options.layerName}`);
        candidates = await batchCandidates(layerOutput, batch.images, channels, perImage);
      } finally {
        batch.images.dispose();
        batch.labels.dispose();
      }
      const n = batch.indices.length;
      for (let i = 0; i < n; i++) {
        const image = batch.indices[i]!;
        for (let f = 0; f < filters.length; f++) {
          const top = tops[f]!;
          const base = (i * filters.length + f) * perImage;
          for (let j = 0; j < perImage; j++) {
            top.offer(candidates.values[base + j]!, image, candidates.positions[base + j]!);
          }
        }
      }
      done += n;
      ranking(done);
    }
  } finally {
    channels.dispose();
  }

  // Patches are cut as each chosen image is read back and the image is dropped at once: holding whole images
  // (k per filter, up to thousands of them for a wide layer of large images) could take gigabytes.
  const [imageH, imageW, imageC] = dataset.imageShape;
  const imageSize = imageH * imageW * imageC;
  const patches: ActivatingPatch[][] = filters.map(() => []);
  const patchesOf = new Map<number, Array<{ f: number; rank: number; ranked: RankedActivation }>>();
  tops.forEach((top, f) =>
    top.sorted().forEach((ranked, rank) => {
      const list = patchesOf.get(ranked.image) ?? [];
      list.push({ f, rank, ranked });
      patchesOf.set(ranked.image, list);
    }),
  );
  const wanted = [...patchesOf.keys()].sort((a, b) => a - b);
  const cutting = progressReporter(`cutting patches from ${dataset.name}`, wanted.length, control.onProgress);
  let read = 0;
  // Only the chosen images are read again, so no pixels were held during the scan.
  for (const batch of wanted.length > 0 ? dataset.subset(wanted).batches({ batchSize }) : []) {
    let data: Float32Array;
    try {
      await checkpoint(control.signal, `top-activating patches of ${options.layerName}`);
      data = (await batch.images.data()) as Float32Array;
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
    batch.indices.forEach((subsetIndex, i) => {
      const imageIndex = wanted[subsetIndex]!;
      const image = data.subarray(i * imageSize, (i + 1) * imageSize);
      const label = dataset.label(imageIndex);
      for (const { f, rank, ranked } of patchesOf.get(imageIndex)!) {
        const row = Math.floor(ranked.position / outW);
        const column = ranked.position % outW;
        const box = receptiveFieldBox(field, row, column);
        patches[f]![rank] = {
          filter: filters[f]!,
          rank,
          imageIndex,
          label,
          className: dataset.classNames[label] ?? String(label),
          row,
          column,
          activation: ranked.value,
          box,
          ...cutPatch(image, imageH, imageW, imageC, box),
        };
      }
    });
    read += batch.indices.length;
    cutting(read);
  }

  return {
    layerName: options.layerName,
    removalPoint: removal.name,
    receptiveField: field,
    channels: imageC,
    images: done,
    filters: filters.map((filter, f) => ({ filter, patches: patches[f]! })),
  };
}

/** A patch as an RGBA image (grey for 1 channel, RGB for 3); pixels beyond the border are transparent. */
export function patchImage(patch: ActivatingPatch, channels: number): RgbaImage {
  return pixelsToImage(patch.pixels, patch.box.height, patch.box.width, channels, patch.inside);
}
