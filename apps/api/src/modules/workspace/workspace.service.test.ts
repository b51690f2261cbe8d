import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import type { Identity } from "../auth/identity.js";
import { PASSWORD, type TeamsFixture, openTeams } from "../auth/test-utils/teams.js";
import { type Role, hasRole } from "./roles.js";

const DAY = 24 * 60 * 60 * 1000;

async function failure(
  promise: Promise<unknown>,
): Promise<{ code?: string; reason?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { message: string; extensions?: { code?: string; reason?: string } };
    return { code: e.extensions?.code, reason: e.extensions?.reason, message: e.message };
  }
  throw new Error("expected a failure");
}

describe("roles", () => {
  it("rank OWNER over EDITOR over VIEWER", () => {
    const roles: Role[] = ["VIEWER", "EDITOR", "OWNER"];
    const table = roles.map((r) => roles.map((m) => hasRole(r, m)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });
});

describe.each(DIALECTS)("workspaces and members on %s", (dialect) => {
  let t: TeamsFixture;
  let owner: Identity;
  let editor: Identity;
  let viewer: Identity;
  let outsider: Identity;
  let workspaceId: string;
  let otherWorkspaceId: string;

  /** Invites `identity` into the workspace with a role, through a link as a user would. */
  async function join(identity: Identity, role: Role, into = workspaceId, by = owner) {
    const { token } = await t.workspaces.createInvite(by, into, { role });
    return t.workspaces.acceptInvite(identity, token);
  }

  beforeAll(async () => {
    t = await openTeams(dialect, "workspace");
    owner = await t.signUp("owner@example.org");
    editor = await t.signUp("editor@example.org");
    viewer = await t.signUp("viewer@example.org");
    outsider = await t.signUp("outsider@example.org");
    workspaceId = (await t.workspaces.create(owner, "Vision lab")).id;
    otherWorkspaceId = (await t.workspaces.create(outsider, "Other team")).id;
    await join(editor, "EDITOR");
    await join(viewer, "VIEWER");
  });
  afterAll(async () => t?.close());

  it("makes the creator the owner and lists each user's own workspaces only", async () => {
    expect((await t.workspaces.list(owner)).map((w) => [w.name, w.role])).toEqual([["Vision lab", "OWNER"]]);
    expect((await t.workspaces.list(viewer)).map((w) => [w.name, w.role])).toEqual([
      ["Vision lab", "VIEWER"],
    ]);
    expect((await t.workspaces.list(outsider)).map((w) => w.name)).toEqual(["Other team"]);
    expect((await t.workspaces.members(viewer, workspaceId)).map((m) => [m.email, m.role])).toEqual([
      ["owner@example.org", "OWNER"],
      ["editor@example.org", "EDITOR"],
      ["viewer@example.org", "VIEWER"],
    ]);
    expect(await failure(t.workspaces.list(null))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("answers NOT_FOUND for another team's workspace, the same as for one that does not exist", async () => {
    const foreign = await failure(t.workspaces.get(owner, otherWorkspaceId));
    const missing = await failure(t.workspaces.get(owner, "no-such-workspace"));
    expect(foreign.code).toBe("NOT_FOUND");
    expect(missing.code).toBe("NOT_FOUND");
    expect(foreign.message.replace(otherWorkspaceId, "ID")).toBe(
      missing.message.replace("no-such-workspace", "ID"),
    );
    for (const attempt of [
      () => t.workspaces.members(owner, otherWorkspaceId),
      () => t.workspaces.rename(owner, otherWorkspaceId, "mine now"),
      () => t.workspaces.createInvite(owner, otherWorkspaceId, { role: "OWNER" }),
      () => t.workspaces.invites(owner, otherWorkspaceId),
      () => t.workspaces.changeRole(owner, otherWorkspaceId, outsider.userId, "VIEWER"),
      () => t.workspaces.removeMember(owner, otherWorkspaceId, outsider.userId),
      () => t.workspaces.requireRole(owner, otherWorkspaceId, "VIEWER"),
    ]) {
      expect(await failure(attempt())).toMatchObject({ code: "NOT_FOUND" });
    }
    expect((await t.workspaces.get(outsider, otherWorkspaceId)).name).toBe("Other team");
  });

  it("checks each role against each operation: owners manage, members read, FORBIDDEN names the role", async () => {
    const operations: Array<[string, Role, (who: Identity) => Promise<unknown>]> = [
      ["get", "VIEWER", (who) => t.workspaces.get(who, workspaceId)],
      ["members", "VIEWER", (who) => t.workspaces.members(who, workspaceId)],
      ["rename", "OWNER", (who) => t.workspaces.rename(who, workspaceId, "Vision lab")],
      ["createInvite", "OWNER", (who) => t.workspaces.createInvite(who, workspaceId, { role: "VIEWER" })],
      ["invites", "OWNER", (who) => t.workspaces.invites(who, workspaceId)],
      ["changeRole", "OWNER", (who) => t.workspaces.changeRole(who, workspaceId, viewer.userId, "VIEWER")],
    ];
    const members: Array<[Identity, Role]> = [
      [owner, "OWNER"],
      [editor, "EDITOR"],
      [viewer, "VIEWER"],
    ];
    for (const [name, minimum, run] of operations) {
      for (const [who, role] of members) {
        if (hasRole(role, minimum)) {
          await expect(run(who), `${role} ${name}`).resolves.toBeDefined();
        } else {
          const refused = await failure(run(who));
          expect(refused.code, `${role} ${name}`).toBe("FORBIDDEN");
          expect(refused.message).toContain(`your role in this workspace is ${role}; this needs ${minimum}`);
        }
      }
      expect((await failure(run(outsider))).code, `outsider ${name}`).toBe("NOT_FOUND");
    }
  });

  it("renames a workspace with a checked name", async () => {
    expect((await t.workspaces.rename(owner, workspaceId, "  Vision lab 2 ")).name).toBe("Vision lab 2");
    expect(await failure(t.workspaces.rename(owner, workspaceId, "   "))).toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await t.workspaces.rename(owner, workspaceId, "Vision lab");
  });

  it("uses an invite once; a revoked, expired or already used invite cannot be accepted", async () => {
    const first = await t.signUp("first@example.org");
    const second = await t.signUp("second@example.org");
    const { token, invite } = await t.workspaces.createInvite(owner, workspaceId, { role: "EDITOR" });
    expect(token).toMatch(/^carve_inv_/);
    expect(invite).not.toHaveProperty("tokenHash");
    expect(await t.workspaces.previewInvite(token)).toMatchObject({
      workspaceName: "Vision lab",
      role: "EDITOR",
    });
    expect(await t.workspaces.acceptInvite(first, token)).toMatchObject({ workspaceId, role: "EDITOR" });
    expect(await failure(t.workspaces.acceptInvite(second, token))).toMatchObject({ code: "NOT_FOUND" });
    const used = (await t.workspaces.invites(owner, workspaceId)).find((i) => i.id === invite.id);
    expect(used).toMatchObject({ usedBy: first.userId, usedAt: t.auth.now() });

    const revoked = await t.workspaces.createInvite(owner, workspaceId, { role: "VIEWER" });
    expect(await failure(t.workspaces.revokeInvite(editor, revoked.invite.id))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await failure(t.workspaces.revokeInvite(outsider, revoked.invite.id))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await t.workspaces.revokeInvite(owner, revoked.invite.id)).revokedAt).toBe(t.auth.now());
    expect(await failure(t.workspaces.acceptInvite(second, revoked.token))).toMatchObject({
      code: "NOT_FOUND",
    });

    const expiring = await t.workspaces.createInvite(owner, workspaceId, {
      role: "VIEWER",
      expiresInDays: 1,
    });
    t.advance(DAY);
    expect(await failure(t.workspaces.previewInvite(expiring.token))).toMatchObject({ code: "NOT_FOUND" });
    expect(await failure(t.workspaces.acceptInvite(second, expiring.token))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await failure(t.workspaces.previewInvite("carve_inv_made-up"))).toMatchObject({
      code: "NOT_FOUND",
    });

    // A member accepting again is told so, and the invite stays open for someone else.
    const again = await t.workspaces.createInvite(owner, workspaceId, { role: "OWNER" });
    expect(await failure(t.workspaces.acceptInvite(first, again.token))).toMatchObject({
      code: "CONFLICT",
      reason: "ALREADY_MEMBER",
    });
    expect(await t.workspaces.acceptInvite(second, again.token)).toMatchObject({ role: "OWNER" });
    await t.workspaces.removeMember(owner, workspaceId, first.userId);
    await t.workspaces.removeMember(owner, workspaceId, second.userId);
    expect(await failure(t.workspaces.createInvite(owner, workspaceId, { role: "ADMIN" }))).toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("lets only one of two people accepting one invite at the same moment in", async () => {
    const a = await t.signUp("racer-a@example.org");
    const b = await t.signUp("racer-b@example.org");
    const { token } = await t.workspaces.createInvite(owner, workspaceId, { role: "VIEWER" });
    const results = await Promise.allSettled([
      t.workspaces.acceptInvite(a, token),
      t.workspaces.acceptInvite(b, token),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const joined = (await t.workspaces.members(owner, workspaceId)).filter((m) =>
      [a.userId, b.userId].includes(m.userId),
    );
    expect(joined).toHaveLength(1);
    await t.workspaces.removeMember(owner, workspaceId, joined[0]!.userId);
  });

  it("signs up through an invite: account, membership and session together, or nothing", async () => {
    const { token } = await t.workspaces.createInvite(owner, workspaceId, { role: "VIEWER" });
    const { access, signedIn } = await t.workspaces.signUpWithInvite(token, {
      email: "newcomer@example.org",
      password: PASSWORD,
    });
    expect(access).toMatchObject({ workspaceId, role: "VIEWER" });
    expect(await t.auth.authenticate({ sessionToken: signedIn.sessionToken })).toMatchObject({
      email: "newcomer@example.org",
    });
    // The invite is used: a second sign-up creates no account.
    expect(
      await failure(t.workspaces.signUpWithInvite(token, { email: "late@example.org", password: PASSWORD })),
    ).toMatchObject({ code: "NOT_FOUND" });
    expect(await t.auth.repository.userByEmail("late@example.org")).toBeUndefined();
    // A taken e-mail rolls the whole sign-up back and leaves the invite open.
    const open = await t.workspaces.createInvite(owner, workspaceId, { role: "VIEWER" });
    expect(
      await failure(
        t.workspaces.signUpWithInvite(open.token, { email: "viewer@example.org", password: PASSWORD }),
      ),
    ).toMatchObject({ code: "CONFLICT" });
    expect(await t.workspaces.previewInvite(open.token)).toMatchObject({ role: "VIEWER" });
    await t.workspaces.removeMember(owner, workspaceId, signedIn.user.id);
  });

  it("never lets the last owner leave, be removed or be demoted", async () => {
    expect(await failure(t.workspaces.removeMember(owner, workspaceId, owner.userId))).toMatchObject({
      code: "CONFLICT",
      reason: "LAST_OWNER",
    });
    expect(await failure(t.workspaces.changeRole(owner, workspaceId, owner.userId, "EDITOR"))).toMatchObject({
      code: "CONFLICT",
      reason: "LAST_OWNER",
    });
    // With a second owner, the first may step down; then the second is the last.
    await t.workspaces.changeRole(owner, workspaceId, editor.userId, "OWNER");
    expect((await t.workspaces.changeRole(owner, workspaceId, owner.userId, "EDITOR")).role).toBe("EDITOR");
    expect(await failure(t.workspaces.removeMember(editor, workspaceId, editor.userId))).toMatchObject({
      reason: "LAST_OWNER",
    });
    // A demoted owner has lost the owner's rights.
    expect(await failure(t.workspaces.changeRole(owner, workspaceId, owner.userId, "OWNER"))).toMatchObject({
      code: "FORBIDDEN",
    });
    await t.workspaces.changeRole(editor, workspaceId, owner.userId, "OWNER");
    await t.workspaces.changeRole(owner, workspaceId, editor.userId, "EDITOR");
    expect((await t.workspaces.members(owner, workspaceId)).filter((m) => m.role === "OWNER")).toHaveLength(
      1,
    );
  });

  it("keeps an owner when two owners demote each other at the same moment", async () => {
    const second = await t.signUp("second-owner@example.org");
    await join(second, "OWNER");
    const results = await Promise.allSettled([
      t.workspaces.changeRole(owner, workspaceId, second.userId, "VIEWER"),
      t.workspaces.changeRole(second, workspaceId, owner.userId, "VIEWER"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const owners = (await t.workspaces.members(viewer, workspaceId)).filter((m) => m.role === "OWNER");
    expect(owners).toHaveLength(1);
    // Put things back: the original owner is the only owner, the second is gone.
    if (owners[0]!.userId !== owner.userId) {
      await t.workspaces.changeRole(second, workspaceId, owner.userId, "OWNER");
      await t.workspaces.changeRole(owner, workspaceId, second.userId, "VIEWER");
    }
    await t.workspaces.removeMember(owner, workspaceId, second.userId);
  });

  it("lets any member leave and owners remove members; others cannot remove anyone", async () => {
    const leaver = await t.signUp("leaver@example.org");
    await join(leaver, "VIEWER");
    expect(await failure(t.workspaces.removeMember(editor, workspaceId, viewer.userId))).toMatchObject({
      code: "FORBIDDEN",
    });
    await t.workspaces.removeMember(leaver, workspaceId, leaver.userId);
    expect(await failure(t.workspaces.get(leaver, workspaceId))).toMatchObject({ code: "NOT_FOUND" });
    const removed = await t.signUp("removed@example.org");
    await join(removed, "EDITOR");
    await t.workspaces.removeMember(owner, workspaceId, removed.userId);
    expect(await failure(t.workspaces.members(removed, workspaceId))).toMatchObject({ code: "NOT_FOUND" });
    expect(await failure(t.workspaces.removeMember(owner, workspaceId, removed.userId))).toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
