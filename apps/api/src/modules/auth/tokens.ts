/**
 * The secrets Carve hands out — session cookies, personal API tokens, invite links, one-time sign-in links,
 * share links — are 256 random bits in base64url behind a short kind prefix (`carve_pat_…`), so a leaked one is
 * recognisable (secret scanners, logs) and its kind is clear. The database stores only
 * HMAC-SHA256(pepper, token): a copy of the database alone lets no one sign in, and lookups by the stored hash
 * are exact matches on a value that reveals nothing about the token.
 */
import { createHmac, randomBytes } from "node:crypto";

export const TOKEN_KINDS = {
  session: "carve_ses_",
  apiToken: "carve_pat_",
  invite: "carve_inv_",
  signInLink: "carve_sil_",
  shareLink: "carve_shr_",
} as const;
export type TokenKind = keyof typeof TOKEN_KINDS;

const TOKEN_BYTES = 32;
/** The prefix plus this many characters of the random part are kept for display (about 48 bits: not enough to guess the rest). */
const DISPLAY_CHARACTERS = 8;

/** A new token of a kind: its prefix and 43 base64url characters (256 bits). */
export function generateToken(kind: TokenKind): string {
  return TOKEN_KINDS[kind] + randomBytes(TOKEN_BYTES).toString("base64url");
}

/** What the database keeps of a token: HMAC-SHA256 under the pepper, hex. */
export function hashToken(pepper: Buffer, token: string): string {
  return createHmac("sha256", pepper).update(token, "utf8").digest("hex");
}

/** The part of a token that lists may show, e.g. `carve_pat_Xy3k9QaB`. */
export function displayPrefix(token: string): string {
  const kind = Object.values(TOKEN_KINDS).find((p) => token.startsWith(p)) ?? "";
  return token.slice(0, kind.length + DISPLAY_CHARACTERS);
}

const SHAPE = /^carve_(ses|pat|inv|sil|shr)_[A-Za-z0-9_-]{43}$/;

/** Whether a string has the shape of a token of this kind (checked before any database lookup). */
export function looksLikeToken(kind: TokenKind, token: string): boolean {
  return token.startsWith(TOKEN_KINDS[kind]) && SHAPE.test(token);
}
