/**
 * Small fixtures shared by the importance tests (not exported from the package): hand-set models and a
 * model clone that goes through the saved format, so edits to the clone never touch the original.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { ArrayDataset } from "../../data/array-dataset.js";
import { loadModelFromUpload, serializeModel } from "../../model/io.js";
import { createRng } from "../../util/random.js";

/** An independent copy of `model` (topology and weights) made through model.json + weights.bin. */
export async function cloneModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const { modelJson, weights } = await serializeModel(model);
  return loadModelFromUpload({ modelJson, weightFiles: { "weights.bin": weights }, label: "clone" });
}

/** Sets one weight of `layer` (by its short name, e.g. "kernel") to `values`. */
export function setLayerWeight(layer: tfl.layers.Layer, name: string, values: Float32Array | number[]): void {
  const weights = layer.getWeights();
  const index = layer.weights.findIndex((w) => w.originalName.split("/").pop() === name);
  if (index < 0) throw new Error(`layer ${layer.name} has no weight ${name}`);
  const replaced = weights.map((w, i) => (i === index ? tf.tensor(values, w.shape) : w));
  layer.setWeights(replaced);
  replaced[index]!.dispose();
}

/**
 * Zeroes output channel `filter` of a Conv2D layer (its kernel slice and bias) and sets the bias to `bias`:
 * with bias 0 (or negative) and a ReLU the channel outputs exactly 0, as if removed.
 */
export function silenceConvFilter(layer: tfl.layers.Layer, filter: number, bias = 0): void {
  const [kernel, biasValues] = layer.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  const channels = layer.getWeights()[0]!.shape.at(-1)!;
  for (let i = filter; i < kernel!.length; i += channels) kernel![i] = 0;
  biasValues![filter] = bias;
  setLayerWeight(layer, "kernel", kernel!);
  setLayerWeight(layer, "bias", biasValues!);
}

/** A dataset of `count` seeded random images in [0, 1] with seeded labels. */
export function randomDataset(
  count: number,
  imageShape: readonly [number, number, number],
  classes: number,
  seed: number,
): ArrayDataset {
  const rng = createRng(seed);
  const size = imageShape[0] * imageShape[1] * imageShape[2];
  const pixels = Float32Array.from({ length: count * size }, () => rng());
  const labels = Int32Array.from({ length: count }, () => Math.floor(rng() * classes));
  return new ArrayDataset({
    name: `random-${seed}`,
    imageShape,
    classNames: Array.from({ length: classes }, (_, i) => `class${i}`),
    pixels,
    labels,
  });
}
