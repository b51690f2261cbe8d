/**
 * The one image type the interpretation tools return: 8-bit RGBA pixels in memory. Plain bytes, so a caller
 * can encode them (see png.ts), send them over the API, or draw them on a canvas (`ImageData` has the same
 * layout) without tfjs.
 */
import { CarveError } from "../errors.js";

/** An image as RGBA bytes, row-major, 4 bytes per pixel, top row first. */
export interface RgbaImage {
  width: number;
  height: number;
  /** `width * height * 4` bytes: R, G, B, A of pixel (row y, column x) at `(y * width + x) * 4`. */
  data: Uint8Array;
}

/** An RGBA colour, each component 0..255. */
export type Rgba = readonly [r: number, g: number, b: number, a: number];

/** Fully transparent: the default for gaps between tiles and for pixels outside an image. */
export const TRANSPARENT: Rgba = [0, 0, 0, 0];

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `${what} must be at least 1×1 whole pixels, got ${width}×${height}`,
    );
  }
}

/** A `width`×`height` image filled with `fill` (default transparent). */
export function createImage(width: number, height: number, fill: Rgba = TRANSPARENT): RgbaImage {
  checkSize(width, height, "an image");
  const data = new Uint8Array(width * height * 4);
  if (fill.some((v) => v !== 0)) {
    for (let p = 0; p < width * height; p++) data.set(fill, p * 4);
  }
  return { width, height, data };
}

/** Copies `source` into `target` with its top-left corner at (left, top); parts outside are cut off. */
export function drawImage(target: RgbaImage, source: RgbaImage, left: number, top: number): void {
  for (let y = 0; y < source.height; y++) {
    const ty = top + y;
    if (ty < 0 || ty >= target.height) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(source.width, target.width - left);
    if (x1 <= x0) continue;
    const from = (y * source.width + x0) * 4;
    target.data.set(source.data.subarray(from, from + (x1 - x0) * 4), (ty * target.width + left + x0) * 4);
  }
}

/**
 * Enlarges an image by a whole factor, each pixel becoming a factor×factor block. Nearest neighbour on
 * purpose: a 3×3 kernel must stay nine crisp squares; smoothing would invent weights between them.
 */
export function upscaleNearest(image: RgbaImage, factor: number): RgbaImage {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new CarveError("INVALID_ARGUMENT", `upscale factor must be a positive integer, got ${factor}`);
  }
  if (factor === 1) return { width: image.width, height: image.height, data: image.data.slice() };
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < width; x++) {
      const from = (sy * image.width + Math.floor(x / factor)) * 4;
      data.set(image.data.subarray(from, from + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** A float in [0, 1] (clipped) as a byte. */
export function unitToByte(value: number): number {
  return Math.round(255 * Math.min(1, Math.max(0, value)));
}

/**
 * Float pixels in [0, 1] (HWC, channels 1 or 3 — the Dataset convention) as an RGBA image: one channel is
 * grey, three are RGB. Pixels where `inside` is 0 become transparent, e.g. the part of a receptive field that
 * lies in the padding beyond the image border.
 */
export function pixelsToImage(
  pixels: Float32Array,
  height: number,
  width: number,
  channels: number,
  inside?: Uint8Array,
): RgbaImage {
  checkSize(width, height, "an image");
  if ((channels !== 1 && channels !== 3) || pixels.length !== height * width * channels) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `expected ${height}×${width}×(1 or 3) pixel values, got ${pixels.length} values for ${channels} channels`,
    );
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    if (inside && inside[p] === 0) continue;
    for (let c = 0; c < 3; c++)
      data[p * 4 + c] = unitToByte(pixels[p * channels + (channels === 1 ? 0 : c)]!);
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}
