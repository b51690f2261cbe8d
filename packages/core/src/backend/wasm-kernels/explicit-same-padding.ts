import * as tf from "@tensorflow/tfjs-core";

/**
 * tfjs-backend-wasm 4.22 computes wrong results for convolutions with `pad: "same"` and a stride above 1 in
 * many shapes (e.g. a 1×2 or 2×1 kernel at stride 2; most non-square kernels at stride 3): it hands "same" to
 * XNNPACK as a flag, and that route disagrees with TensorFlow's padding. The same convolution with the padding
 * written out explicitly is correct. Known upstream: tensorflow/tfjs#6629 (depthwise, 1×N / N×1 kernels,
 * stride 2), #8406 and #5907 (conv2d). Measured here over strides 2–3, kernels 1–3 × 1–3 and inputs 4–8 × 4–7:
 * 64 of 270 shapes wrong for each of the four kernels below, none once the padding is explicit; the pooling
 * kernels already pass explicit padding and are right.
 *
 * So these kernels are wrapped, not replaced: a "same" call is rewritten to the explicit padding tfjs itself
 * computes for it (`computeConv2DInfo`) and handed to wasm's own kernel, which keeps XNNPACK's speed. Output
 * shapes are unchanged because explicit SAME padding yields exactly ceil(size / stride) positions.
 */
const SAME_PADDING_KERNELS: ReadonlyArray<{ kernelName: string; depthwise: boolean }> = [
  { kernelName: tf.Conv2D, depthwise: false },
  { kernelName: tf.FusedConv2D, depthwise: false },
  { kernelName: tf.DepthwiseConv2dNative, depthwise: true },
  { kernelName: tf.FusedDepthwiseConv2D, depthwise: true },
];

interface ConvAttrs {
  strides: number | [number, number];
  pad: unknown;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  dataFormat?: "NHWC" | "NCHW";
}

const wrappedKernels = new WeakSet<tf.KernelFunc>();

function withExplicitSamePadding(original: tf.KernelConfig, depthwise: boolean): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (params) => {
    const attrs = params.attrs as unknown as ConvAttrs | undefined;
    const { x, filter } = params.inputs;
    // NCHW is rejected by wasm's kernels anyway; leave everything but channels-last "same" untouched.
    if (!attrs || attrs.pad !== "same" || (attrs.dataFormat ?? "NHWC") !== "NHWC" || !x || !filter) {
      return original.kernelFunc(params);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      "same",
      attrs.dimRoundingMode,
      depthwise,
    );
    const { top, bottom, left, right } = info.padInfo;
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return original.kernelFunc({ ...params, attrs: { ...params.attrs, pad } as tf.NamedAttrMap });
  };
  wrappedKernels.add(kernelFunc);
  return { ...original, kernelFunc };
}

/**
 * Wraps wasm's convolution kernels so "same" padding is passed explicitly. Idempotent; kernels that are
 * missing (or already wrapped) are left alone.
 *
 * @returns the kernel names wrapped by this call.
 */
export function wrapWasmSamePaddingKernels(): string[] {
  const wrapped: string[] = [];
  for (const { kernelName, depthwise } of SAME_PADDING_KERNELS) {
    const original = tf.getKernel(kernelName, "wasm");
    if (!original || wrappedKernels.has(original.kernelFunc)) continue;
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel(withExplicitSamePadding(original, depthwise));
    wrapped.push(kernelName);
  }
  return wrapped;
}
