/** The cookie that holds a share link's token in a reader's browser (set by /s/[token], HttpOnly). */
export const SHARE_COOKIE = "carve_share";

/** The header the API reads a share link's token from. */
export const SHARE_HEADER = "x-carve-share";

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(cookieHeader: string | null | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value) || undefined;
      } catch {
        return value || undefined;
      }
    }
  }
  return undefined;
}

/**
 * The reader's credentials, passed on so the API answers as it would answer them: the session cookie or a
 * bearer token, and a share link's token (from the `carve_share` cookie) as `X-Carve-Share`.
 */
export function forwardedAuth(request: {
  headers: { get(name: string): string | null };
}): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of ["cookie", "authorization"]) {
    const value = request.headers.get(name);
    if (value) forwarded[name] = value;
  }
  const share = cookieValue(request.headers.get("cookie"), SHARE_COOKIE);
  if (share) forwarded[SHARE_HEADER] = share;
  return forwarded;
}
