import { describe, expect, it } from "vitest";

import { rankClasses } from "./class-ranking.js";

const names = ["a", "b", "c", "d", "e", "f"];

describe("rankClasses", () => {
  it("lists the highest and lowest scores, breaking ties by class index", () => {
    const ranking = rankClasses([0.1, 0.5, 0.5, -0.2, Number.NaN, 0.1], names, 3);
    expect(ranking.most.map((c) => [c.className, c.score])).toEqual([
      ["b", 0.5],
      ["c", 0.5],
      ["a", 0.1],
    ]);
    expect(ranking.least.map((c) => [c.classIndex, c.className])).toEqual([
      [3, "d"],
      [0, "a"],
      [5, "f"],
    ]);
    expect(ranking.unscored).toEqual([4]);
  });

  it("sorts infinite scores and gives all classes when k exceeds their number", () => {
    const ranking = rankClasses([Infinity, -Infinity, 0, Infinity], ["w", "x", "y", "z"], 10);
    expect(ranking.most.map((c) => c.className)).toEqual(["w", "z", "y", "x"]);
    expect(ranking.least.map((c) => c.className)).toEqual(["x", "y", "w", "z"]);
  });

  it("returns empty lists for k = 0 and refuses mismatched or invalid input", () => {
    expect(rankClasses([1, 2], ["a", "b"], 0)).toEqual({ most: [], least: [], unscored: [] });
    expect(() => rankClasses([1, 2, 3], ["a", "b"], 1)).toThrow(/got 3 scores for 2 class names/);
    expect(() => rankClasses([1, 2], ["a", "b"], 1.5)).toThrow(/k must be a non-negative integer, got 1.5/);
  });
});
