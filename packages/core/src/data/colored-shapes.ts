/**
 * Synthetic "colored shapes": small RGB images of one filled shape on a plain background, made to test the
 * claim that CAR pruning removes redundant colour filters first (Abbasi-Asl & Yu, "Structural compression
 * of convolutional neural networks", 2017/2020). Two variants separate "colour is nuisance" from "colour is
 * signal"; see {@link generateColoredShapes} for the exact generative process.
 */
import { CarveError } from "../errors.js";
import { createRng } from "../util/random.js";
import { ArrayDataset } from "./array-dataset.js";
import { hsvToRgb, luma } from "./color.js";
import type { Dataset, DatasetSplits, ImageShape } from "./dataset.js";

/** Class names in label order; image `i` has label `i mod 5`. */
export const SHAPE_CLASSES = ["circle", "square", "triangle", "cross", "ring"] as const;
export type ShapeName = (typeof SHAPE_CLASSES)[number];

/**
 * "tint": the shape differs from its background in brightness only, and the whole image is multiplied by
 * one random colour, so colour carries no label information. "isoluminant": shape and background have equal
 * Rec. 601 luma and differ only in hue, so the shape is invisible to a brightness (luma) filter.
 */
export type ShapesVariant = "tint" | "isoluminant";
export const SHAPES_VARIANTS: readonly ShapesVariant[] = ["tint", "isoluminant"];

type Rgb = [number, number, number];

/** The noiseless content of one image: what was drawn, where, in which colours. */
export interface ShapeScene {
  label: number;
  shape: ShapeName;
  /** Centre in pixel coordinates (pixel (x, y) covers [x, x+1) × [y, y+1); y grows downward). */
  centerX: number;
  centerY: number;
  /** Circumradius of the shape in pixels (half the side of the circle's bounding square). */
  radius: number;
  /** Shape and background colours, RGB in [0, 1]. */
  foreground: Rgb;
  background: Rgb;
}

export interface ColoredShapesOptions {
  variant: ShapesVariant;
  /** Number of images; labels cycle 0, 1, 2, 3, 4, 0, … so classes are balanced. */
  count: number;
  seed: number;
  /** [height, width, 3]; default [32, 32, 3]. Height and width at least 8. */
  size?: ImageShape;
  /** Standard deviation of the Gaussian pixel noise, per channel; default 0.02. */
  noise?: number;
  /** Dataset name; default "shapes-<variant>". */
  name?: string;
}

const DEFAULT_SIZE: ImageShape = [32, 32, 3];
const DEFAULT_NOISE = 0.02;
/** Sub-pixel samples per axis for anti-aliasing (4 × 4 = 16 per pixel). */
const SUPERSAMPLING = 4;

function checkOptions(options: ColoredShapesOptions): { size: ImageShape; noise: number } {
  const size = options.size ?? DEFAULT_SIZE;
  const noise = options.noise ?? DEFAULT_NOISE;
  const [h, w, c] = size;
  if (!SHAPES_VARIANTS.includes(options.variant)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `colored shapes variant must be ${SHAPES_VARIANTS.join(" or ")}, got ${String(options.variant)}`,
    );
  }
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 8 || w < 8 || c !== 3) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `colored shapes size must be [height ≥ 8, width ≥ 8, 3] (RGB), got [${size.join(", ")}]`,
    );
  }
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `colored shapes count must be a positive integer, got ${options.count}`,
    );
  }
  if (!(noise >= 0 && noise <= 0.5)) {
    throw new CarveError("INVALID_ARGUMENT", `colored shapes noise must be in [0, 0.5], got ${noise}`);
  }
  return { size, noise };
}

const uniform = (rng: () => number, low: number, high: number) => low + (high - low) * rng();

/**
 * The colour of hue `hue` with Rec. 601 luma exactly `level`: grey `level` plus a multiple of the hue's
 * zero-luma chroma direction C = D − luma(D)·(1, 1, 1), where D is the fully saturated hue. The multiple is
 * `strength` (in [0, 1]) times the largest one that keeps every component in [0.05, 0.95].
 */
export function isoluminantColor(hue: number, level: number, strength: number): Rgb {
  const saturated = hsvToRgb(hue, 1, 1);
  const grey = luma(...saturated);
  const chroma = saturated.map((v) => v - grey);
  let kMax = Infinity;
  for (const c of chroma) {
    if (c > 1e-12) kMax = Math.min(kMax, (0.95 - level) / c);
    if (c < -1e-12) kMax = Math.min(kMax, (0.05 - level) / c);
  }
  const k = strength * kMax;
  return chroma.map((c) => level + k * c) as Rgb;
}

/** Draws the scene of one image; always 8 calls of `rng`, so scenes do not depend on anything else. */
function sampleScene(rng: () => number, index: number, variant: ShapesVariant, size: ImageShape): ShapeScene {
  const [h, w] = size;
  const m = Math.min(h, w);
  const label = index % SHAPE_CLASSES.length;
  const radius = uniform(rng, 0.22 * m, 0.4 * m);
  const centerX = uniform(rng, radius + 1, w - radius - 1);
  const centerY = uniform(rng, radius + 1, h - radius - 1);
  let foreground: Rgb;
  let background: Rgb;
  if (variant === "tint") {
    const dark = uniform(rng, 0.1, 0.45);
    const bright = uniform(rng, 0.6, 0.95);
    const shapeIsBright = rng() < 0.5;
    const tint = hsvToRgb(uniform(rng, 0, 360), uniform(rng, 0.2, 0.7), 1);
    const [f, b] = shapeIsBright ? [bright, dark] : [dark, bright];
    foreground = tint.map((t) => f * t) as Rgb;
    background = tint.map((t) => b * t) as Rgb;
  } else {
    const level = uniform(rng, 0.4, 0.6);
    const backgroundHue = uniform(rng, 0, 360);
    const shapeHue = backgroundHue + uniform(rng, 90, 270);
    background = isoluminantColor(backgroundHue, level, uniform(rng, 0.8, 1));
    foreground = isoluminantColor(shapeHue, level, uniform(rng, 0.8, 1));
  }
  return { label, shape: SHAPE_CLASSES[label]!, centerX, centerY, radius, foreground, background };
}

function inside(shape: ShapeName, dx: number, dy: number, r: number): boolean {
  switch (shape) {
    case "circle":
      return dx * dx + dy * dy <= r * r;
    case "square":
      return Math.abs(dx) <= 0.8 * r && Math.abs(dy) <= 0.8 * r;
    case "triangle":
      // Upward equilateral triangle inscribed in the circle of radius r: apex (0, −r), base at dy = r/2;
      // its half-width grows from 0 at the apex with slope 1/√3.
      return dy <= 0.5 * r && Math.abs(dx) * Math.sqrt(3) <= dy + r;
    case "cross":
      return (Math.abs(dx) <= r && Math.abs(dy) <= 0.3 * r) || (Math.abs(dy) <= r && Math.abs(dx) <= 0.3 * r);
    case "ring": {
      const d2 = dx * dx + dy * dy;
      return d2 <= r * r && d2 >= 0.55 * 0.55 * r * r;
    }
  }
}

/**
 * Fraction of each pixel covered by the scene's shape (row-major, height × width), from 4 × 4 sub-pixel
 * samples: 0 is pure background, 1 pure shape, values between are anti-aliased edges.
 */
export function shapeCoverage(scene: ShapeScene, height: number, width: number): Float32Array {
  const coverage = new Float32Array(height * width);
  const { centerX, centerY, radius } = scene;
  const y0 = Math.max(0, Math.floor(centerY - radius));
  const y1 = Math.min(height - 1, Math.ceil(centerY + radius));
  const x0 = Math.max(0, Math.floor(centerX - radius));
  const x1 = Math.min(width - 1, Math.ceil(centerX + radius));
  const step = 1 / SUPERSAMPLING;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let hits = 0;
      for (let sy = 0; sy < SUPERSAMPLING; sy++) {
        for (let sx = 0; sx < SUPERSAMPLING; sx++) {
          const dx = x + (sx + 0.5) * step - centerX;
          const dy = y + (sy + 0.5) * step - centerY;
          if (inside(scene.shape, dx, dy, radius)) hits++;
        }
      }
      coverage[y * width + x] = hits / (SUPERSAMPLING * SUPERSAMPLING);
    }
  }
  return coverage;
}

/**
 * The scenes of `generateColoredShapes(options)`, without rendering: the same seed gives the same scenes,
 * so tests and reports can know where each shape is and which colours it has.
 */
export function sampleColoredShapeScenes(options: ColoredShapesOptions): ShapeScene[] {
  const { size } = checkOptions(options);
  const rng = createRng(options.seed);
  return Array.from({ length: options.count }, (_, index) => sampleScene(rng, index, options.variant, size));
}

/**
 * Generates a colored-shapes dataset. The generative process, exactly (U = uniform, m = min(height, width)):
 *
 * 1. One random stream, `createRng(seed)` (mulberry32). First all scenes are drawn from it, in image order,
 *    8 numbers each; then the noise of all images, in image order.
 * 2. Image i has label `i mod 5`: circle, square, triangle, cross, ring ({@link SHAPE_CLASSES}). Classes are
 *    balanced and the label is independent of everything drawn below.
 * 3. Geometry: radius r ~ U[0.22 m, 0.40 m) (7.0–12.8 px at 32×32); centre x ~ U[r+1, width−r−1), y alike,
 *    so the shape lies wholly inside with a 1-pixel margin. Shapes, centred, with circumradius r: circle
 *    (disc of radius r), square (side 1.6 r, axis-aligned), triangle (upward equilateral, inscribed in the
 *    circle of radius r), cross (plus sign, arms 2r long and 0.6 r wide), ring (annulus between 0.55 r and r).
 *    No rotation. Each pixel's coverage α ∈ [0, 1] is the fraction of 4×4 sub-pixel samples inside
 *    ({@link shapeCoverage}).
 * 4. Colours, with luma meaning Rec. 601 luma Y′ = 0.299 R + 0.587 G + 0.114 B of the stored values:
 *    - "tint": two grey levels, dark ~ U[0.10, 0.45) and bright ~ U[0.60, 0.95); the shape is the bright one
 *      with probability ½ (else the background is), so contrast polarity is random. A tint T =
 *      HSV(hue ~ U[0°, 360°), saturation ~ U[0.2, 0.7), value 1), components in [0.3, 1], multiplies both:
 *      shape colour f·T, background b·T. Every noiseless pixel is (α f + (1−α) b)·T, a grey image times one
 *      colour: the chromaticity T/ΣT is the same at every pixel and independent of the label, so colour says
 *      nothing about the shape, while luma contrast |f − b|·Y′(T) ≥ 0.15 · 0.38 ≈ 0.057 always shows it.
 *      (Channel-opponent combinations such as R − G still see an edge, but with a gain (tR − tG)(f − b) whose
 *      sign and size change from image to image; only luminance sees the shape reliably.)
 *    - "isoluminant": one luma level Y ~ U[0.4, 0.6); background hue h ~ U[0°, 360°), shape hue
 *      h + U[90°, 270°) (at least 90° apart); each colour is {@link isoluminantColor}(hue, Y, s) with
 *      strength s ~ U[0.8, 1). Both colours have luma exactly Y, and so does every anti-aliased mix of them,
 *      so the noiseless image has constant luma: a filter with weights ∝ (0.299, 0.587, 0.114) sees nothing,
 *      every other channel combination sees the edge with an image-dependent gain. Colour is needed.
 * 5. Noise: each channel of each pixel gets independent Gaussian noise N(0, σ²), σ = `noise` (default 0.02,
 *    i.e. 0.013 in luma), drawn by Box–Muller; values are clipped to [0, 1] (colours stay within
 *    [0.03, 0.95], so clipping is rare) and stored as uint8 round(255 v).
 *
 * The same options always give the same bytes.
 */
export function generateColoredShapes(options: ColoredShapesOptions): Dataset {
  const { size, noise } = checkOptions(options);
  const [h, w] = size;
  const rng = createRng(options.seed);
  const scenes = Array.from({ length: options.count }, (_, index) =>
    sampleScene(rng, index, options.variant, size),
  );
  const imageSize = h * w * 3;
  const pixels = new Uint8Array(options.count * imageSize);
  const labels = new Uint8Array(options.count);
  let spare: number | undefined;
  const gaussian = () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - rng()));
    const angle = 2 * Math.PI * rng();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  scenes.forEach((scene, i) => {
    labels[i] = scene.label;
    const coverage = shapeCoverage(scene, h, w);
    const { foreground: f, background: b } = scene;
    for (let p = 0; p < h * w; p++) {
      const alpha = coverage[p]!;
      for (let c = 0; c < 3; c++) {
        const clean = alpha * f[c]! + (1 - alpha) * b[c]!;
        const value = Math.min(1, Math.max(0, clean + noise * gaussian()));
        pixels[i * imageSize + p * 3 + c] = Math.round(value * 255);
      }
    }
  });
  return new ArrayDataset({
    name: options.name ?? `shapes-${options.variant}`,
    imageShape: size,
    classNames: SHAPE_CLASSES,
    pixels,
    labels,
  });
}

export interface ColoredShapesSplitOptions extends Omit<ColoredShapesOptions, "count"> {
  /** Training images; default 5000 (1000 per class). */
  trainCount?: number;
  /** Test images; default 1000 (200 per class). */
  testCount?: number;
  /** Validation images (never trained on; they choose filters by default); default 1000. 0 for none. */
  validationCount?: number;
}

/**
 * Train, test and validation sets of one variant: images 0..trainCount−1, the next testCount and the next
 * validationCount images of one generated set (disjoint, same distribution, classes balanced when the counts
 * are multiples of 5; images are generated in sequence, so adding validation images leaves train and test
 * unchanged). Named "shapes-<variant>/train", "/test" and "/validation".
 */
export function generateColoredShapesSplits(options: ColoredShapesSplitOptions): DatasetSplits {
  const { trainCount = 5000, testCount = 1000, validationCount = 1000, ...rest } = options;
  if (!Number.isInteger(trainCount) || !Number.isInteger(testCount) || trainCount < 1 || testCount < 1) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `trainCount and testCount must be positive integers, got ${trainCount} and ${testCount}`,
    );
  }
  const name = options.name ?? `shapes-${options.variant}`;
  if (!Number.isInteger(validationCount) || validationCount < 0) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `validationCount must be a non-negative integer, got ${validationCount}`,
    );
  }
  const all = generateColoredShapes({ ...rest, count: trainCount + testCount + validationCount, name });
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  return {
    train: all.subset(range(0, trainCount), `${name}/train`),
    test: all.subset(range(trainCount, testCount), `${name}/test`),
    ...(validationCount > 0
      ? { validation: all.subset(range(trainCount + testCount, validationCount), `${name}/validation`) }
      : {}),
  };
}
