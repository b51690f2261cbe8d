/**
 * Uploaded files waiting to be registered. An upload is a folder `<data dir>/uploads/<id>/files/` plus
 * `upload.json` (written last, so a folder without it is an upload that never finished). Registering a model
 * or dataset moves the files to where the server keeps them (`<data dir>/models/<id>`, `…/datasets/<id>`);
 * if registration fails they are deleted, and uploads nobody registered are deleted after a day.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { ApiError } from "../../errors.js";

/** Uploads not registered within this time are deleted at the next start. */
const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadedFile {
  /** Path inside the upload, "/"-separated (e.g. "model.json", "train/cat/1.png"). */
  name: string;
  bytes: number;
}

export interface UploadInfo {
  id: string;
  files: UploadedFile[];
  bytes: number;
  createdAt: string;
  /** The user who uploaded it: only they can register it. */
  uploadedBy: string;
}

/** What registration does with an upload's files: the folder they now live in. */
export type OwnedFolder = "models" | "datasets";

/**
 * A safe relative path from a client's file name: "/"- or "\"-separated segments, none empty, "." or "..",
 * at most 8 deep. INVALID_ARGUMENT otherwise.
 */
export function safeRelativePath(name: string): string {
  const segments = name.split(/[/\\]/);
  const ok =
    name.length > 0 &&
    name.length <= 512 &&
    !name.includes("\0") &&
    segments.length <= 8 &&
    segments.every((s) => s.length > 0 && s !== "." && s !== "..");
  if (!ok) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `file name ${JSON.stringify(name)} is not a relative path inside the upload (no empty, "." or ".." ` +
        `segments, no leading "/", at most 8 folders deep)`,
      { argument: "file" },
    );
  }
  return segments.join("/");
}

export class UploadStore {
  readonly uploadsDir: string;

  constructor(readonly dataDir: string) {
    this.uploadsDir = path.join(path.resolve(dataDir), "uploads");
  }

  /** A new, empty upload folder; the caller writes files into `filesDir` and then calls `complete`. */
  async begin(): Promise<{ id: string; filesDir: string }> {
    const id = randomUUID();
    const filesDir = path.join(this.uploadsDir, id, "files");
    await mkdir(filesDir, { recursive: true });
    return { id, filesDir };
  }

  async complete(id: string, files: UploadedFile[], uploadedBy: string): Promise<UploadInfo> {
    const info: UploadInfo = {
      id,
      files,
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
      createdAt: new Date().toISOString(),
      uploadedBy,
    };
    await writeFile(path.join(this.uploadsDir, id, "upload.json"), JSON.stringify(info));
    return info;
  }

  /** Deletes an upload's folder (finished or not); nothing happens for an unknown id. */
  async discard(id: string): Promise<void> {
    if (!ID.test(id)) return;
    await rm(path.join(this.uploadsDir, id), { recursive: true, force: true });
  }

  /** The finished upload of this id, uploaded by `userId`; NOT_FOUND otherwise (someone else's too). */
  async get(id: string, argument: string, userId: string): Promise<UploadInfo> {
    const meta = ID.test(id) ? path.join(this.uploadsDir, id, "upload.json") : undefined;
    const info =
      meta && existsSync(meta)
        ? (JSON.parse(await readFile(meta, "utf8")) as Partial<UploadInfo>)
        : undefined;
    if (!info || info.uploadedBy !== userId) {
      throw new ApiError(
        "NOT_FOUND",
        `no upload with id "${id}": upload the files with POST /uploads (multipart/form-data) and pass the ` +
          `id it returns; an upload can be registered once, and unregistered ones are deleted after a day`,
        { argument },
      );
    }
    return info as UploadInfo;
  }

  /**
   * Moves an upload's files to `<data dir>/<folder>/<ownerId>` and deletes the upload; returns that folder.
   * The caller deletes it again (with {@link removeOwned}) if registration then fails.
   */
  async claim(
    id: string,
    folder: OwnedFolder,
    ownerId: string,
    by: { argument: string; userId: string },
  ): Promise<string> {
    await this.get(id, by.argument, by.userId);
    const target = this.ownedDir(folder, ownerId);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(this.uploadsDir, id, "files"), target);
    await this.discard(id);
    return target;
  }

  ownedDir(folder: OwnedFolder, ownerId: string): string {
    return path.join(path.resolve(this.dataDir), folder, ownerId);
  }

  /** Whether `location` is a folder the server owns (registered from an upload). */
  owns(location: string): boolean {
    const root = path.resolve(this.dataDir);
    return ["models", "datasets"].some((f) => location.startsWith(path.join(root, f) + path.sep));
  }

  async removeOwned(location: string): Promise<void> {
    if (this.owns(location)) await rm(location, { recursive: true, force: true });
  }

  /** Deletes uploads older than a day and folders of uploads that never finished (a crash mid-upload). */
  async sweep(now = Date.now()): Promise<number> {
    if (!existsSync(this.uploadsDir)) return 0;
    let removed = 0;
    for (const id of await readdir(this.uploadsDir)) {
      const dir = path.join(this.uploadsDir, id);
      const info = await stat(dir).catch(() => undefined);
      if (!info) continue;
      const finished = existsSync(path.join(dir, "upload.json"));
      // An unfinished folder younger than an hour may be an upload in progress right now.
      const limit = finished ? UPLOAD_TTL_MS : 60 * 60 * 1000;
      if (now - info.mtimeMs > limit) {
        await rm(dir, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}

/** The one folder of an upload that holds model.json (at its root or in one sub-folder). */
export async function findModelJson(dir: string): Promise<string> {
  if (existsSync(path.join(dir, "model.json"))) return dir;
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(path.join(dir, entry.name, "model.json"))) {
      found.push(path.join(dir, entry.name));
    }
  }
  if (found.length === 1) return found[0]!;
  throw new ApiError(
    "INVALID_MODEL",
    found.length === 0
      ? "the upload holds no model.json: upload a TF.js layers model (model.json and its weight files)"
      : `the upload holds ${found.length} model.json files; upload one model at a time`,
    { argument: "input.uploadId" },
  );
}
