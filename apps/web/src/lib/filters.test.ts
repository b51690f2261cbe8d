import { describe, expect, it } from "vitest";

import { type FilterSummary, histogram, sortFilters } from "./filters";

function filter(index: number, l1Norm: number, rank?: number): FilterSummary {
  return {
    index,
    l1Norm,
    weightImage: null,
    car:
      rank === undefined ? null : { drop: rank / 100, ci95Low: 0, ci95High: 0, rank, accuracyWithout: 0.9 },
  };
}

const filters = [filter(0, 3, 2), filter(1, 1), filter(2, 2, 1), filter(3, 5, 3)];

describe("sortFilters", () => {
  it("puts the least important filter (CAR rank 1) first and unscored filters last", () => {
    expect(sortFilters(filters, "car").map((f) => f.index)).toEqual([2, 0, 3, 1]);
  });
  it("reverses scored filters but keeps unscored ones last", () => {
    expect(sortFilters(filters, "car", true).map((f) => f.index)).toEqual([3, 0, 2, 1]);
  });
  it("sorts by L1 norm, smallest first", () => {
    expect(sortFilters(filters, "l1").map((f) => f.index)).toEqual([1, 2, 0, 3]);
  });
  it("sorts by channel index and leaves its input alone", () => {
    const copy = [...filters].reverse();
    expect(sortFilters(copy, "index").map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(copy[0]!.index).toBe(3);
  });
});

describe("histogram", () => {
  it("counts every value once, the maximum in the last bin", () => {
    // Range [0, 1] in 4 bins of 0.25: 0 and 0.1 → bin 0, 0.5 → bin 2, 1 → bin 3 (not a fifth bin).
    const bins = histogram([0, 0.1, 0.5, 1], 4);
    expect(bins.map((b) => b.count)).toEqual([2, 0, 1, 1]);
    expect(bins[0]!.from).toBe(0);
    expect(bins[3]!.to).toBe(1);
  });
  it("puts equal values in one bin and gives nothing for no values", () => {
    expect(histogram([0.2, 0.2])).toEqual([{ from: 0.2, to: 0.2, count: 2 }]);
    expect(histogram([])).toEqual([]);
  });
});
