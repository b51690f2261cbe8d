import { describe, expect, it } from "vitest";

import { kernelFromFilters } from "../interpret/index.js";
import { colourClaimSheets, colourClaimStatistics } from "./colour-claim.js";

// Eight filters; the most chromatic half is {0, 1, 2, 3}.
const chromaticity = [0.9, 0.85, 0.8, 0.75, 0.2, 0.15, 0.1, 0.05];

describe("colourClaimStatistics", () => {
  it("counts an order that removes the four most chromatic filters first as 4 of 4, with P(≥ 4) = 1/70", () => {
    const result = colourClaimStatistics({
      layer: "conv1",
      chromaticity,
      orders: [{ criterion: "car", order: [3, 0, 2, 1, 7, 6, 5, 4] }],
      drawn: 4,
      randomOrders: 100,
      seed: 1,
    });
    const car = result.orders[0]!;
    expect(result.mostChromatic).toEqual([0, 1, 2, 3]);
    expect(result.threshold).toBe(0.75);
    // drawn · members / total = 4 · 4 / 8.
    expect(result.expected).toBe(2);
    expect(car.count).toBe(4);
    // Hypergeometric: all 4 draws from the 4 members, C(4,4)·C(4,0)/C(8,4) = 1/70.
    expect(car.probabilityAtLeast).toBeCloseTo(1 / 70, 12);
    expect(car.probabilityAtMost).toBeCloseTo(1, 12);
    expect(car.meanChromaticityRemoved).toBeCloseTo((0.9 + 0.85 + 0.8 + 0.75) / 4, 12);
    expect(car.meanChromaticityKept).toBeCloseTo((0.2 + 0.15 + 0.1 + 0.05) / 4, 12);
  });

  it("gives an order that removes the least chromatic filters first P(≤ 0) = 1/70 and P(≥ 0) = 1", () => {
    const result = colourClaimStatistics({
      layer: "conv1",
      chromaticity,
      orders: [{ criterion: "l1", order: [4, 5, 6, 7] }],
      drawn: 4,
      randomOrders: 10,
      seed: 1,
    });
    const l1 = result.orders[0]!;
    expect(l1.count).toBe(0);
    expect(l1.probabilityAtLeast).toBeCloseTo(1, 12);
    expect(l1.probabilityAtMost).toBeCloseTo(1 / 70, 12);
  });

  it("simulates random orders whose mean count is near the hypergeometric expectation, same seed same result", () => {
    const input = {
      layer: "conv1",
      chromaticity,
      orders: [{ criterion: "car" as const, order: [0, 1, 2, 3] }],
      drawn: 4,
      randomOrders: 2000,
      seed: 7,
    };
    const a = colourClaimStatistics(input);
    const b = colourClaimStatistics(input);
    expect(a.random).toEqual(b.random);
    // Hypergeometric mean 2 and variance n·K/N·(N−K)/N·(N−n)/(N−1) = 4·½·½·4/7 = 4/7: sd ≈ 0.756.
    expect(a.random.mean).toBeCloseTo(2, 1);
    expect(a.random.sd).toBeCloseTo(Math.sqrt(4 / 7), 1);
    expect(a.random.min).toBe(0);
    expect(a.random.max).toBe(4);
    // The simulated share of orders reaching 4 estimates the exact 1/70 ≈ 0.014.
    expect(Math.abs(a.random.atLeastCar - 1 / 70)).toBeLessThan(0.01);
  });
});

describe("colourClaimSheets", () => {
  it("draws the removed and the kept filters as two PNG sheets", () => {
    const filters = Array.from({ length: 4 }, (_, f) =>
      Array.from({ length: 3 * 3 * 3 }, (_, i) => ((i + f) % 5) - 2),
    );
    const kernel = kernelFromFilters(filters, 3, 3, 3, "conv1");
    const sheets = colourClaimSheets(kernel, [2, 0, 1, 3], 2);
    const signature = [0x89, 0x50, 0x4e, 0x47];
    expect(Array.from(sheets.removed.subarray(0, 4))).toEqual(signature);
    expect(Array.from(sheets.kept.subarray(0, 4))).toEqual(signature);
  });
});
