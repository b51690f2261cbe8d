import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import type { Identity } from "../auth/identity.js";
import { type TeamsFixture, openTeams } from "../auth/test-utils/teams.js";

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
}

describe.each(DIALECTS)("annotations on %s", (dialect) => {
  let t: TeamsFixture;
  let owner: Identity;
  let editor: Identity;
  let viewer: Identity;
  let outsider: Identity;
  let workspaceId: string;
  let modelId: string;
  const filter = (filterIndex: number) => ({
    kind: "FILTER" as const,
    modelId,
    layerName: "conv1",
    filterIndex,
  });

  beforeAll(async () => {
    t = await openTeams(dialect, "annotation");
    owner = await t.signUp("owner@example.org");
    editor = await t.signUp("editor@example.org");
    viewer = await t.signUp("viewer@example.org");
    outsider = await t.signUp("outsider@example.org");
    workspaceId = (await t.workspaces.create(owner, "Lab")).id;
    await t.workspaces.create(outsider, "Elsewhere");
    for (const [who, role] of [
      [editor, "EDITOR"],
      [viewer, "VIEWER"],
    ] as const) {
      const { token } = await t.workspaces.createInvite(owner, workspaceId, { role });
      await t.workspaces.acceptInvite(who, token);
    }
    modelId = await t.insertModel("annotated", workspaceId);
    await t.insertRun(modelId, "run-1");
  });
  afterAll(async () => t?.close());

  it("labels a filter (editors) and lists the labels of a layer and of one filter, with their authors", async () => {
    const label = await t.annotations.create(editor, workspaceId, {
      kind: "LABEL",
      target: filter(2),
      body: "  red-green\n colour blob ",
    });
    expect(label).toMatchObject({
      kind: "LABEL",
      targetKind: "FILTER",
      modelId,
      layerName: "conv1",
      filterIndex: 2,
      runId: null,
      body: "red-green colour blob",
      authorId: editor.userId,
      authorName: "editor",
      createdAt: t.auth.now(),
    });
    t.advance(1000);
    await t.annotations.create(owner, workspaceId, { kind: "LABEL", target: filter(0), body: "edges" });
    t.advance(1000);
    await t.annotations.create(viewer, workspaceId, {
      kind: "COMMENT",
      target: filter(2),
      body: "fires on red",
    });
    const layer = await t.annotations.ofFilters(
      viewer,
      workspaceId,
      { modelId, layerName: "conv1" },
      "LABEL",
    );
    expect(layer.map((a) => [a.filterIndex, a.body])).toEqual([
      [0, "edges"],
      [2, "red-green colour blob"],
    ]);
    const one = await t.annotations.ofFilters(viewer, workspaceId, {
      modelId,
      layerName: "conv1",
      filterIndex: 2,
    });
    expect(one.map((a) => [a.kind, a.body])).toEqual([
      ["LABEL", "red-green colour blob"],
      ["COMMENT", "fires on red"],
    ]);
  });

  it("lets viewers comment but not label; labels go on filters only; bodies are checked", async () => {
    expect(
      await code(t.annotations.create(viewer, workspaceId, { kind: "LABEL", target: filter(1), body: "x" })),
    ).toBe("FORBIDDEN");
    const comment = await t.annotations.create(viewer, workspaceId, {
      kind: "COMMENT",
      target: { kind: "RUN", runId: "run-1" },
      body: "accuracy held until step 5",
    });
    expect(comment).toMatchObject({ targetKind: "RUN", runId: "run-1", modelId: null });
    expect((await t.annotations.ofRun(editor, workspaceId, "run-1")).map((a) => a.body)).toEqual([
      "accuracy held until step 5",
    ]);
    expect(
      await code(
        t.annotations.create(editor, workspaceId, {
          kind: "LABEL",
          target: { kind: "RUN", runId: "run-1" },
          body: "x",
        }),
      ),
    ).toBe("INVALID_ARGUMENT");
    for (const body of ["   ", "x".repeat(81)]) {
      expect(
        await code(t.annotations.create(editor, workspaceId, { kind: "LABEL", target: filter(1), body })),
      ).toBe("INVALID_ARGUMENT");
    }
    expect(
      await code(
        t.annotations.create(editor, workspaceId, {
          kind: "COMMENT",
          target: filter(1),
          body: "x".repeat(5000),
        }),
      ),
    ).toBeUndefined();
  });

  it("answers NOT_FOUND for a filter or run that does not exist", async () => {
    expect(
      await code(t.annotations.create(editor, workspaceId, { kind: "LABEL", target: filter(99), body: "x" })),
    ).toBe("NOT_FOUND");
    expect(
      await code(
        t.annotations.create(editor, workspaceId, {
          kind: "COMMENT",
          target: { kind: "RUN", runId: "nope" },
          body: "x",
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("lets the author edit, the author or an owner delete, and nobody outside the workspace see or touch them", async () => {
    const label = await t.annotations.create(editor, workspaceId, {
      kind: "LABEL",
      target: filter(3),
      body: "dots",
    });
    t.advance(1000);
    const edited = await t.annotations.update(editor, label.id, "dot grid");
    expect(edited).toMatchObject({ body: "dot grid", updatedAt: t.auth.now(), createdAt: label.createdAt });
    expect(await code(t.annotations.update(owner, label.id, "mine"))).toBe("FORBIDDEN");
    expect(await code(t.annotations.delete(viewer, label.id))).toBe("FORBIDDEN");
    expect(await code(t.annotations.update(outsider, label.id, "x"))).toBe("NOT_FOUND");
    expect(await code(t.annotations.delete(outsider, label.id))).toBe("NOT_FOUND");
    expect(await code(t.annotations.ofFilters(outsider, workspaceId, { modelId }))).toBe("NOT_FOUND");
    expect(await code(t.annotations.ofRun(outsider, workspaceId, "run-1"))).toBe("NOT_FOUND");
    await t.annotations.delete(owner, label.id);
    expect(await code(t.annotations.update(editor, label.id, "gone"))).toBe("NOT_FOUND");

    // An editor demoted to viewer can no longer edit their labels.
    const own = await t.annotations.create(editor, workspaceId, {
      kind: "LABEL",
      target: filter(3),
      body: "dots",
    });
    await t.workspaces.changeRole(owner, workspaceId, editor.userId, "VIEWER");
    expect(await code(t.annotations.update(editor, own.id, "still mine?"))).toBe("FORBIDDEN");
    await t.workspaces.changeRole(owner, workspaceId, editor.userId, "EDITOR");
  });

  it("go with their filter's model and with their run when those are deleted", async () => {
    const model = await t.insertModel("doomed", workspaceId);
    await t.insertRun(model, "run-doomed");
    await t.annotations.create(editor, workspaceId, {
      kind: "LABEL",
      target: { kind: "FILTER", modelId: model, layerName: "conv1", filterIndex: 0 },
      body: "blob",
    });
    await t.annotations.create(editor, workspaceId, {
      kind: "COMMENT",
      target: { kind: "RUN", runId: "run-doomed" },
      body: "bad run",
    });
    await t.store.db.deleteFrom("models").where("id", "=", model).execute();
    expect(await t.annotations.ofFilters(editor, workspaceId, { modelId: model })).toEqual([]);
    expect(await t.annotations.ofRun(editor, workspaceId, "run-doomed")).toEqual([]);
  });
});
