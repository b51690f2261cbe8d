import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type Store, openStore } from "../../db/store.js";
import type { InspectResult, ScoredFilter } from "../../jobs/worker-protocol.js";
import {
  DIALECTS,
  type TestDatabase,
  createTestDatabase,
  insertWorkspace,
} from "../../test-utils/databases.js";
import { AnalysisRepository } from "../analysis/analysis.repository.js";
import { ModelRepository } from "./model.repository.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);

/** A two-layer model: conv1 (3 filters, with kernel images) feeding a dense head that has no filter group. */
function inspected(name = "tiny"): InspectResult {
  return {
    kind: "inspect",
    name,
    description: "a test model",
    topology: "Sequential",
    inputShape: [null, 8, 8, 1],
    classNames: ["zero", "one"],
    params: 123,
    flops: 4567.5,
    sizeBytes: 3_000_000_000, // above 2^31: BIGINT on Postgres, read back as a number
    testAccuracy: 0.875,
    dataset: "mnist",
    layers: [
      {
        index: 0,
        name: "conv1",
        className: "Conv2D",
        outputShape: [null, 6, 6, 3],
        filters: 3,
        kernelSize: [3, 3],
        activation: "relu",
        params: 30,
        flops: 1000,
        prunable: true,
        groupId: "conv1",
      },
      {
        index: 1,
        name: "dense",
        className: "Dense",
        outputShape: [null, 2],
        filters: null,
        kernelSize: null,
        activation: "softmax",
        params: 93,
        flops: 186,
        prunable: false,
        groupId: null,
      },
    ],
    filters: [0.5, 0.25, 0.75].map((l1Norm, index) => ({
      layerName: "conv1",
      groupId: "conv1",
      index,
      l1Norm,
      weightPng: index === 1 ? null : new Uint8Array(PNG),
    })),
  };
}

/** CAR of conv1's filters: filter 2 is least important (rank 1), filter 1 is the last one (no CAR). */
const SCORES: ScoredFilter[] = [
  { groupId: "conv1", filter: 2, rank: 1, car: car(0.01), classwise: Float64Array.from([0.02, Number.NaN]) },
  { groupId: "conv1", filter: 0, rank: 2, car: car(0.2), classwise: Float64Array.from([0.3, 0.1]) },
  { groupId: "conv1", filter: 1, rank: 3, car: null, classwise: null },
];

function car(drop: number): NonNullable<ScoredFilter["car"]> {
  return {
    drop,
    ci95: [drop - 0.01, drop + 0.01],
    rightToWrong: 3,
    wrongToRight: 1,
    lossIncrease: drop * 2,
    accuracyWithout: 0.9 - drop,
  };
}

describe.each(DIALECTS)("ModelRepository on %s", (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let models: ModelRepository;
  let analyses: AnalysisRepository;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, "model_repository");
    store = await openStore(database.config);
    models = new ModelRepository(store.db);
    await insertWorkspace(store.db);
    await insertWorkspace(store.db, "w2");
    analyses = new AnalysisRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("stores a model with its layers and filters and reads the same values back", async () => {
    const row = await models.insert(
      "m1",
      { kind: "path", path: "/models/tiny" },
      inspected(),
      "2026-01-01T00:00:00.000Z",
      "w1",
    );
    const expected = {
      id: "m1",
      name: "tiny",
      description: "a test model",
      sourceKind: "path",
      source: "/models/tiny",
      dataset: "mnist",
      topology: "Sequential",
      inputShape: [null, 8, 8, 1],
      classNames: ["zero", "one"],
      params: 123,
      flops: 4567.5,
      sizeBytes: 3_000_000_000,
      testAccuracy: 0.875,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
      workspaceId: "w1",
    };
    expect(row).toEqual(expected);
    expect(await models.findById("m1")).toEqual(expected);
    expect(await models.findById("nope")).toBeUndefined();
    expect(await models.layersOf(["m1"])).toEqual([
      expect.objectContaining({
        name: "conv1",
        position: 0,
        outputShape: [null, 6, 6, 3],
        kernelSize: [3, 3],
        prunable: true,
        groupId: "conv1",
      }),
      expect.objectContaining({
        name: "dense",
        position: 1,
        kernelSize: null,
        filters: null,
        prunable: false,
        groupId: null,
      }),
    ]);
    const images = await models.weightImages([
      { modelId: "m1", layerName: "conv1", index: 0 },
      { modelId: "m1", layerName: "conv1", index: 1 },
    ]);
    expect(images.sort((a, b) => a.filterIndex - b.filterIndex)).toEqual([
      { modelId: "m1", layerName: "conv1", filterIndex: 0, weightPng: PNG },
      { modelId: "m1", layerName: "conv1", filterIndex: 1, weightPng: null },
    ]);
  });

  it("leaves nothing behind when registering fails half-way (one transaction)", async () => {
    const broken = inspected("broken");
    broken.filters.push({ ...broken.filters[0]! }); // the same filter twice: a primary key violation
    await expect(
      models.insert("m-broken", { kind: "path", path: "/x" }, broken, "2026-01-02T00:00:00.000Z", "w1"),
    ).rejects.toThrow();
    expect(await models.findById("m-broken")).toBeUndefined();
    expect(await models.layersOf(["m-broken"])).toEqual([]);
    expect(await models.weightImages([{ modelId: "m-broken", layerName: "conv1", index: 0 }])).toEqual([]);
  });

  it("registers a demo once: a second insert of the same demo is refused by the unique index", async () => {
    await models.insert(
      "d1",
      { kind: "demo", name: "mnist" },
      inspected("mnist"),
      "2026-01-03T00:00:00.000Z",
      "w1",
    );
    await expect(
      models.insert(
        "d2",
        { kind: "demo", name: "mnist" },
        inspected("mnist"),
        "2026-01-03T00:00:00.000Z",
        "w1",
      ),
    ).rejects.toThrow();
    expect((await models.findDemo("mnist", "w1"))?.id).toBe("d1");
    expect(await models.findDemo("fashion-mnist", "w1")).toBeUndefined();
    // Another workspace registers its own copy of the same demo.
    expect(await models.findDemo("mnist", "w2")).toBeUndefined();
    await models.insert(
      "d3",
      { kind: "demo", name: "mnist" },
      inspected("mnist"),
      "2026-01-03T00:00:01.000Z",
      "w2",
    );
    expect((await models.findDemo("mnist", "w2"))?.id).toBe("d3");
    expect(await models.count({ visible: { workspaceIds: ["w2"], ids: [] } })).toBe(1);
    expect(await models.count({ visible: { workspaceIds: [], ids: ["d1"] } })).toBe(1);
    expect(await models.count({ visible: { workspaceIds: [], ids: [] } })).toBe(0);
    await models.delete("d3");
  });

  it("lists models oldest first in pages, counts them, finds several by id and renames one", async () => {
    expect(await models.count()).toBe(2);
    expect((await models.list(10, 0)).map((m) => m.id)).toEqual(["m1", "d1"]);
    expect((await models.list(1, 1)).map((m) => m.id)).toEqual(["d1"]);
    expect((await models.findByIds(["d1", "m1", "zz"])).map((m) => m.id).sort()).toEqual(["d1", "m1"]);
    expect(await models.findByIds([])).toEqual([]);
    const renamed = await models.rename("m1", "renamed", "2026-02-01T00:00:00.000Z");
    expect(renamed).toMatchObject({ name: "renamed", updatedAt: "2026-02-01T00:00:00.000Z" });
    expect(await models.rename("zz", "x", "now")).toBeUndefined();
  });

  it("pages a layer's filters by index, L1 norm and CAR, with unscored filters last either way", async () => {
    await analyses.insert({
      id: "a1",
      modelId: "m1",
      layers: ["conv1"],
      groups: ["conv1"],
      split: "SELECTION",
      classwise: true,
      maxImages: null,
      seed: 7,
      createdAt: "2026-03-01T00:00:00.000Z",
    });
    await analyses.transition("a1", ["QUEUED"], { status: "RUNNING" });
    await analyses.succeed(
      "a1",
      { images: 100, baseAccuracy: 0.9, filters: SCORES.slice(0, 2) },
      "2026-03-01T00:01:00.000Z",
    );
    const page = (
      orderBy: "INDEX" | "CAR" | "L1_NORM",
      direction: "ASC" | "DESC",
      analysisId: string | null = "a1",
    ) =>
      models.filterPage({
        modelId: "m1",
        layerName: "conv1",
        analysisId,
        orderBy,
        direction,
        limit: 10,
        offset: 0,
      });
    const indices = async (...args: Parameters<typeof page>) =>
      (await page(...args)).rows.map((r) => r.filter.filterIndex);

    expect(await indices("INDEX", "ASC")).toEqual([0, 1, 2]);
    expect(await indices("INDEX", "DESC")).toEqual([2, 1, 0]);
    expect(await indices("L1_NORM", "ASC")).toEqual([1, 0, 2]);
    expect(await indices("L1_NORM", "DESC")).toEqual([2, 0, 1]);
    expect(await indices("CAR", "ASC")).toEqual([2, 0, 1]);
    expect(await indices("CAR", "DESC")).toEqual([0, 2, 1]);

    const { rows, total } = await page("CAR", "ASC");
    expect(total).toBe(3);
    expect(rows[0]).toEqual({
      filter: { modelId: "m1", layerName: "conv1", groupId: "conv1", filterIndex: 2, l1Norm: 0.75 },
      score: {
        analysisId: "a1",
        groupId: "conv1",
        filterIndex: 2,
        rank: 1,
        drop: 0.01,
        // Doubles round-trip exactly on both dialects.
        ci95Low: 0.01 - 0.01,
        ci95High: 0.01 + 0.01,
        rightToWrong: 3,
        wrongToRight: 1,
        lossIncrease: 0.01 * 2,
        accuracyWithout: 0.9 - 0.01,
        // A class with no image (NaN) is stored as null.
        classwise: [0.02, null],
      },
    });
    expect(rows[2]?.score).toBeNull();
    // Without an analysis, no filter has a score.
    expect((await page("INDEX", "ASC", null)).rows.every((r) => r.score === null)).toBe(true);
    const second = await models.filterPage({
      modelId: "m1",
      layerName: "conv1",
      analysisId: "a1",
      orderBy: "INDEX",
      direction: "ASC",
      limit: 2,
      offset: 2,
    });
    expect(second.rows.map((r) => r.filter.filterIndex)).toEqual([2]);
    expect(second.total).toBe(3);
  });

  it("deletes a model with everything that depends on it, reporting what went", async () => {
    expect(await models.delete("m1")).toEqual({ layers: 2, filters: 3, analyses: 1, carScores: 2 });
    expect(await models.findById("m1")).toBeUndefined();
    expect(await models.layersOf(["m1"])).toEqual([]);
    expect(await analyses.findById("a1")).toBeUndefined();
    expect(await analyses.scores([{ analysisId: "a1", groupId: "conv1" }])).toEqual([]);
    expect(await models.delete("m1")).toBeUndefined();
  });
});
