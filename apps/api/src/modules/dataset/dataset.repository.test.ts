/**
 * The dataset and evaluation SQL, and the model list's filters, on SQLite and on PostgreSQL: JSON columns read
 * back as arrays, an evaluation asked for twice stored once, evaluations deleted with their dataset, name
 * search case-insensitive with LIKE's wildcards taken literally.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type Store, openStore } from "../../db/store.js";
import type { InspectResult } from "../../jobs/worker-protocol.js";
import {
  DIALECTS,
  type TestDatabase,
  createTestDatabase,
  insertWorkspace,
} from "../../test-utils/databases.js";
import { ModelRepository } from "../model/model.repository.js";
import { DatasetRepository, type DatasetRow } from "./dataset.repository.js";

function inspected(name: string): InspectResult {
  return {
    kind: "inspect",
    name,
    description: "",
    topology: "Sequential",
    inputShape: [28, 28, 1],
    classNames: ["a", "b"],
    params: 10,
    flops: 20,
    sizeBytes: 30,
    testAccuracy: null,
    dataset: "mnist",
    layers: [],
    filters: [],
  };
}

const DIGITS: DatasetRow = {
  id: "d1",
  name: "digits",
  description: "real digits",
  sourceKind: "path",
  format: "idx",
  location: "/data/digits",
  classNames: ["0", "1"],
  imageShape: [28, 28, 1],
  trainSize: 300,
  validationSize: null,
  testSize: 100,
  createdAt: "2026-01-01T00:00:00.000Z",
  workspaceId: "w1",
};

describe.each(DIALECTS)("on %s", (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let datasets: DatasetRepository;
  let models: ModelRepository;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, "datasets");
    store = await openStore(database.config);
    datasets = new DatasetRepository(store.db);
    models = new ModelRepository(store.db);
    await insertWorkspace(store.db);
    await insertWorkspace(store.db, "w2");
    await models.insert(
      "m1",
      { kind: "path", path: "/m/1" },
      inspected("Digits_CNN"),
      "2026-01-01T00:00:01Z",
      "w1",
    );
    await models.insert(
      "m2",
      { kind: "path", path: "/m/2" },
      inspected("100% model"),
      "2026-01-01T00:00:02Z",
      "w1",
    );
    await models.insert(
      "m3",
      { kind: "path", path: "/m/3" },
      inspected("alpha"),
      "2026-01-01T00:00:03Z",
      "w1",
    );
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("stores a dataset and reads its arrays back, by id and by location, within its workspace only", async () => {
    await datasets.insert(DIGITS);
    expect(await datasets.findById("d1")).toEqual(DIGITS);
    expect(await datasets.findByLocation("/data/digits", "w1")).toEqual(DIGITS);
    expect(await datasets.findByLocation("/data/digits", "w2")).toBeUndefined();
    expect(await datasets.findByLocation("/data/digits", null)).toBeUndefined();
    expect(
      await datasets.findByLocations([
        { location: "/data/digits", workspaceId: "w1" },
        { location: "/nowhere", workspaceId: "w1" },
        { location: "/data/digits", workspaceId: "w2" },
      ]),
    ).toEqual([DIGITS, undefined, undefined]);
    expect(await datasets.count(["w1"])).toBe(1);
    expect(await datasets.count(["w2"])).toBe(0);
    expect(await datasets.count([])).toBe(0);
  });

  it("stores an evaluation asked for twice once, and records its result", async () => {
    const key = { modelId: "m1", datasetId: "d1", split: "TEST", maxImages: 0, seed: 0 };
    const first = await datasets.upsertPending(key, "e1", "2026-01-02T00:00:00Z");
    expect(first.created).toBe(true);
    const again = await datasets.upsertPending(key, "e2", "2026-01-02T00:00:01Z");
    expect(again).toMatchObject({ created: false, row: { id: "e1", status: "PENDING" } });

    expect(await datasets.markRunning("e1", ["PENDING"])).toBe(true);
    expect(await datasets.markRunning("e1", ["PENDING"])).toBe(false);
    const perClass = [
      { classIndex: 0, className: "0", count: 50, correct: 49, accuracy: 0.98 },
      { classIndex: 1, className: "1", count: 50, correct: 0, accuracy: 0 },
    ];
    await datasets.succeed(
      "e1",
      { images: 100, correct: 49, accuracy: 0.49, loss: 1.5, perClass },
      "2026-01-02T00:00:05Z",
    );
    const [row] = await datasets.evaluationsOf(["m1", "m2"]);
    expect(row).toMatchObject({ id: "e1", status: "SUCCEEDED", images: 100, accuracy: 0.49, perClass });
    expect(await datasets.idsWithStatus(["PENDING", "RUNNING"])).toEqual([]);
  });

  it("lists models by name in any case, LIKE wildcards literal, and by derivation", async () => {
    const names = async (options: Parameters<ModelRepository["list"]>[2]) =>
      (await models.list(50, 0, options)).map((m) => m.name);
    expect(await names({ nameContains: "cnn" })).toEqual(["Digits_CNN"]);
    expect(await names({ nameContains: "%" })).toEqual(["100% model"]);
    expect(await names({ nameContains: "_" })).toEqual(["Digits_CNN"]);
    expect(await names({ orderBy: "NAME" })).toEqual(["100% model", "alpha", "Digits_CNN"]);
    expect(await names({ orderBy: "NAME", direction: "DESC" })).toEqual([
      "Digits_CNN",
      "alpha",
      "100% model",
    ]);
    expect(await models.count({ derived: true })).toBe(0);
    expect(await models.count({ derived: false })).toBe(3);
  });

  it("deletes a dataset's evaluations with it", async () => {
    expect(await datasets.delete("d1")).toBe(true);
    expect(await datasets.evaluationsOf(["m1"])).toEqual([]);
    expect(await datasets.delete("d1")).toBe(false);
  });
});
