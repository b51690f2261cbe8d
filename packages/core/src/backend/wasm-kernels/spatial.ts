import * as tf from "@tensorflow/tfjs-core";

/**
 * Shifts and resizes the two spatial axes of an NHWC tensor: row i of the result is row `i - top` of `x`,
 * zero where that row does not exist, and the result has exactly `height` rows (columns likewise with `left`
 * and `width`). Negative offsets crop. This is "pad, then crop what the stride never reaches" in one step,
 * which the gradient kernels need when `(size + pads - effective kernel)` is not a multiple of the stride.
 */
export function shiftSpatial(
  x: tf.Tensor4D,
  top: number,
  height: number,
  left: number,
  width: number,
): tf.Tensor4D {
  const [, rows, cols] = x.shape;
  const padTop = Math.max(0, top);
  const padLeft = Math.max(0, left);
  const padBottom = Math.max(0, height - top - rows);
  const padRight = Math.max(0, width - left - cols);
  const padded =
    padTop + padBottom + padLeft + padRight > 0
      ? tf.pad(x, [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ])
      : x;
  const cropTop = padTop - top;
  const cropLeft = padLeft - left;
  const [batch, paddedRows, paddedCols, channels] = padded.shape;
  if (cropTop === 0 && cropLeft === 0 && paddedRows === height && paddedCols === width) return padded;
  return tf.slice(padded, [0, cropTop, cropLeft, 0], [batch, height, width, channels]);
}

/**
 * Spreads the rows and columns of an NHWC tensor apart, `strideH - 1` zero rows between neighbours (and
 * columns likewise): [N, H, W, C] → [N, (H-1)·strideH + 1, (W-1)·strideW + 1, C]. This is the input gradient's
 * view of a strided convolution. Done with rank-3 pads so it relies only on the simplest wasm pad kernel.
 */
export function insertZeros(x: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return x;
  const [batch, rows, cols, channels] = x.shape;
  // Columns: every pixel becomes a run of strideW pixels, the first one real.
  const pixels = tf.reshape(x, [batch * rows * cols, 1, channels]);
  const widened = tf.pad(pixels, [
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  // Rows: every row becomes a run of strideH rows, the first one real.
  const lines = tf.reshape(widened, [batch * rows, 1, cols * strideW * channels]);
  const heightened = tf.pad(lines, [
    [0, 0],
    [0, strideH - 1],
    [0, 0],
  ]);
  const spread = tf.reshape<tf.Rank.R4>(heightened, [batch, rows * strideH, cols * strideW, channels]);
  return tf.slice(
    spread,
    [0, 0, 0, 0],
    [batch, (rows - 1) * strideH + 1, (cols - 1) * strideW + 1, channels],
  );
}
