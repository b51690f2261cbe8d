import { describe, expect, it } from "vitest";

import { isCarveError } from "../errors.js";
import { Z_95, classwiseAccuracyDrop, pairedAccuracyDrop } from "./statistics.js";

describe("pairedAccuracyDrop", () => {
  it("matches a variance computed by hand from the ten paired differences", () => {
    // N = 10 images, b = 3 right→wrong, c = 1 wrong→right: d = [1, 1, 1, −1, 0, 0, 0, 0, 0, 0].
    // mean d = 0.2; squared deviations 3·0.8² + 1.2² + 6·0.2² = 1.92 + 1.44 + 0.24 = 3.6;
    // s² = 3.6 / 9 = 0.4; Var(mean) = 0.4 / 10 = 0.04; SE = 0.2.
    // The closed form gives the same: (b + c − (b − c)²/N) / (N(N − 1)) = (4 − 0.4) / 90 = 0.04.
    const result = pairedAccuracyDrop(3, 1, 10);
    expect(result.drop).toBeCloseTo(0.2, 15);
    expect(result.standardError).toBeCloseTo(0.2, 15);
    expect(result.ci95[0]).toBeCloseTo(0.2 - Z_95 * 0.2, 15);
    expect(result.ci95[1]).toBeCloseTo(0.2 + Z_95 * 0.2, 15);
  });

  it("keeps the sign of a negative drop when removing the filter helps", () => {
    const result = pairedAccuracyDrop(1, 4, 50);
    expect(result.drop).toBeCloseTo(-0.06, 15);
    expect(result.ci95[0]).toBeLessThan(result.drop);
    expect(result.ci95[1]).toBeGreaterThan(result.drop);
  });

  it("gives a zero-width interval at zero when no image flips", () => {
    expect(pairedAccuracyDrop(0, 0, 400)).toEqual({ drop: 0, standardError: 0, ci95: [0, 0] });
  });

  it("gives an interval that contains the drop and shrinks as N grows at the same flip rates", () => {
    // 3% of images break and 1% are fixed, at growing N: the width falls like 1/√N.
    let previousWidth = Number.POSITIVE_INFINITY;
    for (const n of [100, 1000, 10_000, 100_000]) {
      const { drop, ci95 } = pairedAccuracyDrop(0.03 * n, 0.01 * n, n);
      expect(drop).toBeCloseTo(0.02, 12);
      expect(ci95[0]).toBeLessThanOrEqual(drop);
      expect(ci95[1]).toBeGreaterThanOrEqual(drop);
      const width = ci95[1] - ci95[0];
      expect(width).toBeLessThan(previousWidth);
      if (Number.isFinite(previousWidth)) expect(previousWidth / width).toBeCloseTo(Math.sqrt(10), 1);
      previousWidth = width;
    }
  });

  it("rejects counts that cannot come from a paired comparison", () => {
    for (const [b, c, n] of [
      [3, 8, 10],
      [-1, 0, 10],
      [1.5, 0, 10],
      [0, 0, 0],
    ] as const) {
      let caught: unknown;
      try {
        pairedAccuracyDrop(b, c, n);
      } catch (error) {
        caught = error;
      }
      expect(isCarveError(caught, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});

describe("classwiseAccuracyDrop", () => {
  it("divides each class's net flips by its image count, NaN for an absent class", () => {
    const drops = classwiseAccuracyDrop([2, 0, 0], [1, 1, 0], [10, 4, 0]);
    expect(drops[0]).toBeCloseTo(0.1, 15);
    expect(drops[1]).toBeCloseTo(-0.25, 15);
    expect(drops[2]).toBeNaN();
  });

  it("averages to the overall drop when weighted by class frequency", () => {
    const b = [2, 0, 5, 1];
    const c = [1, 1, 0, 0];
    const n = [10, 4, 30, 6];
    const drops = classwiseAccuracyDrop(b, c, n);
    const total = n.reduce((s, v) => s + v, 0);
    const weighted = n.reduce((s, nk, k) => s + (nk / total) * drops[k]!, 0);
    expect(weighted).toBeCloseTo(pairedAccuracyDrop(8, 2, total).drop, 14);
  });
});
