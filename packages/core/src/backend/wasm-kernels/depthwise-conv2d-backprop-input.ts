import * as tf from "@tensorflow/tfjs-core";
import { compositeKernel } from "./composite-kernel.js";
import { insertZeros, shiftSpatial } from "./spatial.js";

/**
 * The input gradient of a depthwise convolution, built from a forward depthwise convolution (tfjs-backend-wasm
 * 4.22 has no `DepthwiseConv2dNativeBackpropInput`).
 *
 * Derivation (NHWC, channel multiplier M, stride s, dilation d, kernel K, effective kernel E = (K-1)·d + 1):
 * the forward pass adds x[n, h, w, c]·W[kh, kw, c, m] into dy-position (oh, ow) whenever
 * h = oh·s + kh·d − padTop. Spreading dy apart with s−1 zeros between rows (dy_s, so row i = oh·s) turns that
 * into i + kh·d = h + padTop, hence
 *
 *   dx[n, h, w, c] = Σ_{m, j, kh, kw} dy_s[n, h + j − (E−1−padTop), …, c·M + m] · W[K−1−kh, …, c, m]
 *                    with j = kh·d,
 *
 * a stride-1 "valid" depthwise convolution, at dilation d, of dy_s shifted down by E−1−padTop rows (and
 * padded/cropped to H + E − 1 rows) with the spatially flipped filter, each of the Ci·M channels with its own
 * 1-channel filter; summing each run of M channels gives dx.
 */
export function depthwiseConv2dBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: tf.DepthwiseConv2dNativeBackpropInputAttrs,
): tf.Tensor4D {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const [batch, height, width, inChannels] = inputShape;
  const [filterHeight, filterWidth, , multiplier] = filter.shape;
  const expected = [batch, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.some((size, axis) => size !== expected[axis])) {
    throw new Error(
      `DepthwiseConv2dNativeBackpropInput (Carve's wasm kernel): expected dy of shape [${expected.join(", ")}] ` +
        `for input [${inputShape.join(", ")}] and filter [${filter.shape.join(", ")}]; ` +
        `received [${dy.shape.join(", ")}]`,
    );
  }
  const effectiveHeight = info.effectiveFilterHeight;
  const effectiveWidth = info.effectiveFilterWidth;
  const spread = insertZeros(dy, info.strideHeight, info.strideWidth);
  const window = shiftSpatial(
    spread,
    effectiveHeight - 1 - info.padInfo.top,
    height + effectiveHeight - 1,
    effectiveWidth - 1 - info.padInfo.left,
    width + effectiveWidth - 1,
  );
  const flipped = tf.reshape<tf.Rank.R4>(tf.reverse(filter, [0, 1]), [
    filterHeight,
    filterWidth,
    inChannels * multiplier,
    1,
  ]);
  const perChannel = tf.depthwiseConv2d(window, flipped, 1, "valid", "NHWC", [
    info.dilationHeight,
    info.dilationWidth,
  ]);
  if (multiplier === 1) return perChannel;
  // [N, H, W, Ci·M] → sum each run of M channels. Rank-3 so the reduction is over the innermost axis.
  const runs = tf.reshape(perChannel, [batch * height * width, inChannels, multiplier]);
  return tf.reshape<tf.Rank.R4>(tf.sum(runs, 2), [batch, height, width, inChannels]);
}

export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: "wasm",
  kernelFunc: compositeKernel<tf.DepthwiseConv2dNativeBackpropInputAttrs>((inputs, attrs) =>
    depthwiseConv2dBackpropInput(inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs),
  ),
};
