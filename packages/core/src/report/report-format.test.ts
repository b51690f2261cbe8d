import * as prettier from "prettier";
import { describe, expect, it } from "vitest";

import { absPoints, decimal, duration, markdownTable, pct, points, probability } from "./report-format.js";

describe("report number formatting", () => {
  it("writes accuracies as percentages and differences as signed points with a real minus", () => {
    expect(pct(0.9781)).toBe("97.8%");
    expect(points(0.0123)).toBe("+1.2");
    expect(points(-0.2)).toBe("−20.0");
    expect(points(0.00001)).toBe("0.0");
    expect(absPoints(-0.2)).toBe("20.0");
    expect(decimal(-0.0071, 3)).toBe("−0.007");
    expect(decimal(-0.0001, 2)).toBe("0.00");
  });

  it("writes small probabilities as bounds and durations in a readable unit", () => {
    expect(probability(0.0004)).toBe("< 0.001");
    expect(probability(0.0042)).toBe("0.004");
    expect(probability(0.25)).toBe("0.25");
    expect(probability(1)).toBe("1");
    expect(duration(42)).toBe("42 s");
    expect(duration(600)).toBe("10.0 min");
  });
});

describe("markdownTable", () => {
  it("pads columns the way Prettier does, so the committed report needs no formatting pass", async () => {
    const table = markdownTable(
      ["criterion", "accuracy", "note"],
      [
        ["CAR", "95.0%", "mean |cosine| ≥ 0.5"],
        ["L1 norm", "9.5%", "−1.0"],
      ],
      ["left", "right", "left"],
    );
    // The cell is written "mean \|cosine\| ≥ 0.5": 21 characters with its escaped pipes.
    expect(table.split("\n")[1]).toBe("| --------- | -------: | --------------------- |");
    const formatted = await prettier.format(`${table}\n`, { parser: "markdown", printWidth: 110 });
    expect(formatted).toBe(`${table}\n`);
  });
});
