/**
 * Filters as pictures: each Conv2D filter's kernel drawn as a small image, and a sheet of all filters of a
 * layer, in the manner of the paper's first-layer AlexNet figures (Abbasi-Asl & Yu 2021, figs. 5–6), which
 * show RGB filters in colour.
 */
import { CarveError } from "../errors.js";
import { type ConvKernel, filterWeights } from "./conv-kernel.js";
import {
  TRANSPARENT,
  type Rgba,
  type RgbaImage,
  createImage,
  drawImage,
  unitToByte,
  upscaleNearest,
} from "./rgba-image.js";

/**
 * How a filter's weights become pixels.
 *
 * - "color": a kernelWidth×kernelHeight RGB image, input channels 0, 1, 2 as red, green, blue. Needs 3 input
 *   channels and assumes the model's input is RGB in that order (swap for BGR-trained models).
 * - "grayscale": one grey pixel per kernel position. Needs 1 input channel.
 * - "channels": one grayscale kernelWidth×kernelHeight tile per input channel, in a near-square grid (row
 *   by row, channel 0 top left), for deeper layers whose input channels have no colour meaning.
 * - "norm": one grey pixel per kernel position, the L2 norm of the weights over input channels: where in
 *   its window the filter looks, whatever it looks for.
 * - "auto" (default): "color" for 3 input channels, "grayscale" for 1, "channels" otherwise.
 */
export type FilterImageMode = "auto" | "color" | "grayscale" | "channels" | "norm";

/**
 * How weights map to brightness.
 *
 * - "symmetric" (default): 0 is mid-grey (128) and ±m are 255 and 0, with m the largest |weight| in the
 *   scaling scope. The sign stays readable (a pixel darker than grey is a negative weight), and in colour
 *   mode the three channels share one scale, so a pixel's hue is the true balance of its R, G, B weights —
 *   a grey pixel means equal weights on the three channels. For "norm" images (never negative) the scale is
 *   anchored at 0 instead: 0 is black and m is white.
 * - "minmax": the smallest weight in the scope is 0 and the largest 255, as in Krizhevsky-style filter
 *   figures: more contrast, but grey no longer means zero, and in colour the hue of a pixel is shifted by
 *   the offset the minimum adds to all three channels.
 */
export type FilterScaling = "symmetric" | "minmax";

export interface FilterImageOptions {
  /** See {@link FilterImageMode}; default "auto". */
  mode?: FilterImageMode;
  /** See {@link FilterScaling}; default "symmetric". */
  scaling?: FilterScaling;
  /**
   * Whose weights fix the scale: this filter alone (default "filter", every filter uses the full range) or
   * all filters of the layer ("layer", so brightness compares across filters and weak filters look faint).
   */
  scaleAcross?: "filter" | "layer";
  /** Pixels between the channel tiles of "channels" mode; default 1. */
  gap?: number;
  /** Colour of those gaps; default transparent. */
  background?: Rgba;
}

type ConcreteMode = Exclude<FilterImageMode, "auto">;

function resolveMode(kernel: ConvKernel, mode: FilterImageMode): ConcreteMode {
  const c = kernel.inChannels;
  const concrete: ConcreteMode =
    mode === "auto" ? (c === 3 ? "color" : c === 1 ? "grayscale" : "channels") : mode;
  if ((concrete === "color" && c !== 3) || (concrete === "grayscale" && c !== 1)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `filter image mode "${concrete}" needs ${concrete === "color" ? 3 : 1} input channel(s), but layer ` +
        `"${kernel.layerName}" has ${c}; use mode "channels" or "norm" (or "auto")`,
    );
  }
  return concrete;
}

/** The numbers that become pixels: the weights themselves, or their norm over input channels. */
function displayedValues(kernel: ConvKernel, filter: number, mode: ConcreteMode): Float32Array {
  const weights = filterWeights(kernel, filter);
  if (mode !== "norm") return weights;
  const positions = kernel.kernelHeight * kernel.kernelWidth;
  const c = kernel.inChannels;
  const norms = new Float32Array(positions);
  for (let p = 0; p < positions; p++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += weights[p * c + k]! ** 2;
    norms[p] = Math.sqrt(sum);
  }
  return norms;
}

interface Range {
  min: number;
  max: number;
}

function rangeOf(values: Float32Array, into: Range = { min: Infinity, max: -Infinity }): Range {
  for (const v of values) {
    if (v < into.min) into.min = v;
    if (v > into.max) into.max = v;
  }
  return into;
}

/** Maps a value to [0, 1] by the scaling rule; a constant or all-zero scope maps to the neutral point. */
function scaler(range: Range, scaling: FilterScaling, mode: ConcreteMode): (v: number) => number {
  if (scaling === "minmax") {
    const span = range.max - range.min;
    return span > 0 ? (v) => (v - range.min) / span : () => 0.5;
  }
  const m = Math.max(Math.abs(range.min), Math.abs(range.max));
  if (mode === "norm") return m > 0 ? (v) => v / m : () => 0;
  return m > 0 ? (v) => 0.5 + (0.5 * v) / m : () => 0.5;
}

function checkGap(gap: number): void {
  if (!Number.isInteger(gap) || gap < 0) {
    throw new CarveError("INVALID_ARGUMENT", `gap must be a non-negative integer, got ${gap}`);
  }
}

/** Columns of the near-square grid that `count` tiles are laid out in. */
function gridColumns(count: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

function render(
  kernel: ConvKernel,
  values: Float32Array,
  mode: ConcreteMode,
  scale: (v: number) => number,
  gap: number,
  background: Rgba,
): RgbaImage {
  const kh = kernel.kernelHeight;
  const kw = kernel.kernelWidth;
  const byte = (v: number) => unitToByte(scale(v));
  if (mode === "channels") {
    const c = kernel.inChannels;
    const columns = gridColumns(c);
    const rows = Math.ceil(c / columns);
    const image = createImage(columns * kw + (columns - 1) * gap, rows * kh + (rows - 1) * gap, background);
    for (let k = 0; k < c; k++) {
      const left = (k % columns) * (kw + gap);
      const top = Math.floor(k / columns) * (kh + gap);
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const grey = byte(values[(y * kw + x) * c + k]!);
          image.data.set([grey, grey, grey, 255], ((top + y) * image.width + left + x) * 4);
        }
      }
    }
    return image;
  }
  const image = createImage(kw, kh);
  for (let p = 0; p < kh * kw; p++) {
    if (mode === "color") {
      image.data.set([byte(values[p * 3]!), byte(values[p * 3 + 1]!), byte(values[p * 3 + 2]!), 255], p * 4);
    } else {
      const grey = byte(values[p]!);
      image.data.set([grey, grey, grey, 255], p * 4);
    }
  }
  return image;
}

function layerRange(kernel: ConvKernel, mode: ConcreteMode): Range {
  const range: Range = { min: Infinity, max: -Infinity };
  for (let f = 0; f < kernel.filters; f++) rangeOf(displayedValues(kernel, f, mode), range);
  return range;
}

/**
 * One filter's kernel as an RGBA image (see {@link FilterImageMode} for the layouts and
 * {@link FilterScaling} for how weights become brightness). Pure: reads only `kernel`.
 */
export function filterImage(kernel: ConvKernel, filter: number, options: FilterImageOptions = {}): RgbaImage {
  const mode = resolveMode(kernel, options.mode ?? "auto");
  const gap = options.gap ?? 1;
  checkGap(gap);
  const values = displayedValues(kernel, filter, mode);
  const range = options.scaleAcross === "layer" ? layerRange(kernel, mode) : rangeOf(values);
  const scale = scaler(range, options.scaling ?? "symmetric", mode);
  return render(kernel, values, mode, scale, gap, options.background ?? TRANSPARENT);
}

/** Where one filter's image lies on a {@link FilterSheet}, in sheet pixels. */
export interface SheetTile {
  filter: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** All (or some) filters of a layer side by side. */
export interface FilterSheet {
  image: RgbaImage;
  /** One tile per filter, in the order the filters were given. */
  tiles: SheetTile[];
}

export interface FilterSheetOptions extends FilterImageOptions {
  /** Which filters, in which order; default all in index order. Pass the kept ones to show a pruned layer. */
  filters?: readonly number[];
  /** Tiles per row; default the smallest that makes a near-square grid (⌈√count⌉). */
  columns?: number;
  /** Nearest-neighbour enlargement of each filter image before it is placed, so gaps stay thin; default 1. */
  tileScale?: number;
  /** Pixels between filter tiles; default 2 (wider than the 1-pixel gap between channel tiles). */
  tileGap?: number;
}

/**
 * A grid of filter images, row by row in the order of `filters`. With `scaleAcross: "layer"` every tile uses
 * the same scale, so the sheet also shows which filters have large weights.
 */
export function filterSheet(kernel: ConvKernel, options: FilterSheetOptions = {}): FilterSheet {
  const filters = options.filters ?? Array.from({ length: kernel.filters }, (_, i) => i);
  if (filters.length === 0) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `filter sheet of layer "${kernel.layerName}" got no filters to draw`,
    );
  }
  const columns = options.columns ?? gridColumns(filters.length);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new CarveError("INVALID_ARGUMENT", `columns must be a positive integer, got ${columns}`);
  }
  const tileGap = options.tileGap ?? 2;
  checkGap(tileGap);
  const tileScale = options.tileScale ?? 1;
  const images = filters.map((f) => upscaleNearest(filterImage(kernel, f, options), tileScale));
  const tileWidth = images[0]!.width;
  const tileHeight = images[0]!.height;
  const rows = Math.ceil(filters.length / columns);
  const used = Math.min(columns, filters.length);
  const image = createImage(
    used * tileWidth + (used - 1) * tileGap,
    rows * tileHeight + (rows - 1) * tileGap,
    options.background ?? TRANSPARENT,
  );
  const tiles = images.map((tile, i): SheetTile => {
    const left = (i % columns) * (tileWidth + tileGap);
    const top = Math.floor(i / columns) * (tileHeight + tileGap);
    drawImage(image, tile, left, top);
    return { filter: filters[i]!, left, top, width: tileWidth, height: tileHeight };
  });
  return { image, tiles };
}
