import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SettingsRepository } from "../../db/settings.repository.js";
import { type Store, openStore } from "../../db/store.js";
import {
  DIALECTS,
  type TestDatabase,
  createTestDatabase,
  insertWorkspace,
} from "../../test-utils/databases.js";
import { ModelRepository } from "../model/model.repository.js";
import { AnalysisRepository, type NewAnalysis } from "./analysis.repository.js";

function analysis(id: string, createdAt: string, groups = ["conv1"]): NewAnalysis {
  return {
    id,
    modelId: "m",
    layers: groups,
    groups,
    split: "SELECTION",
    classwise: false,
    maxImages: 500,
    seed: 3,
    createdAt,
  };
}

describe.each(DIALECTS)("AnalysisRepository and SettingsRepository on %s", (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let analyses: AnalysisRepository;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, "analysis_repository");
    store = await openStore(database.config);
    analyses = new AnalysisRepository(store.db);
    await insertWorkspace(store.db);
    await new ModelRepository(store.db).insert(
      "m",
      { kind: "path", path: "/m" },
      {
        kind: "inspect",
        name: "m",
        description: "",
        topology: "Sequential",
        inputShape: [null, 4],
        classNames: ["a", "b"],
        params: 1,
        flops: 1,
        sizeBytes: 1,
        testAccuracy: null,
        dataset: null,
        layers: [],
        filters: [],
      },
      "2026-01-01T00:00:00.000Z",
      "w1",
    );
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("stores a new analysis QUEUED at revision 0, with its lists and flags as given", async () => {
    const row = await analyses.insert(analysis("a1", "2026-01-01T00:00:01.000Z", ["conv1", "conv2"]));
    // toMatchObject: later migrations may add columns to analyses.
    expect(row).toMatchObject({
      ...analysis("a1", "2026-01-01T00:00:01.000Z", ["conv1", "conv2"]),
      status: "QUEUED",
      progressDone: 0,
      progressTotal: 0,
      phase: null,
      etaSeconds: null,
      images: null,
      baseAccuracy: null,
      errorCode: null,
      errorMessage: null,
      revision: 0,
      startedAt: null,
      finishedAt: null,
    });
    expect(await analyses.findById("a1")).toEqual(row);
  });

  it("changes state only from the statuses given, bumping the revision each time", async () => {
    expect(await analyses.transition("a1", ["RUNNING"], { status: "SUCCEEDED" })).toBeUndefined();
    const running = await analyses.transition("a1", ["QUEUED"], { status: "RUNNING", startedAt: "t1" });
    expect(running).toMatchObject({ status: "RUNNING", startedAt: "t1", revision: 1 });
    const progressed = await analyses.recordProgress("a1", {
      phase: "scoring",
      done: 3,
      total: 10,
      etaSeconds: 2.5,
    });
    expect(progressed).toMatchObject({
      progressDone: 3,
      progressTotal: 10,
      phase: "scoring",
      etaSeconds: 2.5,
      revision: 2,
    });
    const finished = await analyses.succeed(
      "a1",
      {
        images: 40,
        baseAccuracy: 0.5,
        filters: [{ groupId: "conv1", filter: 0, rank: 1, car: null, classwise: null }],
      },
      "t2",
    );
    expect(finished).toMatchObject({
      status: "SUCCEEDED",
      images: 40,
      progressDone: 10,
      phase: "done",
      etaSeconds: 0,
      finishedAt: "t2",
      revision: 3,
    });
    // Finished once: neither progress nor a second success applies, and no score is stored twice.
    expect(await analyses.recordProgress("a1", { phase: "late", done: 9, total: 10 })).toBeUndefined();
    expect(
      await analyses.succeed("a1", { images: 1, baseAccuracy: null, filters: [] }, "t3"),
    ).toBeUndefined();
    expect(await analyses.scores([{ analysisId: "a1", groupId: "conv1" }])).toHaveLength(1);
  });

  it("marks analyses left RUNNING as INTERRUPTED, and lists QUEUED ones oldest first", async () => {
    await analyses.insert(analysis("q2", "2026-01-01T00:00:03.000Z"));
    await analyses.insert(analysis("q1", "2026-01-01T00:00:02.000Z"));
    await analyses.insert(analysis("r1", "2026-01-01T00:00:04.000Z"));
    await analyses.transition("r1", ["QUEUED"], { status: "RUNNING" });
    const interrupted = await analyses.interruptRunning("t4", "stopped");
    expect(interrupted).toEqual([
      expect.objectContaining({
        id: "r1",
        status: "INTERRUPTED",
        errorCode: "INTERRUPTED",
        errorMessage: "stopped",
        revision: 2,
      }),
    ]);
    expect(await analyses.idsWithStatus("QUEUED")).toEqual(["q1", "q2"]);
    expect(await analyses.countByModel("m")).toBe(4);
    expect((await analyses.listByModel("m", 2, 0)).map((a) => a.id)).toEqual(["r1", "q2"]);
    expect((await analyses.findByIds(["q1", "r1"])).map((a) => a.id).sort()).toEqual(["q1", "r1"]);
  });

  it("finds, per filter group, the newest succeeded analysis that scored it", async () => {
    await analyses.insert(analysis("a2", "2026-01-01T00:00:05.000Z", ["conv2"]));
    await analyses.transition("a2", ["QUEUED"], { status: "RUNNING" });
    await analyses.succeed("a2", { images: 1, baseAccuracy: 1, filters: [] }, "t9");
    const found = await analyses.latestSucceeded([
      { modelId: "m", groupId: "conv1" },
      { modelId: "m", groupId: "conv2" },
      { modelId: "m", groupId: "conv3" },
    ]);
    expect(Object.fromEntries(found)).toEqual({ "m\u0000conv1": "a1", "m\u0000conv2": "a2" });
    expect(await analyses.latestSucceeded([])).toEqual(new Map());
  });

  it("keeps settings by key, replacing a value that is set again", async () => {
    const settings = new SettingsRepository(store.db);
    expect(await settings.get("demos_seeded")).toBeUndefined();
    await settings.set("demos_seeded", "yes");
    await settings.set("demos_seeded", "again");
    expect(await settings.get("demos_seeded")).toBe("again");
  });
});
