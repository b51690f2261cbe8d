import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { buildFashionCnn, buildMnistCnn } from "./demo-architectures.js";
import { loadModel, loadModelFromUpload, saveModel } from "./io.js";

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "carve-io-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outputsOf(model: tfl.LayersModel, images: tf.Tensor4D): Float32Array {
  return tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
}

describe("saveModel / loadModel", () => {
  it("round-trips a model with BatchNormalization to identical outputs", async () => {
    const model = buildFashionCnn({ seed: 7 });
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const saved = await saveModel(model, dir);
    expect(saved.bytes).toBeGreaterThan(0);
    const loaded = await loadModel(dir);
    expect(Array.from(outputsOf(loaded, images))).toEqual(Array.from(outputsOf(model, images)));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    model.dispose();
    loaded.dispose();
    images.dispose();
  });

  it("loads from a model.json path as well as from its folder", async () => {
    const model = buildMnistCnn({ seed: 1 });
    const { modelJsonPath } = await saveModel(model, dir);
    const loaded = await loadModel(modelJsonPath);
    expect(loaded.countParams()).toBe(model.countParams());
    model.dispose();
    loaded.dispose();
  });

  it("loads an in-memory upload and names a missing shard", async () => {
    const model = buildMnistCnn({ seed: 1 });
    await saveModel(model, dir);
    const modelJson = await readFile(path.join(dir, "model.json"), "utf8");
    const weights = await readFile(path.join(dir, "weights.bin"));
    const loaded = await loadModelFromUpload({ modelJson, weightFiles: { "weights.bin": weights } });
    expect(loaded.countParams()).toBe(model.countParams());
    await expect(loadModelFromUpload({ modelJson, weightFiles: {}, label: "my.zip" })).rejects.toThrow(
      /my\.zip: weight shard weights\.bin listed in model\.json was not uploaded/,
    );
    model.dispose();
    loaded.dispose();
  });

  it("rejects a truncated weight file, naming the file and both sizes", async () => {
    const model = buildMnistCnn({ seed: 1 });
    await saveModel(model, dir);
    await truncate(path.join(dir, "weights.bin"), 100);
    await expect(loadModel(dir)).rejects.toMatchObject({
      code: "INVALID_MODEL",
      message: expect.stringMatching(
        /model\.json: weight shards hold 100 bytes but the manifest describes \d+/,
      ),
    });
    model.dispose();
  });

  it("rejects a missing model, broken JSON and a graph model with clear errors", async () => {
    await expect(loadModel(path.join(dir, "nope"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await writeFile(path.join(dir, "model.json"), "{oops");
    await expect(loadModel(dir)).rejects.toMatchObject({
      code: "INVALID_MODEL",
      message: expect.stringContaining("is not valid JSON"),
    });
    await writeFile(
      path.join(dir, "model.json"),
      JSON.stringify({ modelTopology: { node: [] }, weightsManifest: [], format: "graph-model" }),
    );
    await expect(loadModel(dir)).rejects.toThrow(/graph model/);
  });

  it("leaves the previous model intact when a save fails half-way", async () => {
    const model = buildMnistCnn({ seed: 1 });
    await saveModel(model, dir);
    const before = await readFile(path.join(dir, "model.json"), "utf8");
    const broken = { save: () => Promise.reject(new Error("disk full")) } as unknown as tfl.LayersModel;
    await expect(saveModel(broken, dir)).rejects.toThrow("disk full");
    expect(await readFile(path.join(dir, "model.json"), "utf8")).toBe(before);
    model.dispose();
  });
});
