import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import { TOKEN_KINDS, displayPrefix, generateToken, hashToken, looksLikeToken } from "./tokens.js";

describe("tokens", () => {
  it("are 256 random bits in base64url behind their kind's prefix, never twice the same", () => {
    const tokens = Array.from({ length: 1000 }, () => generateToken("apiToken"));
    for (const token of tokens) {
      expect(token).toMatch(/^carve_pat_[A-Za-z0-9_-]{43}$/);
      // 43 base64url characters hold 258 bits, of which the last 2 are padding: 32 bytes.
      expect(Buffer.from(token.slice("carve_pat_".length), "base64url")).toHaveLength(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("are stored as an HMAC-SHA256 under the pepper: a different pepper gives a different hash", () => {
    const token = generateToken("session");
    const pepper = randomBytes(32);
    const hash = hashToken(pepper, token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token.slice(10, 20));
    expect(hashToken(pepper, token)).toBe(hash);
    expect(hashToken(randomBytes(32), token)).not.toBe(hash);
  });

  it("show only their prefix and 8 characters in lists", () => {
    const token = generateToken("apiToken");
    expect(displayPrefix(token)).toBe(token.slice(0, "carve_pat_".length + 8));
  });

  it("are told apart by kind and shape before any lookup", () => {
    const session = generateToken("session");
    expect(looksLikeToken("session", session)).toBe(true);
    expect(looksLikeToken("apiToken", session)).toBe(false);
    expect(looksLikeToken("session", `${session}x`)).toBe(false);
    expect(looksLikeToken("session", "carve_ses_short")).toBe(false);
    expect(Object.values(TOKEN_KINDS).every((p) => /^carve_[a-z]{3}_$/.test(p))).toBe(true);
  });
});
