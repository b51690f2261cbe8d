import { describe, expect, it } from "vitest";

import { isPublicPath, safeNext, signInHref } from "./sign-in-path";

describe("safeNext", () => {
  it("keeps a path on this site with its query", () => {
    expect(safeNext("/models/m1?tab=runs")).toBe("/models/m1?tab=runs");
  });
  it("sends other sites, protocol-relative and missing targets to the models", () => {
    for (const next of ["https://evil.example/", "//evil.example", "/\\evil.example", "", null, undefined])
      expect(safeNext(next)).toBe("/models");
  });
  it("does not send a reader back to a sign-in page, but back to an invite", () => {
    expect(safeNext("/sign-in/link?token=x")).toBe("/models");
    expect(safeNext("/sign-in")).toBe("/models");
    expect(safeNext("/invite?token=x")).toBe("/invite?token=x");
  });
});

describe("signInHref", () => {
  it("names the page to come back to", () => {
    expect(signInHref("/runs/r1")).toBe("/sign-in?next=%2Fruns%2Fr1");
    expect(signInHref("/models")).toBe("/sign-in");
  });
});

describe("isPublicPath", () => {
  it("tells the pages without an account from the others", () => {
    expect(isPublicPath("/sign-in")).toBe(true);
    expect(isPublicPath("/sign-in/link")).toBe(true);
    expect(isPublicPath("/s/carve_shr_x")).toBe(true);
    expect(isPublicPath("/invite")).toBe(true);
    expect(isPublicPath("/models")).toBe(false);
    expect(isPublicPath("/sign-inx")).toBe(false);
    expect(isPublicPath("/settings")).toBe(false);
  });
});
