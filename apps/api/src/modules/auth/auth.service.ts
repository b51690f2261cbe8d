/**
 * Accounts and credentials: creating an account, signing in (password → session), signing in with a one-time
 * link, signing out (the session is revoked in the database, so a copied cookie stops working too), resolving
 * a request's session cookie or Bearer token to an {@link Identity}, and personal API tokens (shown once,
 * stored hashed, named, revocable, with the time they were last used).
 */
import { randomUUID } from "node:crypto";

import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";
import { ApiError } from "../../errors.js";
import { AuthError } from "./auth.errors.js";
import { type ApiTokenRow, AuthRepository, type UserRow } from "./auth.repository.js";
import type { Credentials, Identity } from "./identity.js";
import { checkPasswordPolicy, hashPassword, needsRehash, verifyNothing, verifyPassword } from "./password.js";
import { SignInRateLimiter } from "./rate-limit.js";
import type { ServerSecrets } from "./secrets.js";
import { type TokenKind, displayPrefix, generateToken, hashToken, looksLikeToken } from "./tokens.js";

const DAY = 24 * 60 * 60 * 1000;

export interface AuthServiceOptions {
  db: Kysely<DB>;
  secrets: ServerSecrets;
  rateLimiter?: SignInRateLimiter;
  /** How long a session lasts (default 30 days). */
  sessionDays?: number;
  /** last_used_at is written at most this often per credential (default 60 s): not one write per request. */
  touchIntervalSeconds?: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

/** A user as the API shows it (never the password hash). */
export interface User {
  id: string;
  email: string;
  displayName: string;
  hasPassword: boolean;
  createdAt: string;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    hasPassword: row.passwordHash !== null,
    createdAt: row.createdAt,
  };
}

export interface AccountInput {
  email: string;
  /** Omitted: the account has no password until it sets one (it signs in with a one-time link). */
  password?: string | undefined;
  /** Default: the part of the e-mail before the @. */
  displayName?: string | undefined;
}

/** An account checked and with its password hashed, ready to insert. */
export interface PreparedAccount {
  email: string;
  displayName: string;
  passwordHash: string | null;
}

/** A new session: the token goes into the cookie and is not kept anywhere else. */
export interface SignedIn {
  user: User;
  sessionId: string;
  sessionToken: string;
  expiresAt: string;
}

/** A new API token: `token` is shown to its owner this once. */
export interface CreatedApiToken {
  token: string;
  apiToken: ApiTokenRow;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 100;

/** An e-mail address as stored: trimmed and lower-cased, so `Ann@X.org` and `ann@x.org` are one account. */
export function normalizeEmail(email: string, argument = "email"): string {
  const normalized = email.trim().toLowerCase();
  if (!EMAIL.test(normalized) || normalized.length > MAX_EMAIL_LENGTH) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `${argument}: expected an e-mail address such as ann@example.org, got ${JSON.stringify(email.slice(0, 100))}`,
      { argument },
    );
  }
  return normalized;
}

/** A trimmed, non-empty name of at most 100 characters. */
export function checkName(name: string, argument: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `${argument}: expected 1 to ${MAX_NAME_LENGTH} characters, got ${trimmed.length}`,
      { argument },
    );
  }
  return trimmed;
}

export class AuthService {
  readonly repository: AuthRepository;
  private readonly db: Kysely<DB>;
  private readonly secrets: ServerSecrets;
  private readonly rateLimiter: SignInRateLimiter;
  private readonly sessionMs: number;
  private readonly touchMs: number;
  private readonly clock: () => Date;

  constructor(options: AuthServiceOptions) {
    this.db = options.db;
    this.repository = new AuthRepository(options.db);
    this.secrets = options.secrets;
    this.rateLimiter = options.rateLimiter ?? new SignInRateLimiter();
    this.sessionMs = (options.sessionDays ?? 30) * DAY;
    this.touchMs = (options.touchIntervalSeconds ?? 60) * 1000;
    this.clock = options.now ?? (() => new Date());
  }

  /** The current time as stored (ISO-8601 UTC). */
  now(): string {
    return this.clock().toISOString();
  }

  /** HMAC of a token under the server's pepper: what the database keeps. */
  hash(token: string): string {
    return hashToken(this.secrets.tokenPepper, token);
  }

  /** A new token of a kind and its stored hash. */
  newToken(kind: TokenKind): { token: string; tokenHash: string } {
    const token = generateToken(kind);
    return { token, tokenHash: this.hash(token) };
  }

  /**
   * Creates an account. `password` may be omitted for an account that signs in with a one-time link first
   * (the first start's owner). CONFLICT when the e-mail has an account.
   */
  async createAccount(input: AccountInput, db: Kysely<DB> = this.db): Promise<User> {
    return this.insertAccount(await this.prepareAccount(input), db);
  }

  /**
   * Checks an account's fields and hashes its password, touching no database: the slow hash then stays
   * outside any transaction the account is inserted in ({@link insertAccount}).
   */
  async prepareAccount(input: AccountInput): Promise<PreparedAccount> {
    const email = normalizeEmail(input.email);
    const displayName =
      input.displayName === undefined ? email.split("@")[0]! : checkName(input.displayName, "displayName");
    if (input.password !== undefined) checkPasswordPolicy(input.password);
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    return { email, displayName, passwordHash };
  }

  /** Inserts a prepared account; CONFLICT when the e-mail has one. */
  async insertAccount(account: PreparedAccount, db: Kysely<DB> = this.db): Promise<User> {
    const now = this.now();
    const row = await this.repository.insertUser(
      { id: randomUUID(), ...account, createdAt: now, updatedAt: now },
      db,
    );
    if (!row) {
      throw new ApiError("CONFLICT", `an account with the e-mail ${account.email} exists; sign in instead`, {
        argument: "email",
      });
    }
    return toUser(row);
  }

  /**
   * Password sign-in. Wrong e-mail and wrong password give the same UNAUTHENTICATED answer in about the same
   * time; failures count towards the rate limit per e-mail and per client `address`.
   */
  async signIn(input: { email: string; password: string; address?: string | undefined }): Promise<SignedIn> {
    const email = input.email.trim().toLowerCase();
    this.rateLimiter.check(email, input.address);
    const user = await this.repository.userByEmail(email);
    const ok = user?.passwordHash
      ? await verifyPassword(input.password, user.passwordHash)
      : await verifyNothing(input.password);
    if (!user || !ok) {
      this.rateLimiter.recordFailure(email, input.address);
      throw new AuthError("UNAUTHENTICATED", "wrong e-mail or password");
    }
    this.rateLimiter.recordSuccess(email);
    if (needsRehash(user.passwordHash!)) {
      await this.repository.setPasswordHash(user.id, await hashPassword(input.password), this.now());
    }
    return this.startSession(user);
  }

  /** Signs in with a one-time link token; it is used up, whether or not the session is then used. */
  async signInWithLink(token: string): Promise<SignedIn> {
    const userId = looksLikeToken("signInLink", token)
      ? await this.repository.consumeSignInLink(this.hash(token), this.now())
      : undefined;
    const user = userId === undefined ? undefined : await this.repository.userById(userId);
    if (!user) {
      throw new AuthError(
        "UNAUTHENTICATED",
        "this sign-in link is unknown, used or expired; restart the server for a new one, or ask an owner",
      );
    }
    return this.startSession(user);
  }

  /** A one-time sign-in link token for a user, valid for `hours`; earlier unused links of the user stop working. */
  async createSignInLink(userId: string, hours = 7 * 24, db: Kysely<DB> = this.db): Promise<string> {
    const { token, tokenHash } = this.newToken("signInLink");
    const now = this.clock();
    await this.repository.revokeSignInLinksOf(userId, now.toISOString(), db);
    await this.repository.insertSignInLink(
      {
        id: randomUUID(),
        userId,
        tokenHash,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + hours * 3600 * 1000).toISOString(),
      },
      db,
    );
    return token;
  }

  /** A new session for an existing user (after they proved who they are some other way, e.g. signing up). */
  async startSessionFor(userId: string): Promise<SignedIn> {
    const user = await this.repository.userById(userId);
    if (!user) throw new ApiError("NOT_FOUND", `no user with id "${userId}"`, { argument: "userId" });
    return this.startSession(user);
  }

  private async startSession(user: UserRow): Promise<SignedIn> {
    const { token, tokenHash } = this.newToken("session");
    const now = this.clock();
    const session = {
      id: randomUUID(),
      userId: user.id,
      tokenHash,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.sessionMs).toISOString(),
      lastUsedAt: now.toISOString(),
      revokedAt: null,
    };
    await this.repository.insertSession(session);
    return { user: toUser(user), sessionId: session.id, sessionToken: token, expiresAt: session.expiresAt };
  }

  /** Ends the session the identity signed in with (an API token is revoked with {@link revokeApiToken}). */
  async signOut(identity: Identity): Promise<void> {
    if (identity.credential.kind !== "session") {
      throw new AuthError(
        "FORBIDDEN",
        "signOut ends a dashboard session; this request used an API token — revoke it with revokeApiToken",
      );
    }
    await this.repository.revokeSession(identity.credential.sessionId, this.now());
  }

  /** Ends every session of the identity's user; returns how many were live. */
  async signOutEverywhere(identity: Identity): Promise<number> {
    return this.repository.revokeSessionsOf(identity.userId, this.now());
  }

  /**
   * The identity behind a request's credentials: null when it carries none; UNAUTHENTICATED when it carries
   * one that is unknown, revoked or expired (a client should hear that its token stopped working, not be
   * treated as anonymous). A Bearer token wins over the cookie. Updates the credential's last-used time.
   */
  async authenticate(credentials: Credentials): Promise<Identity | null> {
    const token = credentials.bearerToken ?? credentials.sessionToken;
    if (token === undefined || token === "") return null;
    const now = this.clock();
    const iso = now.toISOString();
    if (looksLikeToken("apiToken", token)) {
      const row = await this.repository.liveApiToken(this.hash(token), iso);
      if (row) {
        if (this.due(row.lastUsedAt, now)) await this.repository.touchApiToken(row.tokenId, iso);
        return { ...pick(row), credential: { kind: "apiToken", tokenId: row.tokenId } };
      }
      throw new AuthError(
        "UNAUTHENTICATED",
        "the API token is unknown, revoked or expired; create a new one in the dashboard (Settings → API tokens)",
      );
    }
    if (looksLikeToken("session", token)) {
      const row = await this.repository.liveSession(this.hash(token), iso);
      if (row) {
        if (this.due(row.lastUsedAt, now)) await this.repository.touchSession(row.sessionId, iso);
        return { ...pick(row), credential: { kind: "session", sessionId: row.sessionId } };
      }
      throw new AuthError("UNAUTHENTICATED", "the session ended or expired; sign in again");
    }
    throw new AuthError(
      "UNAUTHENTICATED",
      "the credential is not a Carve session or API token (API tokens start with carve_pat_)",
    );
  }

  /** Whether a credential last used at `lastUsedAt` is due for its last-used time to be written again. */
  due(lastUsedAt: string | null, now: Date = this.clock()): boolean {
    return lastUsedAt === null || now.getTime() - Date.parse(lastUsedAt) >= this.touchMs;
  }

  /** Sets the password; one that exists must be given as `currentPassword`. Other sessions are ended. */
  async setPassword(
    identity: Identity,
    input: { currentPassword?: string | undefined; newPassword: string },
  ): Promise<void> {
    checkPasswordPolicy(input.newPassword, "newPassword");
    const user = await this.repository.userById(identity.userId);
    if (!user) throw new AuthError("UNAUTHENTICATED", "the account no longer exists");
    if (user.passwordHash !== null) {
      const ok =
        input.currentPassword !== undefined &&
        (await verifyPassword(input.currentPassword, user.passwordHash));
      if (!ok) {
        throw new ApiError("INVALID_ARGUMENT", "currentPassword: wrong password", {
          argument: "currentPassword",
        });
      }
    }
    const now = this.now();
    await this.repository.setPasswordHash(user.id, await hashPassword(input.newPassword), now);
    const keep = identity.credential.kind === "session" ? identity.credential.sessionId : undefined;
    await this.repository.revokeSessionsOf(user.id, now, keep);
  }

  /**
   * A new personal API token, optionally expiring after `expiresInDays`. Only from a signed-in session: an
   * API token that leaked must not be able to mint others that outlive its revocation.
   */
  async createApiToken(
    identity: Identity,
    input: { name: string; expiresInDays?: number | undefined },
  ): Promise<CreatedApiToken> {
    if (identity.credential.kind !== "session") {
      throw new AuthError(
        "FORBIDDEN",
        "API tokens are created from a signed-in dashboard session, not with another API token",
      );
    }
    const name = checkName(input.name, "name");
    const days = input.expiresInDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `expiresInDays: expected a whole number from 1 to 3650, got ${days}; leave it out for no expiry`,
        { argument: "expiresInDays" },
      );
    }
    const { token, tokenHash } = this.newToken("apiToken");
    const now = this.clock();
    const apiToken = await this.repository.insertApiToken({
      id: randomUUID(),
      userId: identity.userId,
      name,
      tokenHash,
      prefix: displayPrefix(token),
      createdAt: now.toISOString(),
      expiresAt: days === undefined ? null : new Date(now.getTime() + days * DAY).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { token, apiToken };
  }

  /** The identity's own API tokens, newest first. */
  async listApiTokens(identity: Identity): Promise<ApiTokenRow[]> {
    return this.repository.apiTokensOf(identity.userId);
  }

  /** Revokes one of the identity's tokens (again is a no-op); NOT_FOUND for a token of someone else. */
  async revokeApiToken(identity: Identity, id: string): Promise<ApiTokenRow> {
    const row = await this.repository.revokeApiToken(identity.userId, id, this.now());
    if (!row) throw new ApiError("NOT_FOUND", `no API token with id "${id}"`, { argument: "id" });
    return row;
  }
}

function pick(row: { userId: string; email: string; displayName: string }) {
  return { userId: row.userId, email: row.email, displayName: row.displayName };
}
