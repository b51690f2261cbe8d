import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import type { Identity } from "../auth/identity.js";
import { type TeamsFixture, openTeams } from "../auth/test-utils/teams.js";
import { grantCovers } from "./share.service.js";

const DAY = 24 * 60 * 60 * 1000;

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
}

describe.each(DIALECTS)("share links on %s", (dialect) => {
  let t: TeamsFixture;
  let owner: Identity;
  let editor: Identity;
  let viewer: Identity;
  let outsider: Identity;
  let workspaceId: string;
  let otherWorkspaceId: string;
  let modelId: string;

  beforeAll(async () => {
    t = await openTeams(dialect, "share");
    owner = await t.signUp("owner@example.org");
    editor = await t.signUp("editor@example.org");
    viewer = await t.signUp("viewer@example.org");
    outsider = await t.signUp("outsider@example.org");
    workspaceId = (await t.workspaces.create(owner, "Lab")).id;
    otherWorkspaceId = (await t.workspaces.create(outsider, "Elsewhere")).id;
    for (const [who, role] of [
      [editor, "EDITOR"],
      [viewer, "VIEWER"],
    ] as const) {
      const { token } = await t.workspaces.createInvite(owner, workspaceId, { role });
      await t.workspaces.acceptInvite(who, token);
    }
    modelId = await t.insertModel("shared", workspaceId);
    await t.insertRun(modelId, "run-a");
    await t.insertRun(modelId, "run-b");
  });
  afterAll(async () => t?.close());

  it("shares a model read-only through a token stored only hashed, and grants exactly that model", async () => {
    const { token, link } = await t.shares.create(editor, workspaceId, {
      target: { kind: "MODEL", ids: [modelId] },
    });
    expect(token).toMatch(/^carve_shr_[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({
      targetKind: "MODEL",
      targetIds: [modelId],
      expiresAt: null,
      createdBy: editor.userId,
    });
    expect(link).not.toHaveProperty("tokenHash");
    const stored = await t.store.db.selectFrom("shareLinks").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    const grant = await t.shares.resolve(token);
    expect(grant).toEqual({
      linkId: link.id,
      workspaceId,
      target: { kind: "MODEL", ids: [modelId] },
      expiresAt: null,
    });
    expect(grantCovers(grant, "MODEL", modelId)).toBe(true);
    expect(grantCovers(grant, "MODEL", "another-model")).toBe(false);
    expect(grantCovers(grant, "RUN", "run-a")).toBe(false);
    expect((await t.shares.list(owner, workspaceId))[0]).toMatchObject({
      id: link.id,
      lastUsedAt: t.auth.now(),
    });
  });

  it("shares a run and a comparison of runs, checking the ids", async () => {
    const run = await t.shares.create(owner, workspaceId, { target: { kind: "RUN", ids: ["run-a"] } });
    const runGrant = await t.shares.resolve(run.token);
    expect(grantCovers(runGrant, "RUN", "run-a")).toBe(true);
    expect(grantCovers(runGrant, "RUN", "run-b")).toBe(false);
    const comparison = await t.shares.create(owner, workspaceId, {
      target: { kind: "COMPARISON", ids: ["run-a", "run-b"] },
    });
    const comparisonGrant = await t.shares.resolve(comparison.token);
    expect(comparisonGrant.target).toEqual({ kind: "COMPARISON", ids: ["run-a", "run-b"] });
    expect(grantCovers(comparisonGrant, "RUN", "run-b")).toBe(true);
    expect(grantCovers(comparisonGrant, "MODEL", modelId)).toBe(false);

    const invalid = [
      { kind: "COMPARISON" as const, ids: ["run-a"] },
      { kind: "COMPARISON" as const, ids: ["run-a", "run-a"] },
      { kind: "RUN" as const, ids: ["run-a", "run-b"] },
      { kind: "MODEL" as const, ids: [] },
      { kind: "FOLDER" as "MODEL", ids: ["x"] },
    ];
    for (const target of invalid) {
      expect(await code(t.shares.create(owner, workspaceId, { target })), JSON.stringify(target)).toBe(
        "INVALID_ARGUMENT",
      );
    }
    expect(
      await code(t.shares.create(owner, workspaceId, { target: { kind: "RUN", ids: ["no-such-run"] } })),
    ).toBe("NOT_FOUND");
    expect(
      await code(
        t.shares.create(owner, workspaceId, { target: { kind: "MODEL", ids: [modelId] }, expiresInDays: 0 }),
      ),
    ).toBe("INVALID_ARGUMENT");
  });

  it("stops working when revoked, and when it expires", async () => {
    const revoked = await t.shares.create(editor, workspaceId, { target: { kind: "RUN", ids: ["run-b"] } });
    expect((await t.shares.revoke(owner, revoked.link.id)).revokedAt).toBe(t.auth.now());
    await expect(t.shares.resolve(revoked.token)).rejects.toThrow(/unknown, revoked or expired/);

    const expiring = await t.shares.create(editor, workspaceId, {
      target: { kind: "MODEL", ids: [modelId] },
      expiresInDays: 2,
    });
    expect(expiring.link.expiresAt).toBe(new Date(Date.parse(t.auth.now()) + 2 * DAY).toISOString());
    t.advance(2 * DAY - 1000);
    expect((await t.shares.resolve(expiring.token)).linkId).toBe(expiring.link.id);
    t.advance(1000);
    expect(await code(t.shares.resolve(expiring.token))).toBe("NOT_FOUND");
    expect(await code(t.shares.resolve("carve_shr_" + "x".repeat(43)))).toBe("NOT_FOUND");
    expect(await code(t.shares.resolve("not a token"))).toBe("NOT_FOUND");
  });

  it("lets editors and owners manage links; viewers and other teams cannot, and see NOT_FOUND across teams", async () => {
    const { link } = await t.shares.create(owner, workspaceId, { target: { kind: "MODEL", ids: [modelId] } });
    expect(
      await code(t.shares.create(viewer, workspaceId, { target: { kind: "MODEL", ids: [modelId] } })),
    ).toBe("FORBIDDEN");
    expect(await code(t.shares.list(viewer, workspaceId))).toBe("FORBIDDEN");
    expect(await code(t.shares.revoke(viewer, link.id))).toBe("FORBIDDEN");
    expect(
      await code(t.shares.create(outsider, workspaceId, { target: { kind: "MODEL", ids: [modelId] } })),
    ).toBe("NOT_FOUND");
    expect(await code(t.shares.list(outsider, workspaceId))).toBe("NOT_FOUND");
    expect(await code(t.shares.revoke(outsider, link.id))).toBe("NOT_FOUND");
    expect(await code(t.shares.revoke(owner, "no-such-link"))).toBe("NOT_FOUND");
    expect(
      await code(t.shares.create(null, workspaceId, { target: { kind: "MODEL", ids: [modelId] } })),
    ).toBe("UNAUTHENTICATED");
    expect(await t.shares.list(outsider, otherWorkspaceId)).toEqual([]);
    expect((await t.shares.list(editor, workspaceId, "RUN")).every((l) => l.targetKind === "RUN")).toBe(true);
  });
});
