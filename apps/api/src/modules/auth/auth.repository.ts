/** SQL for accounts and their credentials: users, sessions, personal API tokens, one-time sign-in links. */
import type { Kysely, Selectable } from "kysely";

import type { ApiTokensTable, DB, SessionsTable, UsersTable } from "../../db/schema.js";

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
/** A token as lists show it: never its hash. */
export type ApiTokenRow = Omit<Selectable<ApiTokensTable>, "tokenHash">;

const API_TOKEN_COLUMNS = [
  "id",
  "userId",
  "name",
  "prefix",
  "createdAt",
  "expiresAt",
  "lastUsedAt",
  "revokedAt",
] as const;

export class AuthRepository {
  constructor(readonly db: Kysely<DB>) {}

  /** Inserts a user; undefined when the e-mail is taken (the unique index decides, so two racing sign-ups cannot both win). */
  async insertUser(user: UserRow, db: Kysely<DB> = this.db): Promise<UserRow | undefined> {
    return db
      .insertInto("users")
      .values(user)
      .onConflict((oc) => oc.column("email").doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  async userById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async userByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  }

  async countUsers(db: Kysely<DB> = this.db): Promise<number> {
    const row = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setPasswordHash(userId: string, passwordHash: string, now: string): Promise<void> {
    await this.db
      .updateTable("users")
      .set({ passwordHash, updatedAt: now })
      .where("id", "=", userId)
      .execute();
  }

  async insertSession(session: SessionRow): Promise<void> {
    await this.db.insertInto("sessions").values(session).execute();
  }

  /** The session and its user, if the token hash names a session that is neither revoked nor expired. */
  async liveSession(tokenHash: string, now: string) {
    return this.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.userId")
      .select([
        "sessions.id as sessionId",
        "sessions.lastUsedAt",
        "users.id as userId",
        "users.email",
        "users.displayName",
      ])
      .where("sessions.tokenHash", "=", tokenHash)
      .where("sessions.revokedAt", "is", null)
      .where("sessions.expiresAt", ">", now)
      .executeTakeFirst();
  }

  async touchSession(id: string, now: string): Promise<void> {
    await this.db.updateTable("sessions").set({ lastUsedAt: now }).where("id", "=", id).execute();
  }

  /** Revokes one session; false when it was already revoked or does not exist. */
  async revokeSession(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable("sessions")
      .set({ revokedAt: now })
      .where("id", "=", id)
      .where("revokedAt", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every live session of a user except `keep`; returns how many. */
  async revokeSessionsOf(userId: string, now: string, keep?: string): Promise<number> {
    let query = this.db
      .updateTable("sessions")
      .set({ revokedAt: now })
      .where("userId", "=", userId)
      .where("revokedAt", "is", null);
    if (keep !== undefined) query = query.where("id", "<>", keep);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async insertApiToken(token: Selectable<ApiTokensTable>): Promise<ApiTokenRow> {
    return this.db
      .insertInto("apiTokens")
      .values(token)
      .returning(API_TOKEN_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  /** The token and its user, if the hash names a token that is neither revoked nor expired. */
  async liveApiToken(tokenHash: string, now: string) {
    return this.db
      .selectFrom("apiTokens")
      .innerJoin("users", "users.id", "apiTokens.userId")
      .select([
        "apiTokens.id as tokenId",
        "apiTokens.lastUsedAt",
        "users.id as userId",
        "users.email",
        "users.displayName",
      ])
      .where("apiTokens.tokenHash", "=", tokenHash)
      .where("apiTokens.revokedAt", "is", null)
      .where((eb) => eb.or([eb("apiTokens.expiresAt", "is", null), eb("apiTokens.expiresAt", ">", now)]))
      .executeTakeFirst();
  }

  async touchApiToken(id: string, now: string): Promise<void> {
    await this.db.updateTable("apiTokens").set({ lastUsedAt: now }).where("id", "=", id).execute();
  }

  /** A user's tokens, newest first, revoked ones included (they show as revoked). */
  async apiTokensOf(userId: string): Promise<ApiTokenRow[]> {
    return this.db
      .selectFrom("apiTokens")
      .select(API_TOKEN_COLUMNS)
      .where("userId", "=", userId)
      .orderBy("createdAt", "desc")
      .orderBy("id")
      .execute();
  }

  /** Revokes a token of this user; undefined when the user has no such token. */
  async revokeApiToken(userId: string, id: string, now: string): Promise<ApiTokenRow | undefined> {
    await this.db
      .updateTable("apiTokens")
      .set({ revokedAt: now })
      .where("id", "=", id)
      .where("userId", "=", userId)
      .where("revokedAt", "is", null)
      .execute();
    return this.db
      .selectFrom("apiTokens")
      .select(API_TOKEN_COLUMNS)
      .where("id", "=", id)
      .where("userId", "=", userId)
      .executeTakeFirst();
  }

  async insertSignInLink(
    link: { id: string; userId: string; tokenHash: string; createdAt: string; expiresAt: string },
    db: Kysely<DB> = this.db,
  ): Promise<void> {
    await db
      .insertInto("signInLinks")
      .values({ ...link, usedAt: null, revokedAt: null })
      .execute();
  }

  /**
   * Uses up a sign-in link in one statement (so two clicks cannot both sign in) and returns its user's id;
   * undefined when the link is unknown, used, revoked or expired.
   */
  async consumeSignInLink(tokenHash: string, now: string): Promise<string | undefined> {
    const row = await this.db
      .updateTable("signInLinks")
      .set({ usedAt: now })
      .where("tokenHash", "=", tokenHash)
      .where("usedAt", "is", null)
      .where("revokedAt", "is", null)
      .where("expiresAt", ">", now)
      .returning("userId")
      .executeTakeFirst();
    return row?.userId;
  }

  /** Revokes a user's unused sign-in links (a new one replaces them). */
  async revokeSignInLinksOf(userId: string, now: string, db: Kysely<DB> = this.db): Promise<void> {
    await db
      .updateTable("signInLinks")
      .set({ revokedAt: now })
      .where("userId", "=", userId)
      .where("usedAt", "is", null)
      .where("revokedAt", "is", null)
      .execute();
  }

  /** Whether the user ever signed in (a session exists, live or not). */
  async hasEverSignedIn(userId: string, db: Kysely<DB> = this.db): Promise<boolean> {
    const row = await db.selectFrom("sessions").select("id").where("userId", "=", userId).executeTakeFirst();
    return row !== undefined;
  }
}
