import { describe, expect, it } from "vitest";

import { accuracyAt, mergeSteps, runSeries, type StepPoint } from "./run-series";

const step = (n: number, test: number | null, removedCount = 1): StepPoint => ({
  step: n,
  removedCount,
  testAccuracy: test,
  selectionAccuracy: 0.9,
  params: 100 - n,
  flops: 1000 - n,
});

describe("runSeries", () => {
  it("starts at the unpruned network and counts removed filters step by step", () => {
    const points = runSeries(
      { test: 0.98, selection: 0.97, params: 100, flops: 1000 },
      [step(2, 0.9, 2), step(1, 0.95)],
      10,
    );
    expect(points.map((p) => [p.removed, p.fraction, p.test])).toEqual([
      [0, 0, 0.98],
      [1, 0.1, 0.95],
      [3, 0.3, 0.9],
    ]);
  });
});

describe("accuracyAt", () => {
  const points = runSeries({ test: 1, selection: 1, params: 1, flops: 1 }, [step(1, 0.8), step(2, 0.6)], 4);
  it("reads a point exactly and interpolates between points", () => {
    expect(accuracyAt(points, 0.25)).toBeCloseTo(0.8);
    // Halfway between 25% (0.8) and 50% (0.6).
    expect(accuracyAt(points, 0.375)).toBeCloseTo(0.7);
  });
  it("says nothing beyond the run's last step", () => {
    expect(accuracyAt(points, 0.75)).toBeNull();
  });
});

describe("mergeSteps", () => {
  it("keeps one copy of each step, in order", () => {
    expect(
      mergeSteps(
        [{ step: 2, v: "a" }],
        [
          { step: 1, v: "b" },
          { step: 2, v: "c" },
        ],
      ),
    ).toEqual([
      { step: 1, v: "b" },
      { step: 2, v: "c" },
    ]);
  });
});
