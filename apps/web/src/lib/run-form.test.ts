import { describe, expect, it } from "vitest";

import { runInput, type RunFormValues, validateRunForm } from "./run-form";

const layers = [
  { name: "conv1", filterCount: 16 },
  { name: "conv2", filterCount: 32 },
];

const valid: RunFormValues = {
  criterion: "CAR",
  scope: "LAYER",
  layers: ["conv2"],
  targetKind: "removeFraction",
  targetValue: "50",
  stepSize: "1",
  fineTune: "NONE",
  epochs: "1",
  learningRate: "",
  maxSelectionImages: "",
  maxTestImages: "",
  seed: "0",
};

describe("validateRunForm", () => {
  it("accepts half of one layer's filters removed by CAR", () => {
    expect(validateRunForm(valid, layers)).toEqual({});
  });
  it("wants exactly one layer for a layer run and at least one for a sequential run", () => {
    expect(validateRunForm({ ...valid, layers: ["conv1", "conv2"] }, layers).layers).toMatch(/exactly one/);
    expect(validateRunForm({ ...valid, scope: "SEQUENTIAL", layers: [] }, layers).layers).toMatch(
      /Choose the layers/,
    );
  });
  it("lets a global run take every layer when none is chosen", () => {
    expect(validateRunForm({ ...valid, scope: "GLOBAL", layers: [] }, layers)).toEqual({});
  });
  it("refuses a keep target that removes nothing, naming the layer size", () => {
    const errors = validateRunForm({ ...valid, targetKind: "keep", targetValue: "32" }, layers);
    expect(errors.targetValue).toMatch(/removes nothing.*32 filters/);
    // Over all the layers (16 + 32) for a global run, so 40 of 48 is fine there.
    expect(
      validateRunForm(
        { ...valid, scope: "GLOBAL", layers: [], targetKind: "keep", targetValue: "40" },
        layers,
      ),
    ).toEqual({});
  });
  it("refuses shares and floors outside their ranges", () => {
    expect(validateRunForm({ ...valid, targetValue: "100" }, layers).targetValue).toMatch(/below 100/);
    expect(
      validateRunForm({ ...valid, targetKind: "minAccuracy", targetValue: "101" }, layers).targetValue,
    ).toMatch(/from 0 to 100/);
    expect(validateRunForm({ ...valid, targetValue: "half" }, layers).targetValue).toContain('"half"');
  });
  it("checks fine-tuning only when it is on", () => {
    expect(validateRunForm({ ...valid, epochs: "0" }, layers)).toEqual({});
    const errors = validateRunForm({ ...valid, fineTune: "END", epochs: "0", learningRate: "-1" }, layers);
    expect(errors.epochs).toMatch(/1 to 100/);
    expect(errors.learningRate).toMatch(/above 0/);
  });
  it("refuses a zero step size and non-numeric image counts", () => {
    const errors = validateRunForm({ ...valid, stepSize: "0", maxTestImages: "lots" }, layers);
    expect(errors.stepSize).toMatch(/at least 1/);
    expect(errors.maxTestImages).toContain('"lots"');
  });
});

describe("runInput", () => {
  it("turns percentages into fractions and leaves empty options out", () => {
    expect(runInput("m", { ...valid, fineTune: "EACH_STEP", epochs: "2", maxTestImages: "500" })).toEqual({
      modelId: "m",
      criterion: "CAR",
      scope: "LAYER",
      layers: ["conv2"],
      target: { removeFraction: 0.5 },
      stepSize: 1,
      fineTune: { schedule: "EACH_STEP", epochs: 2, learningRate: null },
      maxSelectionImages: null,
      maxTestImages: 500,
      seed: 0,
    });
  });
  it("sends an accuracy floor as a fraction and every layer as null for a global run", () => {
    const input = runInput("m", {
      ...valid,
      scope: "GLOBAL",
      layers: [],
      targetKind: "minAccuracy",
      targetValue: "95",
    });
    expect(input.target).toEqual({ minAccuracy: 0.95 });
    expect(input.layers).toBeNull();
    expect(input.fineTune).toBeNull();
  });
});
