/**
 * PNG encoding of {@link RgbaImage}s. The library returns the bytes and never writes files: the CLI, the API
 * or a report decides where they go.
 */
import { PNG } from "pngjs";

import { CarveError } from "../errors.js";
import { type RgbaImage, upscaleNearest } from "./rgba-image.js";

export interface EncodePngOptions {
  /**
   * Whole-number nearest-neighbour enlargement before encoding (default 1). A 3×3 kernel is three pixels
   * wide; at 16 or more it can be seen without a viewer that turns smoothing off.
   */
  scale?: number;
}

/** The image as PNG file bytes (8-bit RGBA, no colour profile). */
export function encodePng(image: RgbaImage, options: EncodePngOptions = {}): Uint8Array {
  if (image.data.length !== image.width * image.height * 4) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `an RGBA image of ${image.width}×${image.height} needs ${image.width * image.height * 4} bytes, ` +
        `got ${image.data.length}`,
    );
  }
  const scaled =
    options.scale === undefined || options.scale === 1 ? image : upscaleNearest(image, options.scale);
  const png = new PNG({ width: scaled.width, height: scaled.height, colorType: 6, inputColorType: 6 });
  png.data = Buffer.from(scaled.data.buffer, scaled.data.byteOffset, scaled.data.byteLength);
  const bytes = PNG.sync.write(png, { colorType: 6, inputColorType: 6 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
