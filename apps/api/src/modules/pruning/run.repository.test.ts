import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type Store, openStore } from "../../db/store.js";
import type { PruneStepRecord } from "../../jobs/pruning-protocol.js";
import type { InspectResult } from "../../jobs/worker-protocol.js";
import {
  DIALECTS,
  type TestDatabase,
  createTestDatabase,
  insertWorkspace,
} from "../../test-utils/databases.js";
import { ModelRepository } from "../model/model.repository.js";
import { type NewPruningRun, PruningRunRepository } from "./run.repository.js";

const INSPECTED: InspectResult = {
  kind: "inspect",
  name: "m",
  description: "",
  topology: "Sequential",
  inputShape: [null, 4],
  classNames: ["a", "b"],
  params: 100,
  flops: 1000,
  sizeBytes: 1,
  testAccuracy: null,
  dataset: "mnist",
  layers: [],
  filters: [],
};

function newRun(id: string, createdAt: string): NewPruningRun {
  return {
    id,
    modelId: "m",
    criterion: "car",
    scope: "GLOBAL",
    layers: ["conv1", "conv2"],
    groups: ["conv1", "conv2"],
    targetKeep: 5,
    targetRemoveFraction: null,
    targetMinAccuracy: 0.5,
    stepSize: 1,
    fineTune: "NONE",
    fineTuneEpochs: 1,
    fineTuneLearningRate: null,
    protectClasses: [1],
    protectMaxDrop: 0.02,
    selectionSplit: "SELECTION",
    maxSelectionImages: 300,
    maxTestImages: null,
    maxTrainImages: 1000,
    seed: 7,
    classNames: ["a", "b"],
    plannedSteps: 3,
    createdAt,
  };
}

/** A step as core reports it, with a class that had no image (NaN) and full-precision numbers. */
function step(n: number): PruneStepRecord {
  return {
    step: n,
    removed: [
      {
        groupId: "conv1",
        filter: n,
        score: 0.1 / 3,
        car: {
          drop: 0.1 / 3,
          ci95: [-0.01, 0.07],
          standardError: 0.02,
          rightToWrong: 12,
          wrongToRight: 2,
          lossIncrease: 0.0123456789,
          accuracyWithout: 0.9,
        },
        classwise: [Math.PI / 100, Number.NaN],
      },
    ],
    skippedForProtection: 0,
    candidates: 8 - n,
    evaluation: { dataset: "sel", accuracy: 0.9 - n / 100, loss: 0.3, perClassAccuracy: [0.95, Number.NaN] },
    test: { dataset: "test", accuracy: 0.89, loss: 0.31, perClassAccuracy: [0.9, 0.88] },
    filtersLeft: { conv1: 8 - n, conv2: 8 },
    params: 100 - n,
    flops: 1000 - 10 * n,
    elapsedSeconds: n * 1.5,
  } as PruneStepRecord;
}

describe.each(DIALECTS)("PruningRunRepository on %s", (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let runs: PruningRunRepository;
  let models: ModelRepository;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, "pruning_repository");
    store = await openStore(database.config);
    runs = new PruningRunRepository(store.db);
    models = new ModelRepository(store.db);
    await insertWorkspace(store.db);
    await models.insert("m", { kind: "path", path: "/m" }, INSPECTED, "2026-01-01T00:00:00.000Z", "w1");
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("stores a new run QUEUED at revision 0, with its lists as given", async () => {
    const row = await runs.insert(newRun("r1", "2026-01-01T00:00:01.000Z"));
    expect(row).toMatchObject({
      ...newRun("r1", "2026-01-01T00:00:01.000Z"),
      status: "QUEUED",
      stepsDone: 0,
      revision: 0,
      resumes: 0,
      originalSummary: null,
      resultModelId: null,
    });
    expect(await runs.findById("r1")).toEqual(row);
    expect(await runs.countByModel("m")).toBe(1);
  });

  it("persists steps only while the run is RUNNING, and reads them back as reported (NaN as null)", async () => {
    expect(await runs.recordStep("r1", step(1), null, { etaSeconds: 3, phase: "x" }, "t1")).toBeUndefined();
    await runs.transition("r1", ["QUEUED"], { status: "RUNNING" });
    const saved = await runs.recordStep("r1", step(1), "/ckpt/step-1", { etaSeconds: 3, phase: "x" }, "t1");
    expect(saved!.run).toMatchObject({ stepsDone: 1, etaSeconds: 3, revision: 2 });
    await runs.recordStep("r1", step(2), "/ckpt/step-2", { etaSeconds: 1.5, phase: "y" }, "t2");
    const steps = await runs.steps("r1");
    expect(steps.map((s) => s.step)).toEqual([1, 2]);
    expect(steps[0]!.details).toEqual(JSON.parse(JSON.stringify(step(1))));
    expect(steps[0]!.details.removed[0]!.classwise).toEqual([Math.PI / 100, null]);
    expect(steps[0]!.details.removed[0]!.score).toBe(0.1 / 3);
    await runs.clearCheckpointsBefore("r1", 2);
    expect((await runs.steps("r1")).map((s) => s.checkpoint)).toEqual([null, "/ckpt/step-2"]);
    expect(await runs.countSteps("r1")).toBe(2);
    // A step number is persisted once.
    await expect(runs.recordStep("r1", step(2), null, { etaSeconds: 0, phase: "z" }, "t3")).rejects.toThrow();
    expect(await runs.countSteps("r1")).toBe(2);
  });

  it("marks RUNNING runs INTERRUPTED at start, and finds a compressed model's run", async () => {
    const interrupted = await runs.interruptRunning("t4", "stopped");
    expect(interrupted.map((r) => r.id)).toEqual(["r1"]);
    expect(interrupted[0]).toMatchObject({ status: "INTERRUPTED", errorCode: "INTERRUPTED", stepsDone: 2 });
    await models.insert("m2", { kind: "path", path: "/m2" }, INSPECTED, "2026-01-01T00:00:02.000Z", "w1");
    await runs.transition("r1", ["INTERRUPTED"], { status: "RUNNING" });
    const summary = {
      evaluation: { dataset: "sel", accuracy: 0.9, loss: 0.3, perClassAccuracy: [0.9, 0.8] },
      params: 98,
      flops: 980,
    };
    const done = await runs.transition("r1", ["RUNNING"], {
      status: "SUCCEEDED",
      resultModelId: "m2",
      finalSummary: summary,
      reproducibility: { seed: 7 },
    });
    expect(done).toMatchObject({ finalSummary: summary, reproducibility: { seed: 7 }, resultModelId: "m2" });
    expect((await runs.producersOf(["m2", "m"])).map((r) => r.id)).toEqual(["r1"]);
    // Deleting the compressed model leaves the run, without it.
    await models.delete("m2");
    expect((await runs.findById("r1"))!.resultModelId).toBeNull();
  });

  it("deletes a run with its steps, and every run with its model", async () => {
    await runs.insert(newRun("r2", "2026-01-01T00:00:03.000Z"));
    expect((await runs.listByModel("m", 10, 0)).map((r) => r.id)).toEqual(["r2", "r1"]);
    expect(await runs.delete("r1")).toEqual({ steps: 2 });
    expect(await runs.steps("r1")).toEqual([]);
    expect(await runs.delete("r1")).toBeUndefined();
    await models.delete("m");
    expect(await runs.findById("r2")).toBeUndefined();
  });
});
