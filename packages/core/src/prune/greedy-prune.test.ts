import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/index.js";
import { evaluate } from "../eval/evaluate.js";
import { removeFilters } from "../surgery/index.js";
import { trainModel } from "../train/train.js";
import { greedyPrune } from "./greedy-prune.js";

let train: Dataset;
let evaluation: Dataset;
let test: Dataset;
let tiny: tfl.LayersModel;

/** conv(6) → pool → conv(5) → pool → dense(10): small enough for an exhaustive search, trained on real digits. */
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

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  const splits = await loadDataset("mnist");
  train = splits.train.subset(range(1500), "mnist/train[0:1500]");
  evaluation = splits.train.subset(range(300, 4000), "mnist/train[4000:4300]");
  test = splits.test.subset(range(400), "mnist/test[0:400]");
  tiny = buildTiny(11);
  await trainModel(tiny, train, { epochs: 2, batchSize: 32, seed: 11, learningRate: 5e-3 });
});

/**
 * The reference the pruner must match: at every step remove each remaining filter in turn *physically*
 * (surgery, not masking) and evaluate; keep the removal with the highest accuracy (lowest CAR), ties by the
 * lowest loss, then the lowest original index.
 */
async function exhaustiveGreedy(model: tfl.LayersModel, group: string, steps: number, data: Dataset) {
  const order: number[] = [];
  for (let s = 0; s < steps; s++) {
    let best: { filter: number; accuracy: number; loss: number } | undefined;
    const size = model.getLayer(group).getConfig().filters as number;
    for (let f = 0; f < size; f++) {
      if (order.includes(f)) continue;
      const pruned = await removeFilters(model, new Map([[group, new Set([...order, f])]]));
      const { accuracy, loss } = await evaluate(pruned, data);
      pruned.dispose();
      if (!best || accuracy > best.accuracy || (accuracy === best.accuracy && loss < best.loss - 1e-9)) {
        best = { filter: f, accuracy, loss };
      }
    }
    order.push(best!.filter);
  }
  return order;
}

describe("greedyPrune", () => {
  it("makes the same choices as an exhaustive search with physical removal on a tiny model", async () => {
    const result = await greedyPrune(tiny, {
      scope: { kind: "layer", group: "c1" },
      target: { keep: 2 },
      evaluation,
    });
    const choices = result.steps.flatMap((s) => s.removed.map((r) => r.filter));
    expect(choices).toEqual(await exhaustiveGreedy(tiny, "c1", 4, evaluation));
    expect(result.stopReason).toBe("target-reached");
    expect(result.final.params).toBeLessThan(result.original.params);
    // The returned model is physically smaller and its accuracy is what the last step reported.
    expect(result.model.getLayer("c1").getConfig().filters as number).toBe(2);
    expect((await evaluate(result.model, evaluation)).accuracy).toBe(
      result.steps.at(-1)!.evaluation.accuracy,
    );
    result.model.dispose();
  });

  it("records at each step the CAR the filter had when it was chosen, which equals the accuracy it cost", async () => {
    const result = await greedyPrune(tiny, {
      scope: { kind: "layer", group: "c2" },
      target: { removeFraction: 0.4 },
      evaluation,
      test,
    });
    expect(result.steps).toHaveLength(2);
    let before = result.original.evaluation.accuracy;
    for (const step of result.steps) {
      const [removed] = step.removed;
      expect(removed!.car!.drop).toBeCloseTo(before - step.evaluation.accuracy, 10);
      expect(removed!.classwise).toHaveLength(10);
      expect(step.test?.dataset).toBe(test.name);
      before = step.evaluation.accuracy;
    }
    expect(result.removed.c2).toHaveLength(2);
    expect(result.reproducibility.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(result.reproducibility.dataHashes)).toEqual([evaluation.name, test.name]);
    result.model.dispose();
  });

  it("prunes layers one after another, and globally in one ranking, to the same total", async () => {
    const sequential = await greedyPrune(tiny, {
      scope: { kind: "sequential", groups: ["c1", "c2"] },
      target: { keep: 3 },
      evaluation,
    });
    expect(sequential.steps.map((s) => s.removed[0]!.groupId)).toEqual(["c1", "c1", "c1", "c2", "c2"]);
    const global = await greedyPrune(tiny, {
      scope: { kind: "global" },
      target: { keep: 6 },
      evaluation,
    });
    expect(global.steps).toHaveLength(5);
    expect(global.final.evaluation.accuracy).toBeGreaterThanOrEqual(
      sequential.final.evaluation.accuracy - 0.05,
    );
    sequential.model.dispose();
    global.model.dispose();
  });

  it("stops before a removal that would take accuracy below the floor", async () => {
    const floor = 0.6;
    const result = await greedyPrune(tiny, {
      scope: { kind: "layer", group: "c1" },
      target: { minAccuracy: floor },
      evaluation,
    });
    for (const step of result.steps) expect(step.evaluation.accuracy).toBeGreaterThanOrEqual(floor);
    expect(["accuracy-floor", "nothing-left"]).toContain(result.stopReason);
    result.model.dispose();
  });

  it("keeps protected classes within their bound while the others pay", async () => {
    const protect = { classes: [0, 1], maxDrop: 0.0 };
    const result = await greedyPrune(tiny, {
      scope: { kind: "layer", group: "c1" },
      target: { keep: 3 },
      evaluation,
      protect,
    });
    const original = result.original.evaluation.perClassAccuracy;
    for (const step of result.steps) {
      for (const c of protect.classes)
        expect(step.evaluation.perClassAccuracy[c]).toBeGreaterThanOrEqual(original[c]!);
    }
    result.model.dispose();
  });

  it("removes several filters per step with stepSize, and fine-tunes after each step", async () => {
    const result = await greedyPrune(tiny, {
      scope: { kind: "layer", group: "c1" },
      target: { keep: 2 },
      stepSize: 2,
      evaluation,
      fineTune: { when: "each-step", train, epochs: 1, learningRate: 1e-3 },
    });
    expect(result.steps.map((s) => s.removed.length)).toEqual([2, 2]);
    expect(result.reproducibility.dataHashes[train.name]).toBeDefined();
    result.model.dispose();
  });

  it("is deterministic for a seed, with the random criterion too", async () => {
    const run = async () => {
      const r = await greedyPrune(tiny, {
        criterion: "random",
        scope: { kind: "layer", group: "c1" },
        target: { keep: 3 },
        evaluation,
        seed: 5,
      });
      r.model.dispose();
      return r.steps.map((s) => s.removed.map((f) => f.filter));
    };
    expect(await run()).toEqual(await run());
  });

  it("leaves the input model untouched, reports each step, and stops with ABORTED leaking no tensor", async () => {
    const weightsBefore = tiny.getWeights().map((w) => Array.from(w.dataSync()));
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      greedyPrune(
        tiny,
        { scope: { kind: "layer", group: "c1" }, target: { keep: 1 }, evaluation },
        {
          signal: controller.signal,
          onStep: (step) => {
            seen.push(step.step);
            if (step.step === 2) controller.abort();
          },
        },
      ),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(seen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tiny.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weightsBefore);
  });

  it("rejects targets and scopes that make no sense, naming the option", async () => {
    await expect(
      greedyPrune(tiny, { scope: { kind: "layer", group: "nope" }, target: { keep: 2 }, evaluation }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      greedyPrune(tiny, {
        scope: { kind: "layer", group: "c1" },
        target: { removeFraction: 1.5 },
        evaluation,
      }),
    ).rejects.toThrow(/target\.removeFraction must be in \(0, 1\)/);
    await expect(
      greedyPrune(tiny, {
        scope: { kind: "layer", group: "c1" },
        target: { keep: 2 },
        evaluation,
        protect: { classes: [12], maxDrop: 0.01 },
      }),
    ).rejects.toThrow(/protect\.classes has 12/);
  });
});
