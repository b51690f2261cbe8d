import { describe, expect, it } from "vitest";

import {
  SESSION_COOKIE,
  clearedSessionCookie,
  readBearer,
  readCookie,
  readCredentials,
  sessionCookie,
} from "./credentials.js";

describe("credentials in headers", () => {
  it("sets the session in an HttpOnly, SameSite cookie that expires with the session", () => {
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const cookie = sessionCookie("carve_ses_abc", expiresAt, { secure: false });
    expect(cookie).toMatch(
      /^carve_session=carve_ses_abc; Path=\/; HttpOnly; SameSite=Lax; Max-Age=(3599|3600); /,
    );
    expect(cookie).toContain(`Expires=${new Date(expiresAt).toUTCString()}`);
    expect(cookie).not.toContain("Secure");
    expect(sessionCookie("t", expiresAt, { secure: true })).toMatch(/; Secure$/);
    expect(clearedSessionCookie({ secure: false })).toMatch(
      /^carve_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0;/,
    );
  });

  it("reads the session cookie among others and a Bearer token in any case", () => {
    expect(readCookie("theme=dark; carve_session=carve_ses_x ; other=1", SESSION_COOKIE)).toBe("carve_ses_x");
    expect(readCookie("theme=dark", SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
    expect(readBearer("Bearer carve_pat_x")).toBe("carve_pat_x");
    expect(readBearer("bearer   carve_pat_x ")).toBe("carve_pat_x");
    expect(readBearer("Basic dXNlcjpwYXNz")).toBeUndefined();
  });

  it("passes on an Authorization header that is not a Bearer token, so it is refused rather than ignored", () => {
    expect(readCredentials({ cookie: "carve_session=s", authorization: "Bearer p" })).toEqual({
      sessionToken: "s",
      bearerToken: "p",
    });
    expect(readCredentials({ authorization: "Basic dXNlcjpwYXNz" })).toEqual({
      sessionToken: undefined,
      bearerToken: "Basic dXNlcjpwYXNz",
    });
    expect(readCredentials({})).toEqual({ sessionToken: undefined, bearerToken: undefined });
  });
});
