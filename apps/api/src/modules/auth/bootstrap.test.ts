import { afterEach, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import { BOOTSTRAP_OWNER_SETTING, DEFAULT_WORKSPACE_SETTING, bootstrap } from "./bootstrap.js";
import { type TeamsFixture, openTeams } from "./test-utils/teams.js";

describe.each(DIALECTS)("first-start bootstrap on %s", (dialect) => {
  let t: TeamsFixture | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("creates the default workspace, its owner and a one-time sign-in link, once", async () => {
    t = await openTeams(dialect, "bootstrap");
    const first = await bootstrap(t.auth);
    if (first.state !== "created") throw new Error(`expected created, got ${first.state}`);
    expect(first.signInToken).toMatch(/^carve_sil_/);
    const members = await t.store.db.selectFrom("memberships").selectAll().execute();
    expect(members).toEqual([
      expect.objectContaining({ workspaceId: first.workspaceId, userId: first.ownerId, role: "OWNER" }),
    ]);
    const owner = await t.auth.repository.userById(first.ownerId);
    expect(owner).toMatchObject({ email: "owner@localhost", passwordHash: null });
    const settings = await t.store.db.selectFrom("settings").selectAll().execute();
    expect(settings).toEqual(
      expect.arrayContaining([
        { key: DEFAULT_WORKSPACE_SETTING, value: first.workspaceId },
        { key: BOOTSTRAP_OWNER_SETTING, value: first.ownerId },
      ]),
    );

    // A restart before the owner signed in prints a new link; the old one stops working.
    const pending = await bootstrap(t.auth);
    if (pending.state !== "pending") throw new Error(`expected pending, got ${pending.state}`);
    expect(pending.workspaceId).toBe(first.workspaceId);
    expect(pending.signInToken).not.toBe(first.signInToken);
    await expect(t.auth.signInWithLink(first.signInToken)).rejects.toThrow(/unknown, used or expired/);

    const session = await t.auth.signInWithLink(pending.signInToken);
    expect(session.user.id).toBe(first.ownerId);
    const identity = (await t.auth.authenticate({ sessionToken: session.sessionToken }))!;
    expect((await t.workspaces.list(identity)).map((w) => [w.id, w.role])).toEqual([
      [first.workspaceId, "OWNER"],
    ]);

    // Once the owner has signed in, later starts create and print nothing.
    expect(await bootstrap(t.auth)).toEqual({ state: "done", workspaceId: first.workspaceId });
    expect(await t.auth.repository.countUsers()).toBe(1);
    expect(await t.store.db.selectFrom("workspaces").select("id").execute()).toHaveLength(1);
  });

  it("creates one owner when several starts race on one database (pooled connections on Postgres)", async () => {
    t = await openTeams(dialect, "bootstrap-race");
    const results = await Promise.all([bootstrap(t.auth), bootstrap(t.auth), bootstrap(t.auth)]);
    expect(results.filter((r) => r.state === "created")).toHaveLength(1);
    expect(await t.auth.repository.countUsers()).toBe(1);
    expect(await t.store.db.selectFrom("workspaces").select("id").execute()).toHaveLength(1);
  });

  it("leaves a database that already has accounts alone", async () => {
    t = await openTeams(dialect, "bootstrap-existing");
    await t.auth.createAccount({ email: "first@example.org" });
    expect(await bootstrap(t.auth)).toEqual({ state: "done", workspaceId: null });
    expect(await t.store.db.selectFrom("workspaces").select("id").execute()).toHaveLength(0);
    expect(
      await t.store.db
        .selectFrom("settings")
        .selectAll()
        .where("key", "=", DEFAULT_WORKSPACE_SETTING)
        .execute(),
    ).toEqual([]);
  });
});
