/**
 * A Conv2D layer's kernel copied out of the backend as plain numbers, so weight-based tools (filter images,
 * diversity, colour measures) are pure functions that need neither tfjs nor a model.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import { findLayerOfClass } from "./model-layers.js";

/**
 * The kernel of a Conv2D layer. `values` is in tfjs's HWIO layout, [kernelHeight, kernelWidth, inChannels,
 * filters] row-major: the weight of filter f at kernel row y, column x, input channel c is
 * `values[((y * kernelWidth + x) * inChannels + c) * filters + f]`.
 */
export interface ConvKernel {
  /** The layer it was read from (empty for hand-made kernels). */
  layerName: string;
  kernelHeight: number;
  kernelWidth: number;
  inChannels: number;
  filters: number;
  values: Float32Array;
}

/**
 * Copies the kernel of the Conv2D layer `layerName`. A copy, because `dataSync` on the cpu backend hands out
 * the variable's own storage, which a caller could otherwise overwrite by accident. Allocates no tensor.
 */
export function readConvKernel(model: tfl.LayersModel, layerName: string): ConvKernel {
  const layer = findLayerOfClass(model, layerName, ["Conv2D"], "reading filter weights");
  const index = layer.weights.findIndex((w) => /(^|\/)kernel$/.test(w.originalName));
  // getWeights returns the layer's variables themselves (no new tensors), so nothing is disposed here.
  const kernel = index >= 0 ? layer.getWeights()[index] : undefined;
  if (!kernel || kernel.rank !== 4) {
    throw new CarveError(
      "INVALID_MODEL",
      `Conv2D layer "${layerName}" has no rank-4 kernel weight (weights: ` +
        `${layer.weights.map((w) => `${w.originalName} [${w.shape.join(", ")}]`).join(", ")})`,
    );
  }
  const [kernelHeight, kernelWidth, inChannels, filters] = kernel.shape as [number, number, number, number];
  return {
    layerName,
    kernelHeight,
    kernelWidth,
    inChannels,
    filters,
    values: Float32Array.from(kernel.dataSync() as Float32Array),
  };
}

function checkFilter(kernel: ConvKernel, filter: number): void {
  if (!Number.isInteger(filter) || filter < 0 || filter >= kernel.filters) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `filter index ${filter} is outside 0..${kernel.filters - 1} of layer "${kernel.layerName}"`,
    );
  }
}

/**
 * The weights of one filter as a [kernelHeight, kernelWidth, inChannels] array (channel fastest), i.e. its
 * flattened weight vector in the layout a per-pixel RGB reading wants.
 */
export function filterWeights(kernel: ConvKernel, filter: number): Float32Array {
  checkFilter(kernel, filter);
  const size = kernel.kernelHeight * kernel.kernelWidth * kernel.inChannels;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = kernel.values[i * kernel.filters + filter]!;
  return out;
}

/** The weight vectors of `filters` (default: all, in order), each as {@link filterWeights} gives it. */
export function filterWeightVectors(kernel: ConvKernel, filters?: readonly number[]): Float32Array[] {
  const chosen = filters ?? Array.from({ length: kernel.filters }, (_, i) => i);
  return chosen.map((f) => filterWeights(kernel, f));
}

/**
 * A kernel from per-filter weight arrays ([kernelHeight, kernelWidth, inChannels] each, channel fastest), the
 * inverse of {@link filterWeightVectors}; for hand-made filters in tests and examples.
 */
export function kernelFromFilters(
  filters: readonly ArrayLike<number>[],
  kernelHeight: number,
  kernelWidth: number,
  inChannels: number,
  layerName = "",
): ConvKernel {
  const size = kernelHeight * kernelWidth * inChannels;
  const count = filters.length;
  const values = new Float32Array(size * count);
  filters.forEach((weights, f) => {
    if (weights.length !== size) {
      throw new CarveError(
        "SHAPE_MISMATCH",
        `filter ${f} has ${weights.length} weights, expected ${kernelHeight}×${kernelWidth}×${inChannels} = ${size}`,
      );
    }
    for (let i = 0; i < size; i++) values[i * count + f] = weights[i]!;
  });
  return { layerName, kernelHeight, kernelWidth, inChannels, filters: count, values };
}
