import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { UploadStore, safeRelativePath } from "./upload.store.js";

describe("safeRelativePath", () => {
  it("keeps folders inside the upload and normalises backslashes", () => {
    expect(safeRelativePath("model.json")).toBe("model.json");
    expect(safeRelativePath("train/cat/1.png")).toBe("train/cat/1.png");
    expect(safeRelativePath("train\\dog\\2.png")).toBe("train/dog/2.png");
  });

  it("refuses names that leave the folder or are empty", () => {
    for (const name of ["", "../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a\0b"]) {
      expect(() => safeRelativePath(name), name).toThrow(/not a relative path inside the upload/);
    }
  });
});

describe("UploadStore", () => {
  it("moves a finished upload's files to their owner once, and refuses an unknown or used id", async () => {
    const store = new UploadStore(mkdtempSync(path.join(tmpdir(), "carve-uploads-")));
    const { id, filesDir } = await store.begin();
    writeFileSync(path.join(filesDir, "a.bin"), "abc");
    const by = { argument: "uploadId", userId: "u1" };
    await expect(store.get(id, "uploadId", "u1")).rejects.toMatchObject({ code: "NOT_FOUND" }); // not finished
    await store.complete(id, [{ name: "a.bin", bytes: 3 }], "u1");
    // Someone else cannot register it, and trying does not use it up.
    await expect(store.claim(id, "datasets", "d0", { ...by, userId: "u2" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const owned = await store.claim(id, "datasets", "d1", by);
    expect(readdirSync(owned)).toEqual(["a.bin"]);
    expect(store.owns(owned)).toBe(true);
    await expect(store.claim(id, "datasets", "d2", by)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(store.get("../../etc", "uploadId", "u1")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await store.removeOwned(owned);
    expect(existsSync(owned)).toBe(false);
  });

  it("sweeps uploads nobody registered within a day, and unfinished ones after an hour", async () => {
    const store = new UploadStore(mkdtempSync(path.join(tmpdir(), "carve-uploads-")));
    const fresh = await store.begin();
    await store.complete(fresh.id, [], "u1");
    const old = await store.begin();
    await store.complete(old.id, [], "u1");
    const stale = await store.begin(); // never completed
    const now = Date.now();
    const hoursAgo = (h: number) => new Date(now - h * 3600_000);
    utimesSync(path.join(store.uploadsDir, old.id), hoursAgo(25), hoursAgo(25));
    utimesSync(path.join(store.uploadsDir, stale.id), hoursAgo(2), hoursAgo(2));
    expect(await store.sweep(now)).toBe(2);
    expect(readdirSync(store.uploadsDir)).toEqual([fresh.id]);
  });
});
