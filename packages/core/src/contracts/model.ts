/**
 * Plain data describing models and evaluations: no TF.js here, so the API and the dashboard can import this
 * subpath (`@carve/core/contracts`) without pulling a tensor library into a browser bundle.
 */

/** Layer classes Carve can remove filters/units from. */
export const PRUNABLE_LAYER_CLASSES = ["Conv2D", "DepthwiseConv2D", "Dense"] as const;

export interface LayerSummary {
  /** Position in `model.layers` (topological order). */
  index: number;
  name: string;
  /** The Keras/TF.js class name, e.g. "Conv2D", "BatchNormalization". */
  className: string;
  /** Output shape without the batch dimension (null entries are unknown sizes). */
  outputShape: Array<number | null>;
  /** Filters of a Conv2D, units of a Dense, output channels of a DepthwiseConv2D; null for other layers. */
  filters: number | null;
  /** e.g. [3, 3] for a 3×3 convolution; null for layers without a kernel. */
  kernelSize: number[] | null;
  strides: number[] | null;
  activation: string | null;
  params: number;
  /** Floating-point operations per image: 2 × multiply-accumulates of this layer (see describeModel). */
  flops: number;
  /**
   * True for Conv2D, DepthwiseConv2D and hidden Dense layers (the output layer's units are the classes). This
   * is the layer type only: which filters can be removed, and which go together, is the channel graph's
   * answer (`buildChannelGraph`, `carve info`), e.g. a DepthwiseConv2D joins its input producer's group.
   */
  prunable: boolean;
  /** Names of the layers feeding this one (more than one for Add/Concatenate). */
  inbound: string[];
}

export interface ModelSummary {
  name: string;
  /** "Sequential" or "Functional" (tfjs calls the latter "Model"). */
  topology: "Sequential" | "Functional";
  inputShape: Array<number | null>;
  outputClasses: number;
  params: number;
  trainableParams: number;
  flops: number;
  prunableFilters: number;
  layers: LayerSummary[];
}

export interface ClassAccuracy {
  classIndex: number;
  className: string;
  count: number;
  correct: number;
  /** correct / count; NaN when the class has no images in the evaluated set. */
  accuracy: number;
}

export interface EvaluationResult {
  dataset: string;
  count: number;
  correct: number;
  accuracy: number;
  /** Mean softmax cross-entropy per image (natural log). */
  loss: number;
  perClass: ClassAccuracy[];
  /** confusion[trueClass][predictedClass] = images. */
  confusion: number[][];
  seconds: number;
  imagesPerSecond: number;
}
