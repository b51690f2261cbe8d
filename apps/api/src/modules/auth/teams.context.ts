/**
 * The part of the request context that knows who is asking, for HTTP requests and WebSocket operations alike.
 * The identity is resolved lazily and once per request: a request that never asks does not touch the
 * database, and a bad credential becomes a GraphQL error (UNAUTHENTICATED) in the field that needed it rather
 * than a failed request.
 */
import { readCredentials } from "./credentials.js";
import type { Identity } from "./identity.js";
import type { Teams } from "./teams.js";

export interface TeamsContext {
  teams: Teams;
  /** Who is asking; null for a request without credentials; rejects with UNAUTHENTICATED for a bad one. */
  identity(): Promise<Identity | null>;
  /** The client's address, for the sign-in rate limit. */
  clientAddress: string | undefined;
  /** Adds a `Set-Cookie` header to the HTTP response; undefined over WebSocket (no response to set it on). */
  setCookie: ((value: string) => void) | undefined;
  /** Whether cookies get `Secure` (CARVE_SECURE_COOKIES, or the request came over HTTPS). */
  secureCookies: boolean;
}

export interface TeamsRequest {
  headers: { cookie?: string | undefined; authorization?: string | undefined };
  /** A share link's token (`X-Carve-Share` header, or the `share` connection parameter over WebSocket). */
  shareToken?: string | undefined;
  /** The client's address (Express's `req.ip`). */
  ip?: string | undefined;
}

export function createTeamsContext(
  teams: Teams,
  request: TeamsRequest,
  options: { setCookie?: (value: string) => void; secureCookies?: boolean } = {},
): TeamsContext {
  const credentials = readCredentials(request.headers);
  let identity: Promise<Identity | null> | undefined;
  return {
    teams,
    identity: () => (identity ??= teams.auth.authenticate(credentials)),
    clientAddress: request.ip,
    setCookie: options.setCookie,
    secureCookies: options.secureCookies ?? false,
  };
}
