/**
 * Receptive fields: which input pixels one spatial position of a layer's output depends on, found by walking
 * the layers from the input. Standard recurrence (e.g. Araujo et al., "Computing receptive fields of
 * convolutional neural networks", Distill 2019), per axis, for a field of size r, stride j (input pixels
 * between neighbouring positions) and offset o (input coordinate of the first pixel of position 0's field):
 * a layer with kernel k, dilation d, stride s and p pixels of padding before the first input row gives
 *
 *     k_eff = d·(k − 1) + 1,   r' = r + (k_eff − 1)·j,   j' = j·s,   o' = o − p·j.
 *
 * TensorFlow's "same" padding puts p = ⌊max((⌈n/s⌉ − 1)·s + k_eff − n, 0) / 2⌋ before (the odd pixel goes
 * after), with n the layer's input size, so the offset depends on the input size; "valid" has p = 0.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import { findLayer } from "./model-layers.js";

/** Receptive field of a layer's output positions in input pixels; `[rows, columns]` pairs throughout. */
export interface ReceptiveField {
  layerName: string;
  /**
   * Rows and columns of the smallest box holding every input pixel one output position depends on, padding
   * included (a field may reach past the border). A box, not the exact set: dilation and merges of unequal
   * kernels can leave pixels inside it that do not count.
   */
  size: [number, number];
  /** Input pixels between the fields of neighbouring output positions. */
  stride: [number, number];
  /**
   * Input row and column of the top-left pixel of the field of output position (0, 0); negative when "same"
   * padding puts it beyond the image border.
   */
  offset: [number, number];
  /** Spatial size of the model input. */
  inputSize: [number, number];
  /** Spatial size of the layer's output. */
  outputSize: [number, number];
}

/** A rectangle of pixels: rows top..top+height−1, columns left..left+width−1. */
export interface PixelBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

interface AxisField {
  size: number;
  stride: number;
  offset: number;
}

type Field = [AxisField, AxisField];

/** Layers that keep every spatial position where it is: per-pixel or per-channel computations. */
const POSITIONWISE_CLASSES = new Set([
  "BatchNormalization",
  "LayerNormalization",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "PReLU",
  "ELU",
  "ThresholdedReLU",
  "Softmax",
  "Dropout",
  "SpatialDropout2D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
]);

/** Merges of same-sized inputs: an output position depends on that position of every input. */
const MERGE_CLASSES = new Set([
  "Add",
  "Subtract",
  "Multiply",
  "Average",
  "Maximum",
  "Minimum",
  "Concatenate",
]);

const CONV_CLASSES = new Set(["Conv2D", "DepthwiseConv2D", "SeparableConv2D"]);
const POOL_CLASSES = new Set(["MaxPooling2D", "AveragePooling2D"]);

type Pair = [number, number];

function pair(value: number | number[] | undefined, fallback: number): Pair {
  if (value === undefined) return [fallback, fallback];
  return Array.isArray(value) ? [value[0] ?? fallback, value[1] ?? value[0] ?? fallback] : [value, value];
}

/** [[top, bottom], [left, right]] from ZeroPadding2D / Cropping2D configs, which accept several forms. */
function beforeAmounts(value: number | number[] | number[][] | undefined): Pair {
  if (value === undefined) return [0, 0];
  if (typeof value === "number") return [value, value];
  const [rows, cols] = value;
  const first = (v: number | number[] | undefined) => (Array.isArray(v) ? (v[0] ?? 0) : (v ?? 0));
  return [first(rows), first(cols)];
}

function spatialShape(shape: readonly (number | null)[], what: string): [number | null, number | null] {
  if (shape.length !== 4) {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `${what} has shape [${shape.join(", ")}], not [batch, height, width, channels]: receptive fields are ` +
        `defined only for spatial (NHWC) layers`,
    );
  }
  return [shape[1] ?? null, shape[2] ?? null];
}

function samePaddingBefore(n: number | null, kernel: number, stride: number, layer: string): number {
  if (n === null) {
    throw new CarveError(
      "INVALID_MODEL",
      `layer "${layer}" uses "same" padding on an input of unknown size; give the model a fixed input size ` +
        `to compute receptive fields`,
    );
  }
  const out = Math.ceil(n / stride);
  return Math.floor(Math.max((out - 1) * stride + kernel - n, 0) / 2);
}

function checkChannelsLast(layer: tfl.layers.Layer): void {
  const format = (layer.getConfig() as { dataFormat?: string }).dataFormat;
  if (format !== undefined && format !== "channelsLast") {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `layer "${layer.name}" is ${format}; Carve reads images as NHWC (channelsLast) only`,
    );
  }
}

/** The field after a window layer (convolution or pooling). */
function throughWindow(layer: tfl.layers.Layer, input: Field, inputShape: readonly (number | null)[]): Field {
  checkChannelsLast(layer);
  const className = layer.getClassName();
  const config = layer.getConfig() as {
    kernelSize?: number | number[];
    poolSize?: number | number[];
    strides?: number | number[];
    dilationRate?: number | number[];
    padding?: string;
  };
  const isPool = POOL_CLASSES.has(className);
  const kernel = pair(isPool ? config.poolSize : config.kernelSize, 1);
  const strides = pair(config.strides, 1);
  const dilation = isPool ? ([1, 1] as Pair) : pair(config.dilationRate, 1);
  const padding = config.padding ?? "valid";
  if (padding !== "same" && padding !== "valid") {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `layer "${layer.name}" has padding "${padding}"; expected same or valid`,
    );
  }
  const n = spatialShape(inputShape, `the input of "${layer.name}"`);
  return [0, 1].map((axis): AxisField => {
    const { size, stride, offset } = input[axis]!;
    const effective = dilation[axis]! * (kernel[axis]! - 1) + 1;
    const before =
      padding === "same" ? samePaddingBefore(n[axis]!, effective, strides[axis]!, layer.name) : 0;
    return {
      size: size + (effective - 1) * stride,
      stride: stride * strides[axis]!,
      offset: offset - before * stride,
    };
  }) as Field;
}

/** Bounding field of several inputs; they must step through the input at the same stride to stay aligned. */
function union(layer: tfl.layers.Layer, inputs: Field[]): Field {
  return [0, 1].map((axis): AxisField => {
    const fields = inputs.map((f) => f[axis]!);
    const stride = fields[0]!.stride;
    if (fields.some((f) => f.stride !== stride)) {
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `merge layer "${layer.name}" joins inputs of different strides (${fields.map((f) => f.stride).join(", ")}); ` +
          `its positions have no single receptive field`,
      );
    }
    const start = Math.min(...fields.map((f) => f.offset));
    const end = Math.max(...fields.map((f) => f.offset + f.size));
    return { size: end - start, stride, offset: start };
  }) as Field;
}

function fieldOf(layer: tfl.layers.Layer, memo: Map<string, Field>): Field {
  const known = memo.get(layer.name);
  if (known) return known;
  const className = layer.getClassName();
  if (layer.inboundNodes.length !== 1) {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `layer "${layer.name}" is applied ${layer.inboundNodes.length} times (a shared layer); ` +
        `its output has no single receptive field`,
    );
  }
  const node = layer.inboundNodes[0]!;
  const inputs = node.inboundLayers;
  let field: Field;
  if (inputs.length === 0) {
    // An InputLayer: each position sees itself.
    field = [
      { size: 1, stride: 1, offset: 0 },
      { size: 1, stride: 1, offset: 0 },
    ];
  } else if (MERGE_CLASSES.has(className)) {
    const axis = (layer.getConfig() as { axis?: number }).axis;
    if (className === "Concatenate" && axis !== -1 && axis !== 3) {
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `Concatenate layer "${layer.name}" joins along axis ${axis}, not channels; its positions move`,
      );
    }
    field = union(
      layer,
      inputs.map((l) => fieldOf(l, memo)),
    );
  } else if (inputs.length !== 1) {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `layer "${layer.name}" (${className}) has ${inputs.length} inputs`,
    );
  } else {
    const input = fieldOf(inputs[0]!, memo);
    const inputShape = node.inputTensors[0]!.shape;
    if (CONV_CLASSES.has(className) || POOL_CLASSES.has(className)) {
      field = throughWindow(layer, input, inputShape);
    } else if (POSITIONWISE_CLASSES.has(className)) {
      field = input;
    } else if (className === "ZeroPadding2D" || className === "Cropping2D") {
      checkChannelsLast(layer);
      const config = layer.getConfig() as { padding?: number[][]; cropping?: number[][] };
      // Output index 0 is input index −top after padding and +top after cropping.
      const shift = beforeAmounts(className === "ZeroPadding2D" ? config.padding : config.cropping);
      const sign = className === "ZeroPadding2D" ? -1 : 1;
      field = [0, 1].map((axis): AxisField => {
        const f = input[axis]!;
        return { ...f, offset: f.offset + sign * shift[axis]! * f.stride };
      }) as Field;
    } else {
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `cannot follow receptive fields through layer "${layer.name}" (${className}): supported are ` +
          `convolutions, pooling, ZeroPadding2D, Cropping2D, per-pixel layers (normalization, activations, ` +
          `dropout) and merges`,
      );
    }
  }
  memo.set(layer.name, field);
  return field;
}

/**
 * The receptive field of the output positions of layer `layerName`, walking every path from the model input
 * through convolutions (kernel, stride, dilation, same/valid padding), pooling, ZeroPadding2D, Cropping2D,
 * per-pixel layers and merges. Throws UNSUPPORTED_LAYER for anything whose positions move otherwise
 * (upsampling, reshapes, transposed convolutions). Reads layer configs only; allocates no tensor.
 */
export function receptiveField(model: tfl.LayersModel, layerName: string): ReceptiveField {
  if (model.inputs.length !== 1) {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `model "${model.name}" has ${model.inputs.length} inputs; receptive fields are computed for one image input`,
    );
  }
  const layer = findLayer(model, layerName);
  const [inH, inW] = spatialShape(model.inputs[0]!.shape, `the input of model "${model.name}"`);
  const [outH, outW] = spatialShape(layer.outputShape as (number | null)[], `the output of "${layerName}"`);
  const [rows, columns] = fieldOf(layer, new Map());
  return {
    layerName,
    size: [rows.size, columns.size],
    stride: [rows.stride, columns.stride],
    offset: [rows.offset, columns.offset],
    inputSize: [inH ?? Number.NaN, inW ?? Number.NaN],
    outputSize: [outH ?? Number.NaN, outW ?? Number.NaN],
  };
}

/** The input pixels under output position (row, column): may extend beyond the image where padding is. */
export function receptiveFieldBox(field: ReceptiveField, row: number, column: number): PixelBox {
  return {
    top: field.offset[0] + row * field.stride[0],
    left: field.offset[1] + column * field.stride[1],
    height: field.size[0],
    width: field.size[1],
  };
}
