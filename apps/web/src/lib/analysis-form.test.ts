import { describe, expect, it } from "vitest";

import { analysisInput, type AnalysisFormValues, validateAnalysisForm } from "./analysis-form";

const valid: AnalysisFormValues = {
  allLayers: false,
  layers: ["conv1"],
  split: "SELECTION",
  maxImages: "",
  seed: "0",
  classwise: true,
};

describe("validateAnalysisForm", () => {
  it("accepts a chosen prunable layer with every image", () => {
    expect(validateAnalysisForm(valid, ["conv1", "conv2"])).toEqual({});
  });
  it("asks for a layer when none is chosen", () => {
    expect(validateAnalysisForm({ ...valid, layers: [] }, ["conv1"]).layers).toMatch(/at least one layer/);
  });
  it("names layers that are not prunable", () => {
    expect(validateAnalysisForm({ ...valid, layers: ["dense"] }, ["conv1"]).layers).toMatch(/dense/);
  });
  it("refuses an image count that is not a positive whole number", () => {
    for (const maxImages of ["0", "-5", "1.5", "abc"])
      expect(validateAnalysisForm({ ...valid, maxImages }, ["conv1"]).maxImages).toContain(maxImages);
  });
  it("refuses a seed that is not a whole number", () => {
    expect(validateAnalysisForm({ ...valid, seed: "x" }, ["conv1"]).seed).toMatch(/whole number/);
  });
});

describe("analysisInput", () => {
  it("sends null layers for every layer and numbers for the typed fields", () => {
    expect(analysisInput("m1", { ...valid, allLayers: true, maxImages: " 500 ", seed: "7" })).toEqual({
      modelId: "m1",
      layers: null,
      split: "SELECTION",
      maxImages: 500,
      seed: 7,
      classwise: true,
    });
  });
});
