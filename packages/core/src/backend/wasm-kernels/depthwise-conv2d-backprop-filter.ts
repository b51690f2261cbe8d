import * as tf from "@tensorflow/tfjs-core";
import { compositeKernel } from "./composite-kernel.js";
import { shiftSpatial } from "./spatial.js";

/**
 * The filter gradient of a depthwise convolution, built from a forward depthwise convolution (tfjs-backend-wasm
 * 4.22 has no `DepthwiseConv2dNativeBackpropFilter`).
 *
 * Derivation (NHWC, channel multiplier M, stride s, dilation d, x zero-padded by padTop/padLeft):
 *
 *   dW[kh, kw, c, m] = Σ_{n, oh, ow} x[n, oh·s + kh·d, ow·s + kw·d, c] · dy[n, oh, ow, c·M + m]
 *
 * Unlike the dense case every input channel has its own gradient slice, so channels cannot become the batch.
 * Instead (n, c) become the channels of a single image: X'' = x transposed to [H, W, n, c] and reshaped to
 * [1, H, W, n·Ci], and F'' = dy transposed to [oh, ow, n, c·M + m] and reshaped to [oh, ow, n·Ci, M] (the
 * row-major flattening of (n, c, m) is exactly (n·Ci + c)·M + m). Then
 *
 *   out[0, a, b, (n·Ci + c)·M + m] = Σ_{oh, ow} X''[0, a + oh·s, b + ow·s, n·Ci + c] · F''[oh, ow, n·Ci + c, m]
 *
 * is a stride-1 "valid" depthwise convolution at dilation s; summing over n and keeping every d-th (a, b)
 * gives dW. x is padded/cropped to (OH-1)·s + effective kernel rows so the output covers the effective kernel.
 */
export function depthwiseConv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs,
): tf.Tensor4D {
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const [batch, , , inChannels] = x.shape;
  const multiplier = filterShape[3];
  const expected = [batch, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.some((size, axis) => size !== expected[axis])) {
    throw new Error(
      `DepthwiseConv2dNativeBackpropFilter (Carve's wasm kernel): expected dy of shape [${expected.join(", ")}] ` +
        `for x [${x.shape.join(", ")}] and filter [${filterShape.join(", ")}]; received [${dy.shape.join(", ")}]`,
    );
  }
  const effectiveHeight = info.effectiveFilterHeight;
  const effectiveWidth = info.effectiveFilterWidth;
  const rows = (info.outHeight - 1) * info.strideHeight + effectiveHeight;
  const cols = (info.outWidth - 1) * info.strideWidth + effectiveWidth;
  const window = shiftSpatial(x, info.padInfo.top, rows, info.padInfo.left, cols);
  const image = tf.reshape<tf.Rank.R4>(tf.transpose(window, [1, 2, 0, 3]), [
    1,
    rows,
    cols,
    batch * inChannels,
  ]);
  const gradientAsFilter = tf.reshape<tf.Rank.R4>(tf.transpose(dy, [1, 2, 0, 3]), [
    info.outHeight,
    info.outWidth,
    batch * inChannels,
    multiplier,
  ]);
  const perExample = tf.depthwiseConv2d(image, gradientAsFilter, 1, "valid", "NHWC", [
    info.strideHeight,
    info.strideWidth,
  ]);
  const summed = tf.sum(
    tf.reshape(perExample, [effectiveHeight, effectiveWidth, batch, inChannels * multiplier]),
    2,
  );
  const dW = tf.reshape<tf.Rank.R4>(summed, [effectiveHeight, effectiveWidth, inChannels, multiplier]);
  if (info.dilationHeight === 1 && info.dilationWidth === 1) return dW;
  return tf.stridedSlice(dW, [0, 0, 0, 0], dW.shape, [
    info.dilationHeight,
    info.dilationWidth,
    1,
    1,
  ]) as tf.Tensor4D;
}

export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: "wasm",
  kernelFunc: compositeKernel<tf.DepthwiseConv2dNativeBackpropFilterAttrs>((inputs, attrs) =>
    depthwiseConv2dBackpropFilter(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs),
  ),
};
