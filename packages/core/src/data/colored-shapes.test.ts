import "@tensorflow/tfjs-backend-cpu";

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { CarveError } from "../errors.js";
import { luma } from "./color.js";
import {
  SHAPE_CLASSES,
  generateColoredShapes,
  generateColoredShapesSplits,
  isoluminantColor,
  sampleColoredShapeScenes,
  shapeCoverage,
  type ColoredShapesOptions,
  type ShapeScene,
} from "./colored-shapes.js";
import type { Dataset } from "./dataset.js";

/** All pixels of a dataset as one Float32Array (tiny sets only), read through the public batch API. */
function pixelsOf(dataset: Dataset): Float32Array {
  const [h, w, c] = dataset.imageShape;
  const out = new Float32Array(dataset.size * h * w * c);
  let offset = 0;
  for (const batch of dataset.batches({ batchSize: 128 })) {
    const values = batch.images.dataSync();
    out.set(values, offset);
    offset += values.length;
    tf.dispose([batch.images, batch.labels]);
  }
  return out;
}

/** Mean R, G, B over the pixels of image `i` whose coverage passes `keep`. */
function regionMean(
  pixels: Float32Array,
  i: number,
  coverage: Float32Array,
  keep: (alpha: number) => boolean,
) {
  const sum = [0, 0, 0];
  let n = 0;
  const base = i * coverage.length * 3;
  coverage.forEach((alpha, p) => {
    if (!keep(alpha)) return;
    for (let c = 0; c < 3; c++) sum[c]! += pixels[base + p * 3 + c]!;
    n++;
  });
  return { rgb: sum.map((s) => s / n) as [number, number, number], n };
}

function insideOutside(pixels: Float32Array, scenes: ShapeScene[], i: number) {
  const coverage = shapeCoverage(scenes[i]!, 32, 32);
  return {
    inside: regionMean(pixels, i, coverage, (a) => a === 1),
    outside: regionMean(pixels, i, coverage, (a) => a === 0),
  };
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("generateColoredShapes", () => {
  it("gives identical bytes for the same seed and different images for another seed", () => {
    for (const variant of ["tint", "isoluminant"] as const) {
      const options: ColoredShapesOptions = { variant, count: 20, seed: 42 };
      const a = pixelsOf(generateColoredShapes(options));
      const b = pixelsOf(generateColoredShapes(options));
      const c = pixelsOf(generateColoredShapes({ ...options, seed: 43 }));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    }
  });

  it("cycles labels through the five shapes and names them", () => {
    const dataset = generateColoredShapes({ variant: "tint", count: 12, seed: 1 });
    expect(dataset.name).toBe("shapes-tint");
    expect(dataset.classNames).toEqual(["circle", "square", "triangle", "cross", "ring"]);
    expect([...dataset.labels()]).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
    const scenes = sampleColoredShapeScenes({ variant: "tint", count: 12, seed: 1 });
    expect(scenes.map((s) => s.shape)).toEqual([...dataset.labels()].map((l) => SHAPE_CLASSES[l]));
  });

  it("renders exactly the sampled scene when there is no noise", () => {
    const options: ColoredShapesOptions = { variant: "isoluminant", count: 5, seed: 9, noise: 0 };
    const pixels = pixelsOf(generateColoredShapes(options));
    const scenes = sampleColoredShapeScenes(options);
    scenes.forEach((scene, i) => {
      const coverage = shapeCoverage(scene, 32, 32);
      coverage.forEach((alpha, p) => {
        for (let c = 0; c < 3; c++) {
          const expected = alpha * scene.foreground[c]! + (1 - alpha) * scene.background[c]!;
          const got = pixels[(i * 1024 + p) * 3 + c]!;
          if (Math.abs(got - expected) > 0.5 / 255 + 1e-6)
            throw new Error(`image ${i} pixel ${p}: ${got} ≠ ${expected}`);
        }
      });
    });
  });

  it("draws shapes with the areas of their definitions", () => {
    // Areas in units of r²: circle π; square (1.6)² = 2.56; equilateral triangle inscribed in a circle of
    // radius r: (3√3/4) ≈ 1.299; cross: two 2r × 0.6r bars minus their 0.6r × 0.6r overlap = 2.04;
    // ring: π (1 − 0.55²) ≈ 2.191.
    const expected = [Math.PI, 2.56, (3 * Math.sqrt(3)) / 4, 2.04, Math.PI * (1 - 0.55 * 0.55)];
    const size = [96, 96, 3] as const;
    const scenes = sampleColoredShapeScenes({ variant: "tint", count: 5, seed: 3, size });
    scenes.forEach((scene, k) => {
      const area = shapeCoverage(scene, 96, 96).reduce((a, b) => a + b, 0);
      expect(area / scene.radius ** 2).toBeCloseTo(expected[k]!, 1);
    });
  });

  it("keeps every shape inside the image with its radius in [0.22, 0.40] of the side", () => {
    for (const scene of sampleColoredShapeScenes({ variant: "isoluminant", count: 500, seed: 5 })) {
      expect(scene.radius).toBeGreaterThanOrEqual(0.22 * 32);
      expect(scene.radius).toBeLessThan(0.4 * 32);
      for (const centre of [scene.centerX, scene.centerY]) {
        expect(centre - scene.radius).toBeGreaterThanOrEqual(1);
        expect(centre + scene.radius).toBeLessThanOrEqual(31);
      }
    }
  });

  it("yields float32 [n, 32, 32, 3] batches in [0, 1] and leaks no tensors", () => {
    const dataset = generateColoredShapes({ variant: "tint", count: 30, seed: 2 });
    const before = tf.memory().numTensors;
    for (const batch of dataset.batches({ batchSize: 8, shuffleSeed: 4 })) {
      expect(batch.images.dtype).toBe("float32");
      expect(batch.images.shape.slice(1)).toEqual([32, 32, 3]);
      const values = batch.images.dataSync();
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      tf.dispose([batch.images, batch.labels]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options with INVALID_ARGUMENT", () => {
    const bad: ColoredShapesOptions[] = [
      { variant: "tint", count: 0, seed: 1 },
      { variant: "tint", count: 3, seed: 1, size: [32, 32, 1] },
      { variant: "tint", count: 3, seed: 1, size: [4, 32, 3] },
      { variant: "sepia" as "tint", count: 3, seed: 1 },
      { variant: "tint", count: 3, seed: 1, noise: -1 },
    ];
    for (const options of bad) {
      expect(() => generateColoredShapes(options)).toThrow(CarveError);
      expect(() => generateColoredShapes(options)).toThrow(/colored shapes/);
    }
  });
});

describe("isoluminant variant", () => {
  it("builds colours of exactly the requested luma for every hue", () => {
    for (let hue = 0; hue < 360; hue += 7) {
      const colour = isoluminantColor(hue, 0.47, 1);
      expect(luma(...colour)).toBeCloseTo(0.47, 12);
      expect(Math.min(...colour)).toBeGreaterThanOrEqual(0.05 - 1e-12);
      expect(Math.max(...colour)).toBeLessThanOrEqual(0.95 + 1e-12);
    }
  });

  it("gives shape and background the same luma within the noise, but clearly different colours", () => {
    const options: ColoredShapesOptions = { variant: "isoluminant", count: 300, seed: 11 };
    const pixels = pixelsOf(generateColoredShapes(options));
    const scenes = sampleColoredShapeScenes(options);
    let worstLuma = 0;
    let weakestColour = Infinity;
    for (let i = 0; i < scenes.length; i++) {
      const { inside, outside } = insideOutside(pixels, scenes, i);
      // Noise per pixel in luma: 0.02 · √(0.299² + 0.587² + 0.114²) = 0.0134; over ≥ 40 inside and ≥ 500
      // outside pixels the difference of means has σ ≤ 0.0022, so 0.012 is more than 5σ.
      worstLuma = Math.max(worstLuma, Math.abs(luma(...inside.rgb) - luma(...outside.rgb)));
      const colourGap = Math.hypot(...inside.rgb.map((v, c) => v - outside.rgb[c]!));
      weakestColour = Math.min(weakestColour, colourGap);
    }
    expect(worstLuma).toBeLessThan(0.012);
    expect(weakestColour).toBeGreaterThan(0.3);
  });
});

describe("tint variant", () => {
  it("shows every shape in luma and gives shape and background the same chromaticity", () => {
    const options: ColoredShapesOptions = { variant: "tint", count: 300, seed: 12 };
    const pixels = pixelsOf(generateColoredShapes(options));
    const scenes = sampleColoredShapeScenes(options);
    let weakestLuma = Infinity;
    let worstChromaticity = 0;
    for (let i = 0; i < scenes.length; i++) {
      const { inside, outside } = insideOutside(pixels, scenes, i);
      weakestLuma = Math.min(weakestLuma, Math.abs(luma(...inside.rgb) - luma(...outside.rgb)));
      const chromaticity = (rgb: number[]) => rgb.map((v) => v / (rgb[0]! + rgb[1]! + rgb[2]!));
      const [a, b] = [chromaticity(inside.rgb), chromaticity(outside.rgb)];
      worstChromaticity = Math.max(worstChromaticity, ...a.map((v, c) => Math.abs(v - b[c]!)));
    }
    // Luma contrast is at least 0.15 · luma(tint) ≥ 0.15 · 0.38 = 0.057 (see the generator's TSDoc).
    expect(weakestLuma).toBeGreaterThan(0.05);
    // A dark region (sum of RGB ≥ 0.3) with ≥ 40 pixels: chromaticity noise ≈ 0.02/√40/0.3 ≈ 0.01.
    expect(worstChromaticity).toBeLessThan(0.05);
  });

  it("carries no label information in the mean colour of an image", () => {
    const dataset = generateColoredShapes({ variant: "tint", count: 2000, seed: 13 });
    const pixels = pixelsOf(dataset);
    const labels = dataset.labels();
    const means = Array.from({ length: dataset.size }, (_, i) => {
      const sum = [0, 0, 0];
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) sum[c]! += pixels[(i * 1024 + p) * 3 + c]!;
      return sum.map((s) => s / 1024);
    });
    // Per-class mean RGB: the tint is drawn independently of the label, so class means agree up to sampling
    // error (per-image mean RGB has σ ≈ 0.15, so σ ≈ 0.0075 for a mean of 400 images).
    const classMean = (k: number, from = 0, to = dataset.size) => {
      const sum = [0, 0, 0];
      let n = 0;
      for (let i = from; i < to; i++) {
        if (labels[i] !== k) continue;
        means[i]!.forEach((v, c) => (sum[c]! += v));
        n++;
      }
      return sum.map((s) => s / n);
    };
    const overall = [0, 1, 2].map((c) => means.reduce((s, m) => s + m[c]!, 0) / means.length);
    for (let k = 0; k < 5; k++) {
      classMean(k).forEach((v, c) => expect(Math.abs(v - overall[c]!)).toBeLessThan(0.035));
    }
    // An independent route: a nearest-class-mean classifier on mean RGB, fitted on the first half and scored
    // on the second, stays near chance (0.2).
    const centroids = [0, 1, 2, 3, 4].map((k) => classMean(k, 0, 1000));
    let correct = 0;
    for (let i = 1000; i < 2000; i++) {
      const distances = centroids.map((centre) => Math.hypot(...centre.map((v, c) => v - means[i]![c]!)));
      if (distances.indexOf(Math.min(...distances)) === labels[i]) correct++;
    }
    expect(correct / 1000).toBeLessThan(0.28);
  });
});

describe("generateColoredShapesSplits", () => {
  it("makes disjoint, balanced train and test sets that are reproducible", () => {
    const options = {
      variant: "isoluminant" as const,
      seed: 21,
      trainCount: 50,
      testCount: 25,
      validationCount: 0,
    };
    const splits = generateColoredShapesSplits(options);
    expect([splits.train.name, splits.test.name]).toEqual([
      "shapes-isoluminant/train",
      "shapes-isoluminant/test",
    ]);
    expect([splits.train.size, splits.test.size]).toEqual([50, 25]);
    const counts = (d: Dataset) => [0, 1, 2, 3, 4].map((k) => d.labels().filter((l) => l === k).length);
    expect(counts(splits.train)).toEqual([10, 10, 10, 10, 10]);
    expect(counts(splits.test)).toEqual([5, 5, 5, 5, 5]);
    // Test images are images 50..74 of the 75-image set of the same seed.
    const all = pixelsOf(generateColoredShapes({ variant: "isoluminant", seed: 21, count: 75 }));
    expect(pixelsOf(splits.test)).toEqual(all.subarray(50 * 3072));
    expect(pixelsOf(generateColoredShapesSplits(options).train)).toEqual(pixelsOf(splits.train));
  });

  it("adds a balanced validation set after the test images", () => {
    const splits = generateColoredShapesSplits({
      variant: "tint",
      seed: 4,
      trainCount: 20,
      testCount: 10,
      validationCount: 15,
    });
    expect(splits.validation?.name).toBe("shapes-tint/validation");
    expect(splits.validation?.size).toBe(15);
    const all = pixelsOf(generateColoredShapes({ variant: "tint", seed: 4, count: 45 }));
    expect(pixelsOf(splits.validation!)).toEqual(all.subarray(30 * 3072));
  });
});
