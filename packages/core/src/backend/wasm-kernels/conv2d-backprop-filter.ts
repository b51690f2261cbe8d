import * as tf from "@tensorflow/tfjs-core";
import { compositeKernel } from "./composite-kernel.js";
import { shiftSpatial } from "./spatial.js";

/**
 * The filter gradient of a 2-D convolution, built from a forward convolution so it runs on any backend that
 * has `Conv2D` (tfjs-backend-wasm 4.22 does not have `Conv2DBackpropFilter`).
 *
 * Derivation (NHWC, stride s, dilation 1, x zero-padded by padTop/padLeft):
 *
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]
 *
 * Read ci as the batch, (kh, kw) as output position and n as the channel being summed: with
 * X' = x transposed to [ci, H, W, n] and F' = dy transposed to [oh, ow, n, co] this is
 *
 *   dW'[ci, kh, kw, co] = Σ_{oh, ow, n} X'[ci, kh + oh·s, kw + ow·s, n] · F'[oh, ow, n, co]
 *
 * a stride-1 "valid" convolution of X' with F' at dilation s. It yields exactly KH rows when X' has
 * (OH-1)·s + KH rows, so x is padded by padTop and then padded or cropped at the bottom to that height (rows
 * past it never meet a stride position: that is the remainder when (H + pads − KH) is not a multiple of s).
 * A final transpose gives [kh, kw, ci, co].
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const channelsFirst = dataFormat === "NCHW";
  const xNhwc = channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x;
  const dyNhwc = channelsFirst ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
  const info = tf.backend_util.computeConv2DInfo(
    xNhwc.shape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dyNhwc.shape.some((size, axis) => size !== expected[axis])) {
    throw new Error(
      `Conv2DBackpropFilter (Carve's wasm kernel): expected dy of shape [${expected.join(", ")}] (NHWC) for ` +
        `x [${xNhwc.shape.join(", ")}] and filter [${filterShape.join(", ")}]; received [${dyNhwc.shape.join(", ")}]`,
    );
  }
  const rows = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const cols = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  const window = shiftSpatial(xNhwc, info.padInfo.top, rows, info.padInfo.left, cols);
  const channelsAsBatch = tf.transpose(window, [3, 1, 2, 0]);
  const gradientAsFilter = tf.transpose(dyNhwc, [1, 2, 0, 3]);
  const dW = tf.conv2d(channelsAsBatch, gradientAsFilter, 1, "valid", "NHWC", [
    info.strideHeight,
    info.strideWidth,
  ]);
  return tf.transpose(dW, [1, 2, 0, 3]);
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: compositeKernel<tf.Conv2DBackpropFilterAttrs>((inputs, attrs) =>
    conv2dBackpropFilter(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs),
  ),
};
