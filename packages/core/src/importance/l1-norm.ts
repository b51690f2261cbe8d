/**
 * The L1-norm criterion of Li et al. 2017 ("Pruning Filters for Efficient ConvNets"): a filter's importance is
 * Σ|W| over its kernel (all input channels and positions; the bias is not part of it). For a group whose
 * channels come from several producers (e.g. the two branches of an Add), the norms of the producers' kernels
 * are summed. Data-free: no image is read.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import type { FilterGroup } from "../graph/index.js";
import type { CriterionResult, ImportanceCriterion, RawFilterScore, ScoringContext } from "./criterion.js";
import { remainingFilters } from "./removal.js";

/** The weight that holds a layer's output-channel kernels, and how to reduce it to one value per channel. */
function kernelOf(layer: tfl.layers.Layer): { kernel: tf.Tensor; perChannel: (abs: tf.Tensor) => tf.Tensor } {
  const className = layer.getClassName();
  const weight = (suffix: string) => {
    const found = layer.weights.find((w) => w.originalName.split("/").pop() === suffix);
    if (!found) {
      throw new CarveError("INVALID_MODEL", `layer "${layer.name}" (${className}) has no ${suffix} weight`);
    }
    return found.read();
  };
  switch (className) {
    case "Conv2D":
    case "Dense": {
      // [..., in, out]: sum over everything but the last axis.
      const kernel = weight("kernel");
      const axes = kernel.shape.slice(0, -1).map((_, axis) => axis);
      return { kernel, perChannel: (abs) => tf.sum(abs, axes) };
    }
    case "DepthwiseConv2D": {
      // [kh, kw, in, multiplier]; output channel c·multiplier + m is made by kernel[:, :, c, m] alone. The
      // graph puts a depthwise layer in the group of the producer feeding it (channel c of both is filter c),
      // so its per-channel kernel norm is added to that producer's filter norm.
      const kernel = weight("depthwise_kernel");
      return { kernel, perChannel: (abs) => tf.reshape(tf.sum(abs, [0, 1]), [-1]) };
    }
    default:
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `l1 criterion: producer "${layer.name}" is a ${className}; the L1 norm is defined for Conv2D, ` +
          `DepthwiseConv2D and Dense kernels — use a data-driven criterion instead`,
      );
  }
}

/** Σ|W| per output channel of `group`, summed over its producers. */
export function filterL1Norms(model: tfl.LayersModel, group: FilterGroup): Float64Array {
  const norms = new Float64Array(group.size);
  for (const name of group.producers) {
    const layer = model.getLayer(name);
    const values = tf.tidy(() => {
      const { kernel, perChannel } = kernelOf(layer);
      return perChannel(tf.abs(kernel)).dataSync();
    });
    if (values.length !== group.size) {
      throw new CarveError(
        "SHAPE_MISMATCH",
        `l1 criterion: producer "${name}" of group "${group.id}" has ${values.length} output channels, ` +
          `the group has ${group.size}`,
      );
    }
    for (let f = 0; f < group.size; f++) norms[f] = norms[f]! + values[f]!;
  }
  return norms;
}

export const l1Criterion: ImportanceCriterion = {
  name: "l1",
  needsData: false,
  async score(context: ScoringContext): Promise<CriterionResult> {
    const groups = new Map<string, RawFilterScore[]>();
    for (const group of context.groups) {
      const norms = filterL1Norms(context.model, group);
      groups.set(
        group.id,
        remainingFilters(group, context.base).map((filter) => ({ filter, score: norms[filter]! })),
      );
    }
    return { groups };
  },
};
