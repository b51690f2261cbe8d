import * as tf from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter.js";
import { depthwiseConv2dBackpropFilterConfig } from "./depthwise-conv2d-backprop-filter.js";
import { depthwiseConv2dBackpropInputConfig } from "./depthwise-conv2d-backprop-input.js";
import { wrapWasmSamePaddingKernels } from "./explicit-same-padding.js";

/**
 * Gradient kernels tfjs-backend-wasm 4.22 lacks. Compared with the cpu backend's kernel list, wasm is missing
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput`
 * (training any Conv2D / DepthwiseConv2D layer fails without them), plus kernels no CNN training step uses:
 * Complex, ComplexAbs, Real, Imag, FFT, IFFT, Draw, Einsum, RaggedGather, RaggedRange, RaggedTensorToTensor,
 * StaticRegexReplace and UnsortedSegmentSum (the gradient of `tf.gather`). Everything else a
 * conv → batch-norm → relu → max-pool → dense → softmax cross-entropy network needs under Adam is present
 * (Conv2DBackpropInput, MaxPoolGrad, AvgPoolGrad, FusedBatchNorm whose gradient tfjs composes from ops, Step
 * for relu's gradient, …).
 */
const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
];

/** What {@link registerWasmKernels} changed in tfjs's kernel registry. */
export interface WasmKernelChanges {
  /** Kernels wasm did not have, now composed from kernels it has. */
  added: string[];
  /** wasm's own convolution kernels, now wrapped to pass "same" padding explicitly. */
  wrapped: string[];
}

/**
 * Makes the wasm backend fit for training and correct for strided "same" convolutions: adds the gradient
 * kernels it lacks (each only if wasm has none of that name, so a later tfjs-backend-wasm that ships its own
 * wins) and wraps its convolution kernels (see explicit-same-padding.ts). Idempotent: a second call changes
 * nothing. `initBackend` calls it when it loads wasm; call it yourself only if you switch tfjs to wasm without
 * `initBackend` (after importing `@tensorflow/tfjs-backend-wasm`).
 */
export function registerWasmKernels(): WasmKernelChanges {
  const added: string[] = [];
  for (const config of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) continue;
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  return { added, wrapped: wrapWasmSamePaddingKernels() };
}
