import { readFile } from "node:fs/promises";

import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { loadDataset } from "../data/index.js";
import { evaluate } from "../eval/evaluate.js";
import { describeModel } from "../model/describe.js";
import { loadModel } from "../model/io.js";
import { CARVE_VERSION } from "../version.js";
import { DEMO_MODEL_NAMES, demoModelDir, demoModelSpec, readDemoModelCard } from "./demo-models.js";

beforeAll(async () => {
  // The cards were measured on wasm; the same backend reproduces them exactly.
  await initBackend({ backend: "wasm" });
});

describe("shipped demo models", () => {
  it.each(DEMO_MODEL_NAMES)(
    "%s reproduces its model card's test accuracy and meets its target",
    async (name) => {
      const spec = demoModelSpec(name);
      const card = await readDemoModelCard(name);
      const model = await loadModel(demoModelDir(name));
      try {
        const { test } = await loadDataset(spec.dataset);
        const result = await evaluate(model, test);
        expect(result.count).toBe(card.dataset.test);
        expect(result.accuracy).toBeCloseTo(card.testAccuracy, 3);
        expect(result.accuracy).toBeGreaterThanOrEqual(spec.minTestAccuracy);
        const summary = describeModel(model);
        expect(summary.params).toBe(card.params);
        expect(summary.flops).toBe(card.flops);
        // "A few hundred KB each at most": they ship in the repository.
        expect(card.bytes).toBeLessThan(400 * 1024);
      } finally {
        model.dispose();
      }
    },
  );
});

describe("CARVE_VERSION", () => {
  it("equals the version in package.json", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    expect(CARVE_VERSION).toBe(pkg.version);
  });
});
