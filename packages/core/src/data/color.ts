/**
 * The colour conventions of the data module, in one place so the grayscale conversion of image folders and
 * the brightness that the synthetic shapes hold constant are the same quantity.
 */

/**
 * Rec. 601 luma weights for R′, G′, B′ (the stored, gamma-encoded values): Y′ = 0.299 R′ + 0.587 G′ + 0.114 B′.
 * The same weights as `tf.image.rgbToGrayscale`, PIL's "L" mode and JPEG's YCbCr, so "equal luma" here means
 * equal for any grayscale conversion a user is likely to apply. Rec. 709 (0.2126, 0.7152, 0.0722) is not used.
 */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/** Rec. 601 luma of an RGB triple with components in any consistent scale. */
export function luma(r: number, g: number, b: number): number {
  return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
}

/** HSV → RGB with hue in degrees (any real, wrapped), saturation and value in [0, 1]; components in [0, 1]. */
export function hsvToRgb(hue: number, saturation: number, value: number): [number, number, number] {
  const h = (((hue % 360) + 360) % 360) / 60;
  const chroma = value * saturation;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const m = value - chroma;
  const sector = Math.floor(h);
  const [r, g, b] =
    sector === 0
      ? [chroma, x, 0]
      : sector === 1
        ? [x, chroma, 0]
        : sector === 2
          ? [0, chroma, x]
          : sector === 3
            ? [0, x, chroma]
            : sector === 4
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return [r + m, g + m, b + m];
}
