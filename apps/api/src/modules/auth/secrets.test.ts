import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";

import { describe, expect, it } from "vitest";

import { SECRETS_FILE, loadSecrets } from "./secrets.js";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "carve-secrets-"));

describe("server secrets", () => {
  it("generates a key into <data dir>/secrets.json, readable by its owner only, once", () => {
    const dir = path.join(dataDir(), "nested");
    const first = loadSecrets({ dataDir: dir });
    const file = path.join(dir, SECRETS_FILE);
    expect(first.source).toBe("file");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, "utf8")) as { version: number; secretKey: string };
    expect(stored.version).toBe(1);
    expect(Buffer.from(stored.secretKey, "base64url")).toHaveLength(32);
    const again = loadSecrets({ dataDir: dir });
    expect(again.tokenPepper.equals(first.tokenPepper)).toBe(true);
    expect(readFileSync(file, "utf8")).toContain(stored.secretKey);
  });

  it("takes CARVE_SECRET_KEY instead, and the same key gives the same pepper", () => {
    const key = "k".repeat(40);
    const dir = dataDir();
    const a = loadSecrets({ dataDir: dir, secretKey: key });
    const b = loadSecrets({ dataDir: dataDir(), secretKey: key });
    expect(a.source).toBe("environment");
    expect(a.tokenPepper.equals(b.tokenPepper)).toBe(true);
    expect(a.tokenPepper.equals(loadSecrets({ dataDir: dir, secretKey: "z".repeat(40) }).tokenPepper)).toBe(
      false,
    );
    // The pepper is derived, not the key itself.
    expect(a.tokenPepper.toString("utf8")).not.toContain("kkkk");
  });

  it("refuses a CARVE_SECRET_KEY shorter than 32 characters, saying how to make one", () => {
    expect(() => loadSecrets({ dataDir: dataDir(), secretKey: "short" })).toThrow(
      /CARVE_SECRET_KEY: expected at least 32 characters, got 5; generate one with `openssl rand -base64 32`/,
    );
  });

  it("refuses a secrets file that others may read, naming the fix", () => {
    const dir = dataDir();
    loadSecrets({ dataDir: dir });
    const file = path.join(dir, SECRETS_FILE);
    chmodSync(file, 0o644);
    expect(() => loadSecrets({ dataDir: dir })).toThrow(/may be read by other users \(mode 644\).*chmod 600/);
  });

  it("refuses a damaged secrets file instead of silently replacing it", () => {
    const dir = dataDir();
    writeFileSync(path.join(dir, SECRETS_FILE), "{not json", { mode: 0o600 });
    expect(() => loadSecrets({ dataDir: dir })).toThrow(/not valid JSON/);
    writeFileSync(path.join(dir, SECRETS_FILE), '{"version":1,"secretKey":"abc"}', { mode: 0o600 });
    expect(() => loadSecrets({ dataDir: dir })).toThrow(/version 1 secret key of 32 bytes/);
  });

  it("never shows the key or the pepper when logged or serialised", () => {
    const key = "s3cr3t-".repeat(6);
    const secrets = loadSecrets({ dataDir: dataDir(), secretKey: key });
    const shown = [inspect(secrets), JSON.stringify(secrets), String(secrets), inspect({ secrets })];
    for (const text of shown) {
      expect(text).not.toContain("s3cr3t");
      expect(text).not.toContain(secrets.tokenPepper.toString("hex"));
      expect(text).not.toContain(secrets.tokenPepper.toString("base64"));
    }
    expect(inspect(secrets)).toBe("[ServerSecrets from environment]");
  });
});
