/**
 * Looking layers up by name with errors that say what exists, and walking from a convolution to the point
 * where its filters are removed. Shared by every interpretation tool that starts from a layer name.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";

/** Class names of the convolutions whose output channels are filters that CAR scores and prunes. */
export const FILTER_LAYER_CLASSES: readonly string[] = ["Conv2D", "DepthwiseConv2D", "SeparableConv2D"];

/**
 * Per-channel layers that may follow a convolution without changing which filter a channel belongs to; the
 * removal point of a filter is after them. BatchNormalization, Activation and ReLU are the ones the paper's
 * networks have; the other activation layers act on each channel alone too (PReLU has one slope per
 * channel), and the dropout and noise layers are the identity at inference. The same list as the channel
 * graph's followers (graph/layer-kinds.ts), kept here so interpretation does not depend on the graph module.
 */
const PER_CHANNEL_CLASSES: readonly string[] = [
  "BatchNormalization",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "PReLU",
  "ELU",
  "ThresholdedReLU",
  "Dropout",
  "SpatialDropout1D",
  "SpatialDropout2D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
];

/** The names of the model's filter layers (convolutions), in model order. */
export function filterLayerNames(model: tfl.LayersModel): string[] {
  return model.layers.filter((l) => FILTER_LAYER_CLASSES.includes(l.getClassName())).map((l) => l.name);
}

/** The layer called `name`, or NOT_FOUND listing the model's filter layers so the caller can pick one. */
export function findLayer(model: tfl.LayersModel, name: string): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) {
    const convs = filterLayerNames(model);
    throw new CarveError(
      "NOT_FOUND",
      `model "${model.name}" has no layer named "${name}"; its convolution layers are ` +
        (convs.length > 0 ? convs.map((n) => `"${n}"`).join(", ") : "(none)"),
    );
  }
  return layer;
}

/** The layer called `name`, which must be one of `classes` (UNSUPPORTED_LAYER otherwise). */
export function findLayerOfClass(
  model: tfl.LayersModel,
  name: string,
  classes: readonly string[],
  purpose: string,
): tfl.layers.Layer {
  const layer = findLayer(model, name);
  const className = layer.getClassName();
  if (!classes.includes(className)) {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `${purpose} needs a ${classes.join(" or ")} layer, but "${name}" is a ${className}; ` +
        `pick one of ${filterLayerNames(model)
          .map((n) => `"${n}"`)
          .join(", ")}`,
    );
  }
  return layer;
}

function isPerChannelOnLastAxis(layer: tfl.layers.Layer): boolean {
  const className = layer.getClassName();
  if (!PER_CHANNEL_CLASSES.includes(className)) return false;
  // A softmax over channels mixes all filters: the filter's own output ends before it.
  if (className === "Activation")
    return (layer.getConfig() as { activation?: string }).activation !== "softmax";
  if (className !== "BatchNormalization") return true;
  // BatchNormalization over another axis mixes nothing across channels either, but it would not be per
  // filter: its statistics would be per row or column.
  const axis = (layer.getConfig() as { axis?: number | number[] }).axis;
  return (
    axis === -1 ||
    axis === 3 ||
    (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))
  );
}

/**
 * The layer whose output is the filter's removal point: the convolution `layerName`, then each following
 * layer while it is per-channel (BatchNormalization over channels, Activation other than softmax, ReLU and
 * the other activation layers, dropout and noise layers) and is the only consumer of the previous one.
 * Removing (zeroing) a filter there is the same as removing it physically, and its activations there are
 * the ones the network passes on.
 */
export function removalPointLayer(model: tfl.LayersModel, layerName: string): tfl.layers.Layer {
  let current = findLayerOfClass(model, layerName, FILTER_LAYER_CLASSES, "the removal point");
  for (;;) {
    const outbound = current.outboundNodes;
    if (outbound.length !== 1) return current;
    const next = outbound[0]!.outboundLayer;
    // A node of the model itself (a Sequential's internal graph) or of a merge layer is not a per-channel
    // continuation of this filter alone.
    if (!next || next.inboundNodes.length !== 1 || next.inboundNodes[0]!.inboundLayers.length !== 1) {
      return current;
    }
    if (!isPerChannelOnLastAxis(next)) return current;
    current = next;
  }
}
