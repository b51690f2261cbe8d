/**
 * The colour character of first-layer filters, to test the paper's observation that CAR pruning of AlexNet
 * removes colour filters first (Abbasi-Asl & Yu 2021, sec. 4.2 and fig. 6).
 *
 * Definition. Let a filter's weights be W[y, x, c] for kernel position (y, x) and input channel
 * c ∈ {R, G, B}, and w(y, x) ∈ ℝ³ the RGB weight vector of one position. Split each w orthogonally along the
 * grey axis u = (1, 1, 1)/√3:
 *
 *     achromatic part  a(y, x) = (w · u) u = mean(w) · (1, 1, 1)
 *     chromatic part   r(y, x) = w − a = w − mean(w) · (1, 1, 1)
 *
 *     chromaticity(W) = Σ_{y,x} ‖r(y, x)‖² / Σ_{y,x} ‖w(y, x)‖²  ∈ [0, 1]
 *
 * 0 is a filter with equal weights on R, G and B at every position (it sees brightness only); 1 is a filter
 * whose weights sum to zero across channels at every position, e.g. R − G opponent (it is blind to grey
 * inputs). Because the split is orthogonal, ‖w‖² = ‖a‖² + ‖r‖² and the ratio is a fraction of the filter's
 * energy. An all-zero filter has no colour and gets 0.
 *
 * Why (1, 1, 1) and not luma weights (0.299, 0.587, 0.114): the question is what part of the filter
 * responds to colourless input. A grey input patch is g(y, x) · (1, 1, 1) in RGB whatever its perceived
 * brightness, and the filter's response to it is Σ g · (w · (1, 1, 1)): exactly the grey-axis part a sees
 * it, and r is exactly the part that responds only to differences between channels. Projecting on the
 * normalised luma vector instead would give a pure-grey filter a non-zero "chromatic" residual, and the
 * oblique split along (1, 1, 1) with a zero-luma residual is not orthogonal, so its ratio can exceed 1.
 * Worth knowing: a filter with weights ∝ luma (blind to isoluminant colour changes) has chromaticity ≈ 0.25.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import { type ConvKernel, filterWeights, readConvKernel } from "./conv-kernel.js";

/**
 * Chromaticity (see the module comment) of one filter given as RGB weights, positions × 3 with the channel
 * fastest (the layout of `filterWeights` for a 3-channel layer).
 */
export function chromaticity(rgbWeights: ArrayLike<number>): number {
  if (rgbWeights.length % 3 !== 0 || rgbWeights.length === 0) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `chromaticity needs RGB weights (a multiple of 3 values, channel fastest), got ${rgbWeights.length} values`,
    );
  }
  let total = 0;
  let chromatic = 0;
  for (let p = 0; p < rgbWeights.length; p += 3) {
    const r = rgbWeights[p]!;
    const g = rgbWeights[p + 1]!;
    const b = rgbWeights[p + 2]!;
    const grey = (r + g + b) / 3;
    total += r * r + g * g + b * b;
    chromatic += (r - grey) ** 2 + (g - grey) ** 2 + (b - grey) ** 2;
  }
  // Clipped because rounding can leave the ratio a hair outside [0, 1].
  return total > 0 ? Math.min(1, Math.max(0, chromatic / total)) : 0;
}

/** Chromaticity of every filter of a kernel with 3 input channels (R, G, B in that order). */
export function kernelChromaticity(kernel: ConvKernel): Float64Array {
  if (kernel.inChannels !== 3) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `chromaticity is defined for filters on RGB input (3 input channels), but "${kernel.layerName}" has ` +
        `${kernel.inChannels}; use it on the first convolution of a colour model`,
    );
  }
  const out = new Float64Array(kernel.filters);
  for (let f = 0; f < kernel.filters; f++) out[f] = chromaticity(filterWeights(kernel, f));
  return out;
}

/**
 * Reads the Conv2D layer `layerName` (default: the model's first Conv2D) and gives each filter's
 * chromaticity.
 */
export function layerChromaticity(model: tfl.LayersModel, layerName?: string): Float64Array {
  const name = layerName ?? model.layers.find((l) => l.getClassName() === "Conv2D")?.name;
  if (name === undefined) {
    throw new CarveError(
      "UNSUPPORTED_LAYER",
      `model "${model.name}" has no Conv2D layer to measure colour in`,
    );
  }
  return kernelChromaticity(readConvKernel(model, name));
}

/** Filters ordered by chromaticity and split into the most chromatic ones and the rest. */
export interface ChromaticSplit {
  /** Filter indices, most chromatic first; equal values by smaller index. */
  ranking: number[];
  /** The first `count` of the ranking, in ascending index order. */
  mostChromatic: number[];
  /** All other filters, in ascending index order. */
  rest: number[];
}

/**
 * Ranks filters by chromaticity and splits off the `count` most chromatic (default ⌊n/2⌋, "the most chromatic
 * half"; for odd n the middle filter goes to the rest).
 */
export function splitByChromaticity(values: ArrayLike<number>, count?: number): ChromaticSplit {
  const n = values.length;
  const take = count ?? Math.floor(n / 2);
  if (!Number.isInteger(take) || take < 0 || take > n) {
    throw new CarveError("INVALID_ARGUMENT", `count must be an integer in 0..${n}, got ${take}`);
  }
  const ranking = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    values[a]! !== values[b]! ? (values[a]! > values[b]! ? -1 : 1) : a - b,
  );
  const ascending = (a: number, b: number) => a - b;
  return {
    ranking,
    mostChromatic: ranking.slice(0, take).sort(ascending),
    rest: ranking.slice(take).sort(ascending),
  };
}

/**
 * How many of the first `first` filters of a removal order (e.g. the order CAR, L1 or a random criterion
 * removes a layer's filters in) are in `members` (e.g. `mostChromatic`).
 */
export function countRemovedAmong(
  order: ArrayLike<number>,
  first: number,
  members: Iterable<number>,
): number {
  if (!Number.isInteger(first) || first < 0 || first > order.length) {
    throw new CarveError("INVALID_ARGUMENT", `first must be an integer in 0..${order.length}, got ${first}`);
  }
  const set = new Set(members);
  let count = 0;
  for (let i = 0; i < first; i++) if (set.has(order[i]!)) count++;
  return count;
}

/** What chance alone gives for {@link countRemovedAmong}. */
export interface ChanceOverlap {
  /** Expected count for a uniformly random order: drawn · members / total. */
  expected: number;
  /** P(count ≥ observed) for a uniformly random order (hypergeometric upper tail): a one-sided p-value. */
  probabilityAtLeast: number;
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
  return sum;
}

/**
 * The exact distribution of the overlap under a random removal order: with `total` filters of which `members`
 * are chromatic, a random order's first `drawn` filters contain a hypergeometric number of them. Gives the
 * expectation and the probability of reaching `observed`, so a report can state how unusual CAR's count is
 * without simulating many random seeds (simulate anyway to check).
 */
export function chanceOverlap(
  total: number,
  members: number,
  drawn: number,
  observed: number,
): ChanceOverlap {
  const valid = [total, members, drawn, observed].every((v) => Number.isInteger(v) && v >= 0);
  if (!valid || members > total || drawn > total) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `chanceOverlap needs integers 0 ≤ members, drawn ≤ total and observed ≥ 0; got total ${total}, ` +
        `members ${members}, drawn ${drawn}, observed ${observed}`,
    );
  }
  const low = Math.max(0, drawn - (total - members));
  const high = Math.min(drawn, members);
  const logAll = logChoose(total, drawn);
  let tail = 0;
  for (let x = Math.max(observed, low); x <= high; x++) {
    tail += Math.exp(logChoose(members, x) + logChoose(total - members, drawn - x) - logAll);
  }
  return { expected: total > 0 ? (drawn * members) / total : 0, probabilityAtLeast: Math.min(1, tail) };
}
