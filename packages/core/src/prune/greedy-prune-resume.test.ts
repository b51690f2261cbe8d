import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/index.js";
import { loadModel, saveModel } from "../model/io.js";
import { trainModel } from "../train/train.js";
import { type GreedyPruneOptions, greedyPrune } from "./greedy-prune.js";
import type { PruneStep } from "./prune-result.js";

let train: Dataset;
let evaluation: Dataset;
let test: Dataset;
let tiny: tfl.LayersModel;
const dirs: string[] = [];

/** conv(6) → pool → conv(5) → flatten → dense(10), trained briefly on real digits. */
function buildTiny(seed: number): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      name: "c1",
      inputShape: [28, 28, 1],
      filters: 6,
      kernelSize: 3,
      activation: "relu",
      kernelInitializer: tfl.initializers.heNormal({ seed }),
    }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: 4 }));
  model.add(
    tfl.layers.conv2d({
      name: "c2",
      filters: 5,
      kernelSize: 3,
      activation: "relu",
      kernelInitializer: tfl.initializers.heNormal({ seed: seed + 1 }),
    }),
  );
  model.add(tfl.layers.flatten());
  model.add(
    tfl.layers.dense({
      name: "out",
      units: 10,
      activation: "softmax",
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
    }),
  );
  return model;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const choices = (steps: readonly PruneStep[]) =>
  steps.map((s) => s.removed.map((r) => `${r.groupId}:${r.filter}`).join("+"));
/** What a client would persist: the step as plain JSON (no typed arrays, NaN gone). */
const persisted = (step: PruneStep): PruneStep => JSON.parse(JSON.stringify(step)) as PruneStep;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  const splits = await loadDataset("mnist");
  train = splits.train.subset(range(600), "mnist/train[0:600]");
  evaluation = splits.train.subset(range(300, 4000), "mnist/train[4000:4300]");
  test = splits.test.subset(range(200), "mnist/test[0:200]");
  tiny = buildTiny(11);
  await trainModel(tiny, train, { epochs: 2, batchSize: 32, seed: 11, learningRate: 5e-3 });
});

afterAll(() => {
  tiny.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `options` to the end, and again stopped after `stopAfter` steps and resumed from what was recorded. */
async function uninterruptedAndResumed(
  options: GreedyPruneOptions,
  stopAfter: number,
  withCheckpoint: boolean,
) {
  const whole = await greedyPrune(tiny, options);

  const recorded: PruneStep[] = [];
  const checkpoint = mkdtempSync(path.join(tmpdir(), "carve-resume-"));
  dirs.push(checkpoint);
  const controller = new AbortController();
  await expect(
    greedyPrune(tiny, options, {
      signal: controller.signal,
      onStep: async (step, model) => {
        recorded.push(persisted(step));
        if (withCheckpoint) await saveModel(model, checkpoint);
        if (step.step === stopAfter) controller.abort();
      },
    }),
  ).rejects.toMatchObject({ code: "ABORTED" });
  expect(recorded).toHaveLength(stopAfter);

  const saved = withCheckpoint ? await loadModel(checkpoint) : undefined;
  const after: number[] = [];
  const resumed = await greedyPrune(
    tiny,
    { ...options, resume: { steps: recorded, ...(saved ? { model: saved } : {}) } },
    { onStep: (step) => void after.push(step.step) },
  );
  saved?.dispose();
  return { whole, resumed, after };
}

describe("greedyPrune resume", () => {
  it("makes the choices of an uninterrupted CAR run after replaying the recorded removals", async () => {
    const before = tf.memory().numTensors;
    const options: GreedyPruneOptions = {
      scope: { kind: "global" },
      target: { keep: 5 },
      evaluation,
      test,
    };
    const { whole, resumed, after } = await uninterruptedAndResumed(options, 2, false);
    expect(whole.steps).toHaveLength(6);
    // Only the new steps are reported; the result holds them all, numbered on from the recorded ones.
    expect(after).toEqual([3, 4, 5, 6]);
    expect(choices(resumed.steps)).toEqual(choices(whole.steps));
    expect(resumed.removed).toEqual(whole.removed);
    for (const [i, step] of whole.steps.entries()) {
      expect(resumed.steps[i]!.evaluation.accuracy).toBe(step.evaluation.accuracy);
      expect(resumed.steps[i]!.test!.accuracy).toBe(step.test!.accuracy);
      expect(resumed.steps[i]!.removed[0]!.score).toBe(step.removed[0]!.score);
    }
    expect(resumed.final.params).toBe(whole.final.params);
    // The uninterrupted run took the original network's evaluation from its engine's first step, the resumed
    // one from a separate pass: the same counts, the loss summed in another order.
    const { loss, ...counts } = whole.original.evaluation;
    expect(resumed.original.evaluation).toMatchObject(counts);
    expect(resumed.original.evaluation.loss).toBeCloseTo(loss, 6);
    expect(resumed.original.test).toEqual(whole.original.test);
    expect(resumed.original.params).toBe(whole.original.params);
    // The clock goes on from the recorded steps.
    expect(resumed.steps[2]!.elapsedSeconds).toBeGreaterThan(resumed.steps[1]!.elapsedSeconds);
    const [a, b] = [whole.model.getWeights(), resumed.model.getWeights()];
    expect(b.map((w) => Array.from(w.dataSync()))).toEqual(a.map((w) => Array.from(w.dataSync())));
    whole.model.dispose();
    resumed.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("continues a sequential run in the layer it was pruning, with the same choices", async () => {
    const options: GreedyPruneOptions = {
      scope: { kind: "sequential", groups: ["c1", "c2"] },
      target: { keep: 3 },
      evaluation,
    };
    const { whole, resumed } = await uninterruptedAndResumed(options, 4, false);
    expect(choices(resumed.steps)).toEqual(choices(whole.steps));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it("with fine-tuning after each step, continues from the saved network to the same weights", async () => {
    const options: GreedyPruneOptions = {
      scope: { kind: "layer", group: "c1" },
      target: { keep: 3 },
      evaluation,
      fineTune: { when: "each-step", train, epochs: 1, learningRate: 1e-3, batchSize: 64 },
      seed: 3,
    };
    const { whole, resumed } = await uninterruptedAndResumed(options, 1, true);
    expect(choices(resumed.steps)).toEqual(choices(whole.steps));
    expect(resumed.final.evaluation.accuracy).toBe(whole.final.evaluation.accuracy);
    const [a, b] = [whole.model.getWeights(), resumed.model.getWeights()];
    expect(b.map((w) => Array.from(w.dataSync()))).toEqual(a.map((w) => Array.from(w.dataSync())));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it("rejects recorded steps that do not fit the run, naming what is wrong", async () => {
    const step = (n: number, groupId: string, filter: number) =>
      ({ step: n, removed: [{ groupId, filter, score: 0 }] }) as unknown as PruneStep;
    const base: GreedyPruneOptions = {
      scope: { kind: "layer", group: "c1" },
      target: { keep: 2 },
      evaluation,
    };
    await expect(greedyPrune(tiny, { ...base, resume: { steps: [step(2, "c1", 0)] } })).rejects.toThrow(
      /numbered 1, 2, … in order; step 1 says 2/,
    );
    await expect(greedyPrune(tiny, { ...base, resume: { steps: [step(1, "c2", 0)] } })).rejects.toThrow(
      /"c2", which is not in the scope \(c1\)/,
    );
    await expect(
      greedyPrune(tiny, { ...base, resume: { steps: [step(1, "c1", 1), step(2, "c1", 1)] } }),
    ).rejects.toThrow(/filter 1 of "c1" is removed twice/);
    await expect(
      greedyPrune(tiny, {
        ...base,
        fineTune: { when: "each-step", train, epochs: 1 },
        resume: { steps: [step(1, "c1", 0)] },
      }),
    ).rejects.toThrow(/model is required with fine-tuning after each step/);
    await expect(
      greedyPrune(tiny, { ...base, resume: { steps: [step(1, "c1", 0)], model: tiny } }),
    ).rejects.toThrow(/model has 6 filters in "c1", but the recorded steps leave 5/);
  });
});
