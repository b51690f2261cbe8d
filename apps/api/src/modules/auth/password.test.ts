import { describe, expect, it } from "vitest";

import { isApiError } from "../../errors.js";
import {
  DEFAULT_SCRYPT,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  verifyNothing,
  verifyPassword,
} from "./password.js";

describe("password hashing", () => {
  it("stores a versioned scrypt string with N = 2^15 that does not contain the password", async () => {
    const encoded = await hashPassword("correct horse battery staple");
    expect(encoded).toMatch(/^scrypt\$v1\$N=32768,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(encoded).not.toContain("correct");
    expect(DEFAULT_SCRYPT.N).toBeGreaterThanOrEqual(2 ** 15);
  });

  it("accepts the right password and rejects a wrong one", async () => {
    const encoded = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", encoded)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", encoded)).toBe(false);
    expect(await verifyPassword("", encoded)).toBe(false);
  });

  it("gives equal passwords different hashes (a random salt each)", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).not.toEqual(b);
    expect(await verifyPassword("same password", a)).toBe(true);
    expect(await verifyPassword("same password", b)).toBe(true);
  });

  it("treats the Unicode forms of one password as the same password (NFKC)", async () => {
    const encoded = await hashPassword("caf\u00e9 au lait");
    expect(await verifyPassword("cafe\u0301 au lait", encoded)).toBe(true);
  });

  it("verifies hashes made with other parameters, and says when to rehash them", async () => {
    const weak = await hashPassword("an older password", { N: 2 ** 10, r: 8, p: 1 });
    expect(await verifyPassword("an older password", weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword("a current password"))).toBe(false);
  });

  it("refuses a stored hash in an unknown format without echoing it", async () => {
    await expect(verifyPassword("x", "md5$abcdef")).rejects.toThrow(/not in the scrypt\$v1\$… format/);
    await expect(verifyPassword("x", "md5$abcdef")).rejects.not.toThrow(/abcdef/);
  });

  it("spends a verification's time on an unknown account and answers false", async () => {
    expect(await verifyNothing("whatever")).toBe(false);
  });

  it("asks for at least 8 and at most 1024 characters", () => {
    expect(() => checkPasswordPolicy("short")).toThrow(/at least 8 characters, got 5/);
    expect(() => checkPasswordPolicy("x".repeat(1025))).toThrow(/at most 1024 characters/);
    try {
      checkPasswordPolicy("short", "newPassword");
    } catch (error) {
      expect(isApiError(error, "INVALID_ARGUMENT")).toBe(true);
      expect((error as { extensions: Record<string, unknown> }).extensions.argument).toBe("newPassword");
    }
    expect(() => checkPasswordPolicy("long enough")).not.toThrow();
  });
});
