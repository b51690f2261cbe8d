import type * as tfl from "@tensorflow/tfjs-layers";

import type { LayerSummary, ModelSummary } from "../contracts/model.js";
import { CarveError } from "../errors.js";

type Shape = Array<number | null>;

interface LayerConfigLike {
  filters?: number;
  units?: number;
  kernelSize?: number | number[];
  strides?: number | number[];
  depthMultiplier?: number;
  activation?: string;
  useBias?: boolean;
}

function firstShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) ? (shape as Shape[])[0]! : (shape as Shape);
}

function pair(value: number | number[] | undefined): number[] | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value : [value, value];
}

const size = (shape: Shape): number => shape.reduce<number>((acc, dim) => acc * (dim ?? 1), 1);

/**
 * FLOPs of the linear layers, counted as 2 × multiply-accumulates per image (the convention of most pruning
 * papers); bias adds, BatchNormalization, activations and pooling are elementwise and left out: on the CNNs
 * Carve targets they are a few percent of the total.
 */
function layerFlops(className: string, inShape: Shape, outShape: Shape, config: LayerConfigLike): number {
  const kernel = pair(config.kernelSize) ?? [1, 1];
  const kernelArea = kernel[0]! * kernel[1]!;
  switch (className) {
    case "Conv2D": {
      const inChannels = inShape[inShape.length - 1] ?? 0;
      return 2 * kernelArea * inChannels * size(outShape.slice(1));
    }
    case "DepthwiseConv2D":
      return 2 * kernelArea * size(outShape.slice(1));
    case "Dense": {
      const inUnits = inShape[inShape.length - 1] ?? 0;
      return 2 * inUnits * size(outShape.slice(1));
    }
    default:
      return 0;
  }
}

function inboundNames(layer: tfl.layers.Layer): string[] {
  const node = layer.inboundNodes[0];
  return node ? node.inboundLayers.map((l) => l.name) : [];
}

/**
 * Summarizes a layers model: per layer its kind, output shape, filters, parameters, FLOPs per image and
 * whether it is prunable. Works for Sequential and Functional models (nested models are not expanded and get
 * an UNSUPPORTED_LAYER error, since their filters could not be addressed).
 */
export function describeModel(model: tfl.LayersModel): ModelSummary {
  const layers: LayerSummary[] = [];
  const outputLayerNames = new Set(model.outputs.map((t) => t.sourceLayer.name));
  model.layers.forEach((layer, index) => {
    const className = layer.getClassName();
    if (className === "Sequential" || className === "Model" || className === "Functional") {
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `layer "${layer.name}" is a nested model; flatten it into one model before describing or pruning`,
      );
    }
    const config = layer.getConfig() as LayerConfigLike;
    const outShape = firstShape(layer.outputShape as Shape | Shape[]);
    const inShape =
      className === "InputLayer"
        ? outShape
        : firstShape(
            (layer.input as tfl.SymbolicTensor | tfl.SymbolicTensor[]) instanceof Array
              ? (layer.input as tfl.SymbolicTensor[]).map((t) => t.shape as Shape)
              : ((layer.input as tfl.SymbolicTensor).shape as Shape),
          );
    const isLinear = className === "Conv2D" || className === "DepthwiseConv2D" || className === "Dense";
    const outChannels = outShape[outShape.length - 1] ?? null;
    layers.push({
      index,
      name: layer.name,
      className,
      outputShape: outShape.slice(1),
      filters: isLinear ? outChannels : null,
      kernelSize: pair(config.kernelSize),
      strides: pair(config.strides),
      activation: typeof config.activation === "string" ? config.activation : null,
      params: layer.countParams(),
      flops: layerFlops(className, inShape, outShape, config),
      prunable: isLinear && !outputLayerNames.has(layer.name),
      inbound: inboundNames(layer),
    });
  });
  const trainableParams = model.trainableWeights.reduce((sum, w) => sum + size(w.shape), 0);
  const outShape = firstShape(model.outputs[0]!.shape as Shape);
  const className = model.getClassName();
  return {
    name: model.name,
    topology: className === "Sequential" ? "Sequential" : "Functional",
    inputShape: firstShape(model.inputs[0]!.shape as Shape).slice(1),
    outputClasses: outShape[outShape.length - 1] ?? 0,
    params: model.countParams(),
    trainableParams,
    flops: layers.reduce((sum, l) => sum + l.flops, 0),
    prunableFilters: layers.filter((l) => l.prunable).reduce((sum, l) => sum + (l.filters ?? 0), 0),
    layers,
  };
}
