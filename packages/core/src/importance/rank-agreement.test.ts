import { describe, expect, it } from "vitest";

import { isCarveError } from "../errors.js";
import type { GroupScores } from "./criterion.js";
import { averageRanks, compareRankings, leastImportant, spearmanRho, topKOverlap } from "./rank-agreement.js";

describe("averageRanks", () => {
  it("gives tied values the mean of the ranks they span", () => {
    expect([...averageRanks([10, 20, 20, 5])]).toEqual([2, 3.5, 3.5, 1]);
    expect([...averageRanks([7, 7, 7])]).toEqual([2, 2, 2]);
  });
});

describe("spearmanRho", () => {
  it("is 1 for the same order and −1 for the reverse order, whatever the scale", () => {
    expect(spearmanRho([1, 2, 3, 4], [10, 200, 3000, 40_000])).toBeCloseTo(1, 15);
    expect(spearmanRho([1, 2, 3, 4], [0.4, 0.3, 0.2, 0.1])).toBeCloseTo(-1, 15);
  });

  it("matches a hand computation with a tie", () => {
    // a = [1, 2, 3, 4, 5] → ranks [1, 2, 3, 4, 5]; b = [5, 6, 7, 8, 7] → ranks [1, 2, 3.5, 5, 3.5].
    // Centred at 3: da = [−2, −1, 0, 1, 2], db = [−2, −1, 0.5, 2, 0.5].
    // Σ da·db = 4 + 1 + 0 + 2 + 1 = 8; Σ da² = 10; Σ db² = 4 + 1 + 0.25 + 4 + 0.25 = 9.5; rho = 8 / √95.
    expect(spearmanRho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 14);
  });

  it("is NaN when one criterion gives every filter the same score", () => {
    expect(spearmanRho([1, 2, 3], [0, 0, 0])).toBeNaN();
    expect(spearmanRho([1], [2])).toBeNaN();
  });

  it("rejects lists of different lengths", () => {
    let caught: unknown;
    try {
      spearmanRho([1, 2], [1, 2, 3]);
    } catch (error) {
      caught = error;
    }
    expect(isCarveError(caught, "INVALID_ARGUMENT")).toBe(true);
  });
});

describe("topKOverlap", () => {
  // a prunes first: 4 (0.0), 0 (0.1), 2 (0.2), 1, 3; b prunes first: 1 (0.1), 2 (0.2), 0 (0.3), 4, 3.
  const a = [0.1, 0.5, 0.2, 0.9, 0.0];
  const b = [0.3, 0.1, 0.2, 0.8, 0.4];

  it("counts the shared least important filters by hand", () => {
    expect(topKOverlap(a, b, 1)).toBe(0); // {4} vs {1}
    expect(topKOverlap(a, b, 2)).toBe(0); // {4, 0} vs {1, 2}
    expect(topKOverlap(a, b, 3)).toBeCloseTo(2 / 3, 15); // {4, 0, 2} vs {1, 2, 0}
    expect(topKOverlap(a, b, 5)).toBe(1);
  });

  it("breaks ties at the cut by the lower filter index", () => {
    expect(leastImportant([1, 1, 1, 0], 2)).toEqual([3, 0]);
    expect(topKOverlap([1, 1, 1, 0], [0, 5, 5, 0], 2)).toBe(1);
  });

  it("rejects a k outside 1..filters", () => {
    for (const k of [0, 6, 1.5]) {
      let caught: unknown;
      try {
        topKOverlap(a, b, k);
      } catch (error) {
        caught = error;
      }
      expect(isCarveError(caught, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});

describe("compareRankings", () => {
  const scores = (
    groupId: string,
    rows: Array<[filter: number, score: number, rank: number]>,
  ): GroupScores => ({
    groupId,
    size: 6,
    removed: [5],
    filters: rows.map(([filter, score, rank]) => ({ groupId, filter, score, rank })),
  });

  it("aligns the filters, uses scores for rho and ranks (with their tie-breaks) for the top k", () => {
    // CAR-like scores with a tie at 0 broken by rank (as the loss increase would), against another criterion.
    const car = scores("conv", [
      [0, 0, 2],
      [1, 0.02, 4],
      [2, 0, 1],
      [3, 0.05, 5],
      [4, 0.01, 3],
    ]);
    const other = scores("conv", [
      [4, 0.3, 2],
      [3, 0.9, 5],
      [2, 0.1, 1],
      [1, 0.5, 3],
      [0, 0.6, 4],
    ]);
    // Filter order 0..4: car scores [0, .02, 0, .05, .01] → average ranks [1.5, 4, 1.5, 5, 3];
    // other scores [.6, .5, .1, .9, .3] → ranks [4, 3, 1, 5, 2].
    // Centred at 3: [−1.5, 1, −1.5, 2, 0] and [1, 0, −2, 2, −1]; Σ products = −1.5 + 0 + 3 + 4 + 0 = 5.5;
    // Σ squares 2.25 + 1 + 2.25 + 4 + 0 = 9.5 and 1 + 0 + 4 + 4 + 1 = 10; rho = 5.5 / √95.
    // k = 2: car prunes {2, 0} first (ranks 1, 2); other prunes {2, 4}: one shared → 0.5.
    const agreement = compareRankings(car, other, 2);
    expect(agreement.groupId).toBe("conv");
    expect(agreement.filters).toBe(5);
    expect(agreement.spearman).toBeCloseTo(5.5 / Math.sqrt(95), 14);
    expect(agreement.topKOverlap).toBe(0.5);
    // Default k: a quarter of the filters, at least 1.
    expect(compareRankings(car, other).k).toBe(1);
  });

  it("refuses scores of different groups or different remaining filters", () => {
    const a = scores("conv", [
      [0, 1, 1],
      [1, 2, 2],
    ]);
    for (const b of [
      scores("other", [
        [0, 1, 1],
        [1, 2, 2],
      ]),
      scores("conv", [
        [0, 1, 1],
        [2, 2, 2],
      ]),
    ]) {
      let caught: unknown;
      try {
        compareRankings(a, b);
      } catch (error) {
        caught = error;
      }
      expect(isCarveError(caught, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});
