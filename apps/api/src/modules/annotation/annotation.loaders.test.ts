import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import type { Identity } from "../auth/identity.js";
import { type TeamsFixture, openTeams } from "../auth/test-utils/teams.js";
import { annotationLoaders, createAnnotationLoaders, latestLabels } from "./annotation.loaders.js";

describe.each(DIALECTS)("annotation loaders on %s", (dialect) => {
  let t: TeamsFixture;
  let owner: Identity;
  let workspaceId: string;
  let modelA: string;
  let modelB: string;

  const label = (modelId: string, filterIndex: number, body: string) =>
    t.annotations.create(owner, workspaceId, {
      kind: "LABEL",
      target: { kind: "FILTER", modelId, layerName: "conv1", filterIndex },
      body,
    });

  beforeAll(async () => {
    t = await openTeams(dialect, "annotation-loaders");
    owner = await t.signUp("owner@example.org");
    workspaceId = (await t.workspaces.create(owner, "Lab")).id;
    modelA = await t.insertModel("a", workspaceId);
    modelB = await t.insertModel("b", workspaceId);
    await t.insertRun(modelA, "run-a");
    await t.insertRun(modelB, "run-b");
    await label(modelA, 0, "first");
    t.advance(1000);
    await label(modelA, 0, "second");
    t.advance(1000);
    await label(modelA, 2, "edge");
    await label(modelB, 1, "blob");
    await t.annotations.create(owner, workspaceId, {
      kind: "COMMENT",
      target: { kind: "RUN", runId: "run-a" },
      body: "on run a",
    });
    // A row that names model A but another workspace (never written by the service): never shown.
    const other = (await t.workspaces.create(owner, "Other")).id;
    await t.store.db
      .insertInto("annotations")
      .values({
        id: "stray",
        workspaceId: other,
        kind: "LABEL",
        targetKind: "FILTER",
        modelId: modelA,
        layerName: "conv1",
        filterIndex: 3,
        runId: null,
        body: "stray",
        authorId: null,
        createdAt: t.auth.now(),
        updatedAt: t.auth.now(),
      })
      .execute();
  });
  afterAll(async () => t?.close());

  it("reads the annotations of several layers in one query, each layer's own, newest label winning", async () => {
    const repository = t.annotations.repository;
    const spy = vi.spyOn(repository, "ofLayers");
    const loaders = createAnnotationLoaders(repository);
    const [a, b, again] = await Promise.all([
      loaders.layer.load({ modelId: modelA, layerName: "conv1" }),
      loaders.layer.load({ modelId: modelB, layerName: "conv1" }),
      loaders.layer.load({ modelId: modelA, layerName: "conv1" }),
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(again).toBe(a);
    expect(a.map((x) => x.body)).toEqual(["first", "second", "edge"]);
    expect(b.map((x) => x.body)).toEqual(["blob"]);
    const labels = latestLabels(a);
    expect([...labels].map(([index, x]) => [index, x.body])).toEqual([
      [0, "second"],
      [2, "edge"],
    ]);
  });

  it("reads the comments of several runs in one query", async () => {
    const repository = t.annotations.repository;
    const spy = vi.spyOn(repository, "ofRuns");
    const loaders = createAnnotationLoaders(repository);
    const [a, b] = await Promise.all([loaders.run.load("run-a"), loaders.run.load("run-b")]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(a.map((x) => x.body)).toEqual(["on run a"]);
    expect(b).toEqual([]);
  });

  it("keeps one set of loaders per request context", () => {
    const first = { teams: t };
    expect(annotationLoaders(first)).toBe(annotationLoaders(first));
    expect(annotationLoaders({ teams: t })).not.toBe(annotationLoaders(first));
  });
});
