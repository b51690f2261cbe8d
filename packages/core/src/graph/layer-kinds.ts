import type * as tfl from "@tensorflow/tfjs-layers";

/**
 * What a layer does to the channels (last axis) of its input, as far as filter removal is concerned. Kept in
 * one table so the graph builder, the masked forward pass and the surgery agree on every layer class.
 */
export type LayerRole =
  /** Makes new channels from all input channels: Conv2D, Dense. Its output channels are filters. */
  | "producer"
  /** Maps channel c to channel c only, with its own weights: DepthwiseConv2D (depth multiplier 1). */
  | "depthwise"
  /** Acts on each channel separately, without weights that depend on the channel count's meaning. */
  | "channelwise"
  /** Removes the spatial axes: channel c of position p becomes index p·C + c. */
  | "flatten"
  /** Joins channels side by side along the last axis. */
  | "concatenate"
  /** Combines several tensors element by element: channel c of every input meets channel c of the others. */
  | "elementwise-merge"
  | "input"
  | "nested-model"
  | "other";

/** Layer classes whose output channels Carve can remove. */
export const PRODUCER_CLASSES: ReadonlySet<string> = new Set(["Conv2D", "Dense"]);

/**
 * Per-channel layers. Inference-mode noise and dropout layers are the identity; pooling, padding, cropping and
 * upsampling move values within a channel.
 */
const CHANNELWISE_CLASSES: ReadonlySet<string> = new Set([
  "BatchNormalization",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "ELU",
  "PReLU",
  "ThresholdedReLU",
  "Dropout",
  "SpatialDropout1D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
  "MaxPooling1D",
  "MaxPooling2D",
  "AveragePooling1D",
  "AveragePooling2D",
  "GlobalMaxPooling1D",
  "GlobalMaxPooling2D",
  "GlobalAveragePooling1D",
  "GlobalAveragePooling2D",
  "ZeroPadding2D",
  "Cropping2D",
  "UpSampling2D",
]);

/**
 * Layers that directly follow a producer and belong to its output in the removal convention: the removal
 * point moves past them (a filter's output is read after its normalization and non-linearity).
 */
export const FOLLOWER_CLASSES: ReadonlySet<string> = new Set([
  "BatchNormalization",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "ELU",
  "PReLU",
  "ThresholdedReLU",
  "Dropout",
  "SpatialDropout1D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
]);

/** Elementwise merges whose output is 0 wherever all inputs are 0, so coupled channels can be zeroed. */
const ELEMENTWISE_MERGE_CLASSES: ReadonlySet<string> = new Set(["Add", "Average", "Maximum", "Minimum"]);

const NESTED_MODEL_CLASSES: ReadonlySet<string> = new Set(["Sequential", "Model", "Functional"]);

/** Activations f with f(0) = 0: a zeroed channel stays zero through them. */
const ZERO_PRESERVING_ACTIVATIONS: ReadonlySet<string> = new Set([
  "linear",
  "relu",
  "relu6",
  "elu",
  "selu",
  "tanh",
  "softsign",
  "swish",
  "mish",
  "gelu",
  "gelu_new",
]);

/** The role of a layer, by its class. */
export function layerRole(layer: tfl.layers.Layer): LayerRole {
  const className = layer.getClassName();
  if (className === "InputLayer") return "input";
  if (PRODUCER_CLASSES.has(className)) return "producer";
  if (className === "DepthwiseConv2D") return "depthwise";
  if (CHANNELWISE_CLASSES.has(className)) return "channelwise";
  if (className === "Flatten") return "flatten";
  if (className === "Concatenate") return "concatenate";
  if (ELEMENTWISE_MERGE_CLASSES.has(className)) return "elementwise-merge";
  if (NESTED_MODEL_CLASSES.has(className)) return "nested-model";
  return "other";
}

/** Inference-time identities: dropout and noise layers pass their input through unchanged. */
export const INFERENCE_IDENTITY_CLASSES: ReadonlySet<string> = new Set([
  "Dropout",
  "SpatialDropout1D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
]);

/** A 2-D setting (kernel size, strides, dilation, pool size) as [rows, columns], given as one number or two. */
export function configPair(value: unknown, fallback: number): [number, number] {
  if (Array.isArray(value)) return [Number(value[0] ?? fallback), Number(value[1] ?? value[0] ?? fallback)];
  if (typeof value === "number") return [value, value];
  return [fallback, fallback];
}

/** The layer's configuration as plain data (camelCase keys, activations by name). */
export function layerConfig(layer: tfl.layers.Layer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

/** Name of a layer's activation ("linear" when it has none). */
export function activationName(layer: tfl.layers.Layer): string {
  const config = layerConfig(layer);
  if (layer.getClassName() === "Activation" || typeof config.activation === "string") {
    return typeof config.activation === "string" ? config.activation : "linear";
  }
  return "linear";
}

/**
 * Whether the layer maps an all-zero channel to an all-zero channel (with its other channels unchanged by
 * it). Where it does not — BatchNormalization, a depthwise bias, a sigmoid — a removed filter's channel must
 * be zeroed again after it, so it becomes a removal point.
 */
export function preservesZero(layer: tfl.layers.Layer): boolean {
  const className = layer.getClassName();
  const config = layerConfig(layer);
  switch (className) {
    case "BatchNormalization":
      return false;
    case "DepthwiseConv2D":
      return config.useBias === false && ZERO_PRESERVING_ACTIVATIONS.has(activationName(layer));
    case "Activation":
      return ZERO_PRESERVING_ACTIVATIONS.has(activationName(layer));
    default:
      return layerRole(layer) !== "producer";
  }
}

/** The tfjs `dataFormat` of a layer, when it has one. */
export function isChannelsFirst(layer: tfl.layers.Layer): boolean {
  return layerConfig(layer).dataFormat === "channelsFirst";
}
