import { describe, expect, it } from "vitest";

import { cookieValue, forwardedAuth } from "./forwarded-auth";

function request(headers: Record<string, string>) {
  return { headers: { get: (name: string) => headers[name] ?? null } };
}

describe("forwardedAuth", () => {
  it("passes the session cookie and a bearer token on", () => {
    expect(forwardedAuth(request({ cookie: "carve_session=abc", authorization: "Bearer t" }))).toEqual({
      cookie: "carve_session=abc",
      authorization: "Bearer t",
    });
  });
  it("sends a share link's cookie as X-Carve-Share", () => {
    expect(forwardedAuth(request({ cookie: "a=1; carve_share=carve_shr_xyz" }))).toEqual({
      cookie: "a=1; carve_share=carve_shr_xyz",
      "x-carve-share": "carve_shr_xyz",
    });
  });
  it("sends nothing for a reader without credentials", () => {
    expect(forwardedAuth(request({}))).toEqual({});
  });
});

describe("cookieValue", () => {
  it("finds a cookie by its exact name", () => {
    expect(cookieValue("xcarve_share=1; carve_share=2", "carve_share")).toBe("2");
    expect(cookieValue("carve_share=", "carve_share")).toBeUndefined();
    expect(cookieValue(undefined, "carve_share")).toBeUndefined();
  });
});
