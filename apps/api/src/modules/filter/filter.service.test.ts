import { describe, expect, it } from "vitest";

import { rankClassImportances } from "./filter.service.js";
import { ClassImportanceOrder } from "./filter.type.js";

const names = ["zero", "one", "two", "three"];

describe("rankClassImportances", () => {
  it("puts the classes that need the filter most first, equal drops in class order", () => {
    // drops: one 0.2, three 0.2, zero 0, two −0.1 → by drop descending, ties (one, three) by index.
    const ranked = rankClassImportances(
      [0, 0.2, -0.1, 0.2],
      names,
      ClassImportanceOrder.MOST_IMPORTANT,
      null,
    );
    expect(ranked.map((c) => c.className)).toEqual(["one", "three", "zero", "two"]);
  });

  it("puts the least important first when asked, and takes the first k", () => {
    const ranked = rankClassImportances([0, 0.2, -0.1, 0.2], names, ClassImportanceOrder.LEAST_IMPORTANT, 2);
    expect(ranked).toEqual([
      { classIndex: 2, className: "two", drop: -0.1 },
      { classIndex: 0, className: "zero", drop: 0 },
    ]);
  });

  it("leaves out classes without a score (no image of theirs was analysed)", () => {
    const ranked = rankClassImportances(
      [null, 0.1, null, 0],
      names,
      ClassImportanceOrder.MOST_IMPORTANT,
      null,
    );
    expect(ranked.map((c) => c.classIndex)).toEqual([1, 3]);
  });

  it("rejects a negative count", () => {
    expect(() => rankClassImportances([0], ["a"], ClassImportanceOrder.MOST_IMPORTANT, -1)).toThrow(
      /non-negative integer, got -1/,
    );
  });
});
