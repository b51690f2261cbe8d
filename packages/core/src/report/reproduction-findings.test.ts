import { describe, expect, it } from "vitest";

import {
  colourDirection,
  compareAtEnd,
  differenceMargin,
  expectedColourDirection,
  findingsOf,
} from "./reproduction-findings.js";
import { fixtureModel, layer, run } from "./test-utils/reproduction-fixture.js";

describe("compareAtEnd", () => {
  it("puts CAR ahead when it beats the best other criterion by more than the margin", () => {
    const c = compareAtEnd(
      "m",
      layer("conv1", 8, [run("car", 0.98, 0.95, 4), run("l1", 0.98, 0.8, 4), run("random", 0.98, 0.7, 4)]),
      1000,
    );
    expect(c.bestOther?.criterion).toBe("l1");
    expect(c.gap).toBeCloseTo(0.15, 12);
    // 1.96 · √((0.95·0.05 + 0.8·0.2) / 1000) = 1.96 · 0.014405 = 0.02823.
    expect(c.margin).toBeCloseTo(0.02823, 4);
    expect(c.outcome).toBe("ahead");
  });

  it("calls a 0.5-point difference a tie and a 15-point deficit CAR behind", () => {
    const tie = compareAtEnd("m", layer("c", 8, [run("car", 1, 0.95, 4), run("l1", 1, 0.945, 4)]), 1000);
    expect(tie.outcome).toBe("tie");
    const behind = compareAtEnd("m", layer("c", 8, [run("car", 1, 0.8, 4), run("taylor", 1, 0.95, 4)]), 1000);
    expect(behind.outcome).toBe("behind");
    expect(behind.bestOther?.criterion).toBe("taylor");
  });

  it("reports how far each fine-tuned network ends below the original", () => {
    const c = compareAtEnd("m", layer("c", 8, [run("car", 0.98, 0.9, 4, 0.97)]), 1000);
    expect(c.fineTuned).toHaveLength(1);
    expect(c.fineTuned[0]!.belowOriginal).toBeCloseTo(0.01, 12);
  });

  it("never calls differences under one point significant, however many test images", () => {
    expect(differenceMargin(0.99, 0.99, 1_000_000)).toBe(0.01);
  });
});

describe("colour verdicts", () => {
  const count = (probabilityAtLeast: number, probabilityAtMost: number) => ({
    criterion: "car" as const,
    firstRemoved: [],
    count: 0,
    probabilityAtLeast,
    probabilityAtMost,
    meanChromaticityRemoved: 0,
    meanChromaticityKept: 0,
  });

  it("reads a count by its one-sided hypergeometric tails", () => {
    expect(colourDirection(count(0.01, 1))).toBe("colour first");
    expect(colourDirection(count(1, 0.01))).toBe("colour last");
    expect(colourDirection(count(0.3, 0.8))).toBe("as chance");
  });

  it("expects colour filters first on the tint variant and not on the isoluminant control", () => {
    expect(expectedColourDirection("shapes-tint")).toBe("colour first");
    expect(expectedColourDirection("shapes-isoluminant")).toBe("not colour first");
    expect(expectedColourDirection("mnist")).toBeUndefined();
  });
});

describe("findingsOf", () => {
  it("finds every claim holding on the fixture built to support them", () => {
    const findings = findingsOf([fixtureModel()]);
    expect(findings.claims.map((c) => c.verdict)).toEqual(["holds", "holds", "holds", "holds"]);
    expect(findings.claims[0]!.details.join(" ")).toContain("CAR is ahead by +15.0 points");
  });

  it("turns the colour verdict when the same count comes from the isoluminant control", () => {
    const findings = findingsOf([fixtureModel({ model: "shapes-isoluminant" })]);
    const colour = findings.claims[2]!;
    expect(colour.verdict).toBe("does not hold");
    expect(colour.details[0]).toContain("Not as predicted");
  });

  it("marks the colour claim not tested when no model has RGB filters", () => {
    const { colour: _colour, ...grey } = fixtureModel({ model: "mnist" });
    const findings = findingsOf([grey]);
    expect(findings.claims[2]!.verdict).toBe("not tested");
  });
});
