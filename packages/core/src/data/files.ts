/**
 * File access shared by the loaders: async reads, gzip detected by content, and file-system errors turned
 * into CarveErrors that name the path (a bare ENOENT from deep inside a loader tells the user nothing).
 */
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

import { CarveError } from "../errors.js";

const gunzipAsync = promisify(gunzip);

/** The first bytes of `bytes` as hex ("1f 8b 08 00"), for error messages about file contents. */
export function hexPrefix(bytes: Uint8Array, count = 4): string {
  const shown = Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length === 0 ? "(empty file)" : shown;
}

/** True when `bytes` start with the gzip magic number 1f 8b (RFC 1952), whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function fileSystemError(error: unknown, path: string, what: string): CarveError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new CarveError("NOT_FOUND", `${what} not found: ${path}`, { cause: error });
  if (code === "EISDIR") {
    return new CarveError("INVALID_ARGUMENT", `${path} is a directory, expected a ${what}`, { cause: error });
  }
  if (code === "ENOTDIR") {
    return new CarveError("INVALID_ARGUMENT", `${path} is not a directory`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CarveError("INVALID_DATA", `cannot read ${what} ${path}: ${message}`, { cause: error });
}

/** Reads a whole file; with `gunzip`, content that starts with 1f 8b is decompressed. */
export async function readBytes(path: string, options: { gunzip?: boolean } = {}): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fileSystemError(error, path, "file");
  }
  if (!options.gunzip || !isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CarveError(
      "INVALID_DATA",
      `${path}: starts with the gzip magic bytes 1f 8b but does not decompress (${message}); ` +
        `the file is probably truncated, download it again`,
      { cause: error },
    );
  }
}

/** Entries of a directory sorted by name (code-unit order, so the result does not depend on the locale). */
export async function listDirectory(dir: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw fileSystemError(error, dir, "directory");
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether `path` is a directory, a file, or absent (other stat errors propagate as CarveErrors). */
export async function pathKind(path: string): Promise<"directory" | "file" | "missing"> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? "directory" : "file";
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return "missing";
    throw fileSystemError(error, path, "path");
  }
}

/** Whether an entry is a directory, following symbolic links (datasets are often symlinked into place). */
export async function isDirectoryEntry(dir: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await pathKind(join(dir, entry.name))) === "directory";
}

/** Whether an entry is a regular file, following symbolic links. */
export async function isFileEntry(dir: string, entry: Dirent): Promise<boolean> {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await pathKind(join(dir, entry.name))) === "file";
}
