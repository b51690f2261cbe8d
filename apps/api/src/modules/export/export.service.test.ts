/**
 * The export's SQL on both dialects: the pruned group's filters in layer order with their kernels, CAR scores
 * of the newest SUCCEEDED analysis that scored the group (not an older or unfinished one), class importances,
 * labels and run comments.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import type { Identity } from "../auth/identity.js";
import { type TeamsFixture, openTeams } from "../auth/test-utils/teams.js";
import { ExportService } from "./export.service.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe.each(DIALECTS)("export data on %s", (dialect) => {
  let t: TeamsFixture;
  let owner: Identity;
  let workspaceId: string;
  let modelId: string;
  let exports: ExportService;

  async function insertAnalysis(id: string, status: "SUCCEEDED" | "RUNNING", finishedAt: string | null) {
    await t.store.db
      .insertInto("analyses")
      .values({
        id,
        modelId,
        status,
        layers: '["conv1"]',
        groups: '["conv1"]',
        split: "SELECTION",
        classwise: true,
        maxImages: null,
        seed: 0,
        createdAt: "2026-06-01T00:00:00.000Z",
        finishedAt,
      })
      .execute();
  }

  /** Scores where filter i has drop (i + 1) × `scale`, rank i + 1, and class a needs it more than class b. */
  async function insertScores(analysisId: string, scale: number) {
    await t.store.db
      .insertInto("carScores")
      .values(
        [0, 1, 2, 3].map((i) => ({
          analysisId,
          groupId: "conv1",
          filterIndex: i,
          rank: i + 1,
          dropValue: (i + 1) * scale,
          ci95Low: (i + 1) * scale - 0.01,
          ci95High: (i + 1) * scale + 0.01,
          rightToWrong: 1,
          wrongToRight: 0,
          lossIncrease: 0.1,
          accuracyWithout: 0.9,
          classwise: JSON.stringify([0.2, i === 3 ? null : -0.1]),
        })),
      )
      .execute();
  }

  beforeAll(async () => {
    t = await openTeams(dialect, "export");
    owner = await t.signUp("owner@example.org");
    workspaceId = (await t.workspaces.create(owner, "Lab")).id;
    modelId = await t.insertModel("exported", workspaceId, 4);
    await t.store.db
      .insertInto("layers")
      .values({
        modelId,
        position: 0,
        name: "conv1",
        className: "Conv2D",
        outputShape: "[8,8,4]",
        filters: 4,
        kernelSize: "[3,3]",
        activation: "relu",
        params: 40,
        flops: 100,
        prunable: true,
        groupId: "conv1",
      })
      .execute();
    await t.store.db
      .updateTable("filters")
      .set({ weightPng: PNG })
      .where("modelId", "=", modelId)
      .where("filterIndex", "=", 1)
      .execute();
    await t.insertRun(modelId, "run-x");
    await insertAnalysis("older", "SUCCEEDED", "2026-06-01T01:00:00.000Z");
    await insertScores("older", 0.5);
    await insertAnalysis("newest", "SUCCEEDED", "2026-06-01T02:00:00.000Z");
    await insertScores("newest", 0.01);
    await insertAnalysis("unfinished", "RUNNING", null);
    await insertScores("unfinished", 0.9);
    await t.annotations.create(owner, workspaceId, {
      kind: "LABEL",
      target: { kind: "FILTER", modelId, layerName: "conv1", filterIndex: 2 },
      body: "blob",
    });
    await t.annotations.create(owner, workspaceId, {
      kind: "COMMENT",
      target: { kind: "RUN", runId: "run-x" },
      body: "looks fine",
    });
    exports = new ExportService(t.store.db, () => new Date("2026-06-02T00:00:00.000Z"));
  });
  afterAll(async () => t?.close());

  it("gives every filter of the pruned group the newest finished analysis's CAR, its classes and its label", async () => {
    const report = await exports.report("run", ["run-x"], { images: true, analysesOf: new Set(["run-x"]) });
    expect(report).toMatchObject({ kind: "run", generatedAt: "2026-06-02T00:00:00.000Z" });
    const [exported] = report.runs;
    expect(exported!.analyses.map((a) => a.id)).toEqual(["newest"]);
    expect(exported!.filters.map((f) => [f.index, f.car?.rank, f.car?.drop])).toEqual([
      [0, 1, 0.01],
      [1, 2, 0.02],
      [2, 3, 0.03],
      [3, 4, 0.04],
    ]);
    expect(exported!.filters[0]!.classImportances).toEqual([
      { classIndex: 0, className: "a", drop: 0.2 },
      { classIndex: 1, className: "b", drop: -0.1 },
    ]);
    // A class without images in the analysis has no importance.
    expect(exported!.filters[3]!.classImportances.map((c) => c.className)).toEqual(["a"]);
    expect(exported!.filters.map((f) => f.label)).toEqual([null, null, "blob", null]);
    expect(exported!.filters.map((f) => f.weightImage)).toEqual([
      null,
      `data:image/png;base64,${PNG.toString("base64")}`,
      null,
      null,
    ]);
    expect(exported!.comments).toEqual([
      { author: expect.any(String), body: "looks fine", createdAt: expect.any(String) },
    ]);
    expect(exported!.model).toMatchObject({ id: modelId, classNames: ["a", "b"] });
  });

  it("leaves CAR and kernels out when asked to", async () => {
    const report = await exports.report("run", ["run-x"], { images: false, analysesOf: new Set() });
    const [exported] = report.runs;
    expect(exported!.analyses).toEqual([]);
    expect(exported!.filters.every((f) => f.car === null && f.classImportances.length === 0)).toBe(true);
    expect(exported!.filters.every((f) => f.weightImage === null)).toBe(true);
    expect(exported!.filters[2]!.label).toBe("blob");
  });

  it("answers NOT_FOUND for a run that does not exist", async () => {
    await expect(exports.report("run", ["nope"], { images: false, analysesOf: new Set() })).rejects.toThrow(
      /no pruning run with id "nope"/,
    );
  });
});
