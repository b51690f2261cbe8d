import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import { isAuthError } from "./auth.errors.js";
import { verifyPassword } from "./password.js";
import { PASSWORD, type TeamsFixture, openTeams } from "./test-utils/teams.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
}

describe.each(DIALECTS)("accounts and credentials on %s", (dialect) => {
  let t: TeamsFixture;
  beforeAll(async () => {
    t = await openTeams(dialect, "auth");
  });
  afterAll(async () => t?.close());

  it("stores no password in plain text, and e-mails once whatever their case", async () => {
    const user = await t.auth.createAccount({ email: "  Ann@Example.ORG ", password: PASSWORD });
    expect(user).toMatchObject({ email: "ann@example.org", displayName: "ann", hasPassword: true });
    const row = await t.store.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.passwordHash).toMatch(/^scrypt\$v1\$/);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, row.passwordHash!)).toBe(true);
    await expect(t.auth.createAccount({ email: "ANN@example.org", password: PASSWORD })).rejects.toThrow(
      /an account with the e-mail ann@example.org exists/,
    );
    expect(await code(t.auth.createAccount({ email: "ann@example.org", password: PASSWORD }))).toBe(
      "CONFLICT",
    );
    expect(await code(t.auth.createAccount({ email: "not an e-mail", password: PASSWORD }))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await code(t.auth.createAccount({ email: "short@example.org", password: "short" }))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("signs in with the right password into a session stored only as a hash, and rejects a wrong one", async () => {
    const signedIn = await t.auth.signIn({ email: "ANN@example.org", password: PASSWORD });
    expect(signedIn.sessionToken).toMatch(/^carve_ses_/);
    const sessions = await t.store.db.selectFrom("sessions").selectAll().execute();
    expect(JSON.stringify(sessions)).not.toContain(signedIn.sessionToken);
    expect(sessions.find((s) => s.id === signedIn.sessionId)?.tokenHash).toBe(
      t.auth.hash(signedIn.sessionToken),
    );
    const identity = await t.auth.authenticate({ sessionToken: signedIn.sessionToken });
    expect(identity).toMatchObject({
      email: "ann@example.org",
      credential: { kind: "session", sessionId: signedIn.sessionId },
    });
    await expect(t.auth.signIn({ email: "ann@example.org", password: "wrong password" })).rejects.toThrow(
      /wrong e-mail or password/,
    );
    // An unknown e-mail gets the same answer.
    await expect(t.auth.signIn({ email: "nobody@example.org", password: PASSWORD })).rejects.toThrow(
      /wrong e-mail or password/,
    );
  });

  it("treats a request without credentials as anonymous and a bad one as UNAUTHENTICATED", async () => {
    expect(await t.auth.authenticate({})).toBeNull();
    expect(await code(t.auth.authenticate({ bearerToken: "carve_pat_" + "A".repeat(43) }))).toBe(
      "UNAUTHENTICATED",
    );
    expect(await code(t.auth.authenticate({ sessionToken: "carve_ses_" + "A".repeat(43) }))).toBe(
      "UNAUTHENTICATED",
    );
    expect(await code(t.auth.authenticate({ bearerToken: "hunter2" }))).toBe("UNAUTHENTICATED");
  });

  it("ends the session at sign-out, so the same cookie no longer works", async () => {
    const { sessionToken } = await t.auth.signIn({ email: "ann@example.org", password: PASSWORD });
    const identity = (await t.auth.authenticate({ sessionToken }))!;
    await t.auth.signOut(identity);
    await expect(t.auth.authenticate({ sessionToken })).rejects.toThrow(/the session ended or expired/);
  });

  it("expires a session after 30 days", async () => {
    const { sessionToken } = await t.auth.signIn({ email: "ann@example.org", password: PASSWORD });
    t.advance(30 * DAY - MINUTE);
    expect(await t.auth.authenticate({ sessionToken })).not.toBeNull();
    t.advance(MINUTE);
    expect(await code(t.auth.authenticate({ sessionToken }))).toBe("UNAUTHENTICATED");
  });

  it("rate-limits failed sign-ins per e-mail, even with the right password, then lets it through", async () => {
    await t.auth.createAccount({ email: "limited@example.org", password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      expect(
        await code(
          t.auth.signIn({ email: "limited@example.org", password: `wrong ${i}`, address: `10.1.0.${i}` }),
        ),
      ).toBe("UNAUTHENTICATED");
    }
    const refused = t.auth.signIn({ email: "limited@example.org", password: PASSWORD, address: "10.1.0.9" });
    await expect(refused).rejects.toSatisfy(
      (error) => isAuthError(error, "RATE_LIMITED") && error.extensions.retryAfterSeconds === 15 * 60,
    );
    t.advance(15 * 60 * 1000);
    expect((await t.auth.signIn({ email: "limited@example.org", password: PASSWORD })).sessionToken).toMatch(
      /^carve_ses_/,
    );
  });

  it("issues an API token once, stores only its hash, lists it without the secret, and records its use", async () => {
    const ann = await t.signUp("tokens@example.org");
    const { token, apiToken } = await t.auth.createApiToken(ann, { name: " notebook " });
    expect(token).toMatch(/^carve_pat_[A-Za-z0-9_-]{43}$/);
    expect(apiToken).toMatchObject({
      name: "notebook",
      prefix: token.slice(0, 18),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(apiToken).not.toHaveProperty("tokenHash");
    const stored = await t.store.db
      .selectFrom("apiTokens")
      .selectAll()
      .where("id", "=", apiToken.id)
      .executeTakeFirstOrThrow();
    expect(stored.tokenHash).toBe(t.auth.hash(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    t.advance(MINUTE);
    const viaToken = await t.auth.authenticate({ bearerToken: token });
    expect(viaToken).toMatchObject({
      userId: ann.userId,
      credential: { kind: "apiToken", tokenId: apiToken.id },
    });
    const [listed] = await t.auth.listApiTokens(ann);
    expect(listed).toMatchObject({ id: apiToken.id, lastUsedAt: t.auth.now() });
    expect(listed).not.toHaveProperty("tokenHash");

    // Within a minute the time is not rewritten on every request; after it, it is.
    const first = t.auth.now();
    t.advance(30_000);
    await t.auth.authenticate({ bearerToken: token });
    expect((await t.auth.listApiTokens(ann))[0]!.lastUsedAt).toBe(first);
    t.advance(30_000);
    await t.auth.authenticate({ bearerToken: token });
    expect((await t.auth.listApiTokens(ann))[0]!.lastUsedAt).toBe(t.auth.now());

    // An API token cannot mint another one (a leaked token must not outlive its revocation).
    expect(await code(t.auth.createApiToken(viaToken!, { name: "more" }))).toBe("FORBIDDEN");
  });

  it("rejects a revoked API token and an expired one; nobody else can revoke yours", async () => {
    const owner = await t.signUp("revoker@example.org");
    const other = await t.signUp("other@example.org");
    const revoked = await t.auth.createApiToken(owner, { name: "ci" });
    const expiring = await t.auth.createApiToken(owner, { name: "short", expiresInDays: 1 });
    expect(await code(t.auth.revokeApiToken(other, revoked.apiToken.id))).toBe("NOT_FOUND");
    expect(await t.auth.authenticate({ bearerToken: revoked.token })).not.toBeNull();
    const row = await t.auth.revokeApiToken(owner, revoked.apiToken.id);
    expect(row.revokedAt).toBe(t.auth.now());
    await expect(t.auth.authenticate({ bearerToken: revoked.token })).rejects.toThrow(
      /unknown, revoked or expired/,
    );
    expect(await t.auth.authenticate({ bearerToken: expiring.token })).not.toBeNull();
    t.advance(DAY);
    expect(await code(t.auth.authenticate({ bearerToken: expiring.token }))).toBe("UNAUTHENTICATED");
    expect(await code(t.auth.createApiToken(owner, { name: "" }))).toBe("INVALID_ARGUMENT");
    expect(await code(t.auth.createApiToken(owner, { name: "x", expiresInDays: 0 }))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("sets a password (the current one is needed to change it) and ends the user's other sessions", async () => {
    const here = await t.signUp("changer@example.org");
    const elsewhere = await t.auth.signIn({ email: "changer@example.org", password: PASSWORD });
    expect(await code(t.auth.setPassword(here, { newPassword: "a new password" }))).toBe("INVALID_ARGUMENT");
    await t.auth.setPassword(here, { currentPassword: PASSWORD, newPassword: "a new password" });
    expect(await code(t.auth.authenticate({ sessionToken: elsewhere.sessionToken }))).toBe("UNAUTHENTICATED");
    expect(await code(t.auth.signIn({ email: "changer@example.org", password: PASSWORD }))).toBe(
      "UNAUTHENTICATED",
    );
    expect(
      (await t.auth.signIn({ email: "changer@example.org", password: "a new password" })).user.email,
    ).toBe("changer@example.org");
  });

  it("signs in once with a one-time link; a used, replaced or expired link is refused", async () => {
    const user = await t.auth.createAccount({ email: "linked@example.org" });
    expect(user.hasPassword).toBe(false);
    // No password yet: password sign-in fails like a wrong password.
    expect(await code(t.auth.signIn({ email: "linked@example.org", password: PASSWORD }))).toBe(
      "UNAUTHENTICATED",
    );
    const replaced = await t.auth.createSignInLink(user.id);
    const link = await t.auth.createSignInLink(user.id);
    expect(await code(t.auth.signInWithLink(replaced))).toBe("UNAUTHENTICATED");
    const signedIn = await t.auth.signInWithLink(link);
    expect(signedIn.user.id).toBe(user.id);
    await expect(t.auth.signInWithLink(link)).rejects.toThrow(/unknown, used or expired/);
    // Two clicks at once: one session.
    const raced = await t.auth.createSignInLink(user.id);
    const clicks = await Promise.allSettled([t.auth.signInWithLink(raced), t.auth.signInWithLink(raced)]);
    expect(clicks.map((c) => c.status).sort()).toEqual(["fulfilled", "rejected"]);
    const expiring = await t.auth.createSignInLink(user.id, 1);
    t.advance(60 * MINUTE);
    expect(await code(t.auth.signInWithLink(expiring))).toBe("UNAUTHENTICATED");
    const stored = await t.store.db.selectFrom("signInLinks").select("tokenHash").execute();
    expect(stored.map((s) => s.tokenHash)).toContain(t.auth.hash(link));
    expect(JSON.stringify(stored)).not.toContain(link);
  });
});
