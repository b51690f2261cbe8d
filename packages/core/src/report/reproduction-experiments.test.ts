import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { loadDataset } from "../data/index.js";
import { demoModelDir } from "../demo/demo-models.js";
import { evaluate } from "../eval/evaluate.js";
import { stratifiedSample } from "../importance/index.js";
import { loadModel } from "../model/io.js";
import { type ReproduceModelResult, reproduceModel, runEnvironment } from "./reproduction-experiments.js";
import { SECTION_TITLES, renderReproductionMarkdown } from "./reproduction-markdown.js";
import { QUICK_SETTINGS, type ReproductionSettings } from "./reproduction-settings.js";

/** Smaller than --quick, so the whole pipeline runs on the mnist demo in well under a minute on wasm. */
const TINY: ReproductionSettings = {
  ...QUICK_SETTINGS,
  selectionImages: 150,
  testImages: 200,
  batchSize: 200,
  fineTuneImages: 300,
  randomOrders: 100,
  randomSubsets: 20,
};

let run: ReproduceModelResult;
let tensorsBefore: number;
let tensorsAfter: number;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  tensorsBefore = tf.memory().numTensors;
  run = await reproduceModel("mnist", TINY, runEnvironment("wasm (test)"));
  tensorsAfter = tf.memory().numTensors;
});

describe("reproduceModel on the mnist demo with tiny settings", () => {
  it("leaves no tensor behind", () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  it("starts every curve at the accuracy the original model gets on the same test sample", async () => {
    const model = await loadModel(demoModelDir("mnist"));
    try {
      const { test } = await loadDataset("mnist");
      const sample = stratifiedSample(test, TINY.testImages, TINY.sampleSeed);
      const { accuracy } = await evaluate(model, sample, { batchSize: TINY.batchSize });
      expect(run.result.originalTestAccuracy).toBe(accuracy);
      for (const layer of run.result.pruning) {
        for (const r of layer.runs) expect(r.points[0]!.testAccuracy).toBe(accuracy);
      }
    } finally {
      model.dispose();
    }
  });

  it("prunes a quarter of each conv layer, one distinct filter per step, under each criterion", () => {
    const { pruning } = run.result;
    expect(pruning.map((l) => [l.layer, l.filters, l.removed])).toEqual([
      ["conv1", 16, 4],
      ["conv2", 32, 8],
    ]);
    for (const layer of pruning) {
      expect(layer.runs.map((r) => r.criterion)).toEqual(["car", "l1", "random"]);
      for (const r of layer.runs) {
        expect(r.points.map((p) => p.removed)).toEqual(
          Array.from({ length: layer.removed + 1 }, (_, i) => i),
        );
        expect(new Set(r.order).size).toBe(layer.removed);
        expect(r.order.every((f) => f >= 0 && f < layer.filters)).toBe(true);
        expect(r.fineTuned !== undefined).toBe(r.criterion === "car");
      }
    }
  });

  it("describes conv1's highest-CAR filters with a PNG each and no colour part for grayscale digits", () => {
    const { classImportance, colour } = run.result;
    expect(classImportance.top).toHaveLength(3);
    expect(classImportance.top[0]!.rank).toBe(16);
    const cars = classImportance.top.map((f) => f.car);
    expect([...cars].sort((a, b) => b - a)).toEqual(cars);
    for (const f of classImportance.top) {
      expect(classImportance.car[f.filter]).toBe(f.car);
      expect(Array.from(run.assets.get(f.image)!.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    }
    expect(colour).toBeUndefined();
  });

  it("measures diversity of all filters, of each criterion's kept filters and of random subsets", () => {
    const conv1 = run.result.diversity[0]!;
    expect(conv1.rows.map((r) => [r.set, r.filters])).toEqual([
      ["all filters", 16],
      ["car", 12],
      ["l1", 12],
      ["random", 12],
      ["random subsets", 12],
    ]);
  });

  it("renders a report with every section from the result", () => {
    const markdown = renderReproductionMarkdown([run.result], {
      command: "npm run reproduce -w @carve/core -- --quick",
      assetDir: "reproduction",
      generatedAt: run.result.computedAt,
    });
    for (const title of Object.values(SECTION_TITLES)) expect(markdown).toContain(`\n## ${title}\n`);
    expect(markdown).toContain("Not applicable to mnist");
    expect(markdown).toContain("**Smoke run.**");
    expect(run.result.timings.map((t) => t.part)).toEqual([
      "data and baseline",
      "1. pruning curves",
      "2. class importance",
      "4. filter diversity",
    ]);
  });
});
