/**
 * The worker's dataset tasks, run in-process on the shipped MNIST demo: what-if (virtual removal by channel
 * masks) is checked against the independent route — physical removal (removeFilters) and evaluate — on the
 * same sample.
 */
import {
  demoModelDir,
  evaluate,
  evaluationSet,
  initBackend,
  loadDataset,
  loadModel,
  removeFilters,
  stratifiedSample,
} from "@carve/core";
import { beforeAll, describe, expect, it } from "vitest";

import { evaluateTask, inspectDataset, topPatches, whatIf } from "./evaluation-tasks.js";

const SOURCE = { kind: "demo", name: "mnist" } as const;

beforeAll(async () => {
  await initBackend({ backend: "auto" });
});

describe("whatIf", () => {
  it("gives the accuracy and per-class accuracy of evaluate on the physically pruned model, same sample", async () => {
    const removed = [
      { groupId: "conv1", filters: [1, 4] },
      { groupId: "conv2", filters: [0, 3, 5, 7, 11] },
    ];
    const answer = await whatIf(
      {
        kind: "what-if",
        source: SOURCE,
        dataset: "mnist",
        split: "selection",
        maxImages: 400,
        seed: 3,
        removed,
      },
      {},
    );

    const model = await loadModel(demoModelDir("mnist"));
    const sample = stratifiedSample(evaluationSet(await loadDataset("mnist"), "selection"), 400, 3);
    const pruned = await removeFilters(model, new Map(removed.map((r) => [r.groupId, new Set(r.filters)])));
    try {
      const expected = await evaluate(pruned, sample);
      const base = await evaluate(model, sample);
      expect(answer.pruned.images).toBe(400);
      expect(answer.pruned.correct).toBe(expected.correct);
      expect(answer.pruned.accuracy).toBe(expected.accuracy);
      expect(answer.pruned.loss).toBeCloseTo(expected.loss, 4);
      expect(answer.pruned.perClass.map((c) => [c.count, c.correct])).toEqual(
        expected.perClass.map((c) => [c.count, c.correct]),
      );
      expect(answer.base.accuracy).toBe(base.accuracy);
      expect(answer.base.perClass.map((c) => c.correct)).toEqual(base.perClass.map((c) => c.correct));
      // Removing seven filters of a small network costs accuracy: the two answers differ.
      expect(answer.pruned.accuracy).toBeLessThan(answer.base.accuracy);
    } finally {
      pruned.dispose();
      model.dispose();
    }
  });

  it("with nothing removed answers the base accuracy twice", async () => {
    const answer = await whatIf(
      {
        kind: "what-if",
        source: SOURCE,
        dataset: "mnist",
        split: "test",
        maxImages: 200,
        seed: 0,
        removed: [],
      },
      {},
    );
    expect(answer.pruned).toEqual(answer.base);
  });

  it("rejects removing every filter of a group, naming it", async () => {
    const all = Array.from({ length: 16 }, (_, i) => i); // conv1 has 16 filters
    await expect(
      whatIf(
        {
          kind: "what-if",
          source: SOURCE,
          dataset: "mnist",
          split: "test",
          maxImages: 50,
          seed: 0,
          removed: [{ groupId: "conv1", filters: all }],
        },
        {},
      ),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("conv1") });
  });
});

describe("evaluateTask", () => {
  it("evaluates the whole test split by default", async () => {
    const result = await evaluateTask(
      { kind: "evaluate", source: SOURCE, dataset: "mnist", split: "test", seed: 0 },
      {},
    );
    const splits = await loadDataset("mnist");
    expect(result.evaluation.images).toBe(splits.test.size);
    expect(result.evaluation.perClass).toHaveLength(10);
    expect(result.evaluation.accuracy).toBeGreaterThan(0.9);
  });
});

describe("inspectDataset", () => {
  it("reads a built-in dataset's classes, image shape and split sizes", async () => {
    const facts = await inspectDataset({ kind: "inspect-dataset", dataset: "mnist" }, {});
    const splits = await loadDataset("mnist");
    expect(facts).toEqual({
      kind: "inspect-dataset",
      sourceKind: "builtin",
      classNames: [...splits.test.classNames],
      imageShape: [28, 28, 1],
      trainSize: splits.train.size,
      validationSize: splits.validation!.size,
      testSize: splits.test.size,
    });
  });
});

describe("topPatches", () => {
  it("returns k PNG patches per filter, strongest first", async () => {
    const result = await topPatches(
      {
        kind: "top-patches",
        source: SOURCE,
        dataset: "mnist",
        split: "selection",
        maxImages: 200,
        seed: 0,
        layerName: "conv1",
        filters: [0, 2],
        k: 4,
      },
      {},
    );
    expect(result.images).toBe(200);
    expect(result.filters.map((f) => f.filter)).toEqual([0, 2]);
    for (const f of result.filters) {
      expect(f.patches).toHaveLength(4);
      const activations = f.patches.map((p) => p.activation);
      expect([...activations].sort((a, b) => b - a)).toEqual(activations);
      // PNG signature.
      expect([...f.patches[0]!.png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
  });
});
