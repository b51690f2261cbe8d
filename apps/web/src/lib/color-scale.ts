/**
 * Viridis (matplotlib's perceptually uniform, colour-blind-safe map), sampled at nine stops and interpolated
 * linearly in RGB: enough for tiles and legends without shipping a colour library.
 */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** The viridis colour at t ∈ [0, 1] (clamped) as `rgb(r, g, b)`. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** Maps values onto [0, 1] over [min, max] of the given domain (a flat domain maps to 0.5). */
export function normalizer(values: readonly number[]): (v: number) => number {
  if (values.length === 0) return () => 0.5;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (max === min) return () => 0.5;
  return (v) => (v - min) / (max - min);
}

/** Black or white, whichever reads better on a viridis colour at t (viridis is light above about 0.6). */
export function textOn(t: number): string {
  return t > 0.6 ? "#111" : "#fff";
}

/** Okabe–Ito, a qualitative palette distinguishable with every common colour-vision deficiency. */
export const SERIES_COLORS = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#F0E442",
];
