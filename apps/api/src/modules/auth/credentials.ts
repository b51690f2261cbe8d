/**
 * Where a request's credentials travel, for HTTP and WebSocket alike: the dashboard's session in an HttpOnly,
 * SameSite=Lax cookie (scripts cannot read it; other sites' forms and fetches do not send it), programs'
 * personal API tokens in `Authorization: Bearer …`. A graphql-ws client passes the same header value as the
 * connection parameter `authorization`; a browser's WebSocket upgrade carries the cookie.
 */
import type { Credentials } from "./identity.js";

export const SESSION_COOKIE = "carve_session";

export interface CookieOptions {
  /** Adds `Secure` (the dashboard is served over HTTPS); off for http://localhost. */
  secure: boolean;
}

/** The `Set-Cookie` value that stores a new session until `expiresAt`. */
export function sessionCookie(token: string, expiresAt: string, options: CookieOptions): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAge}`,
    `Expires=${new Date(expiresAt).toUTCString()}`,
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

/** The `Set-Cookie` value that removes the session cookie (sign-out). */
export function clearedSessionCookie(options: CookieOptions): string {
  return [
    `${SESSION_COOKIE}=`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    "Max-Age=0",
    "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

/** One cookie's value from a `Cookie` header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` value (the scheme in any case), if that is what it is. */
export function readBearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The credentials of a request from its `Cookie` and `Authorization` headers (or a WebSocket's upgrade
 * request and connection parameters). An `Authorization` header that is present but not `Bearer <token>`
 * is passed on as given, so the caller is told it is not a Carve token rather than treated as anonymous.
 */
export function readCredentials(headers: {
  cookie?: string | undefined;
  authorization?: string | undefined;
}): Credentials {
  const authorization = headers.authorization?.trim();
  return {
    sessionToken: readCookie(headers.cookie, SESSION_COOKIE),
    bearerToken: authorization ? (readBearer(authorization) ?? authorization) : undefined,
  };
}
