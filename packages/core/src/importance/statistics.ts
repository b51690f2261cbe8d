/**
 * The statistics of CAR as a paired comparison: the base network and the network without filter f classify
 * the same N images, so only the images whose correctness flips carry information about the difference.
 *
 * Per image i let d_i = correct_base(i) − correct_without_f(i) ∈ {−1, 0, 1}. With
 *   b = #{i : d_i = +1}  (right → wrong when f is removed)
 *   c = #{i : d_i = −1}  (wrong → right when f is removed)
 * the CAR is the mean difference, CAR = (1/N) Σ d_i = (b − c) / N.
 *
 * Its standard error is that of a mean of N paired differences. Since d_i² is 1 exactly on the b + c flipped
 * images, Σ d_i² = b + c, and the sample variance of the d_i is
 *   s² = (Σ d_i² − N·mean²) / (N − 1) = (b + c − (b − c)² / N) / (N − 1),
 * so
 *   Var(CAR) = s² / N = (b + c − (b − c)² / N) / (N (N − 1)).
 * This is the McNemar-style (Wald) variance of a difference of paired proportions,
 * [(b + c)/N − ((b − c)/N)²] / N, with the unbiased N − 1 in place of N; the two agree to O(1/N).
 * The 95% interval is CAR ± 1.959964 · SE (normal approximation).
 *
 * Caveat, kept on purpose: with no flips (b = c = 0) the standard error is 0 and the interval is the point
 * [0, 0]. That is what the sample says, not a guarantee: a flip rate below about 3/N (the "rule of three")
 * would usually go unseen in N images. The flip counts are reported next to the interval so callers can tell.
 */

import { CarveError } from "../errors.js";

/** z with P(|Z| ≤ z) = 0.95 for a standard normal Z. */
export const Z_95 = 1.959963984540054;

/** A paired accuracy drop with its uncertainty. */
export interface PairedAccuracyDrop {
  /** (b − c) / N: the accuracy lost (negative when removing the filter helps). */
  drop: number;
  /** √Var(drop) with Var = (b + c − (b − c)²/N) / (N (N − 1)); 0 when N < 2. */
  standardError: number;
  /** drop ± 1.959964 · standardError. */
  ci95: readonly [low: number, high: number];
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `pairedAccuracyDrop: ${name} must be a non-negative integer, got ${value}`,
    );
  }
}

/**
 * The accuracy drop of a paired comparison on `images` images, of which `rightToWrong` (b) were classified
 * correctly before and wrongly after, and `wrongToRight` (c) the other way round. See the module comment for
 * the derivation of the variance.
 */
export function pairedAccuracyDrop(
  rightToWrong: number,
  wrongToRight: number,
  images: number,
): PairedAccuracyDrop {
  checkCount("rightToWrong", rightToWrong);
  checkCount("wrongToRight", wrongToRight);
  checkCount("images", images);
  if (images === 0 || rightToWrong + wrongToRight > images) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `pairedAccuracyDrop: need 0 < rightToWrong + wrongToRight ≤ images with images > 0, got ` +
        `b=${rightToWrong}, c=${wrongToRight}, N=${images}`,
    );
  }
  const b = rightToWrong;
  const c = wrongToRight;
  const n = images;
  const drop = (b - c) / n;
  // Clamp the tiny negative values rounding can leave when every image flipped the same way.
  const variance = n > 1 ? Math.max(0, (b + c - ((b - c) * (b - c)) / n) / (n * (n - 1))) : 0;
  const standardError = Math.sqrt(variance);
  return { drop, standardError, ci95: [drop - Z_95 * standardError, drop + Z_95 * standardError] };
}

/**
 * Class-wise accuracy drops from per-class flip counts: drop_c = (b_c − c_c) / N_c, NaN for a class with no
 * image in the set. Weighted by class frequency N_c / N these average to the overall drop (b − c) / N.
 */
export function classwiseAccuracyDrop(
  rightToWrong: ArrayLike<number>,
  wrongToRight: ArrayLike<number>,
  imagesPerClass: ArrayLike<number>,
): Float64Array {
  const classes = imagesPerClass.length;
  if (rightToWrong.length !== classes || wrongToRight.length !== classes) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `classwiseAccuracyDrop: expected ${classes} counts per argument, got ${rightToWrong.length} and ` +
        `${wrongToRight.length}`,
    );
  }
  const out = new Float64Array(classes);
  for (let k = 0; k < classes; k++) {
    const n = imagesPerClass[k]!;
    out[k] = n > 0 ? (rightToWrong[k]! - wrongToRight[k]!) / n : Number.NaN;
  }
  return out;
}
