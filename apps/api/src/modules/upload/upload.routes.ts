/**
 * POST /uploads: a multipart/form-data request with the files of a model (model.json and its weight files)
 * or of a dataset (IDX files, CIFAR-10 batches, or images named "class/file.png"), at most CARVE_MAX_UPLOAD_MB
 * in all. Answers 201 with `{ id, files, bytes }`; the id goes to registerModel/registerDataset
 * (`input.uploadId`). A rejected upload leaves nothing on disk.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";

import busboy from "busboy";
import type { Request, Response, Router } from "express";
import express from "express";
import type { Logger } from "pino";

import { isApiError } from "../../errors.js";
import { type AccessForRequest, accessFailure } from "../access/http.js";
import { type UploadStore, type UploadedFile, safeRelativePath } from "./upload.store.js";

export const UPLOADS_PATH = "/uploads";
/** Files in one upload: an image folder of a few thousand images fits. */
const MAX_FILES = 20_000;

class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the request's files into a new upload folder; rejects (having deleted it) on any problem. */
async function receive(req: Request, store: UploadStore, maxBytes: number, uploadedBy: string) {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("multipart/form-data")) {
    throw new UploadError(
      415,
      "INVALID_ARGUMENT",
      `POST ${UPLOADS_PATH} takes multipart/form-data (one part per file), got "${type || "no content type"}"`,
    );
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) {
    throw new UploadError(413, "PAYLOAD_TOO_LARGE", tooLarge(maxBytes));
  }
  const { id, filesDir } = await store.begin();
  const files: UploadedFile[] = [];
  const writes: Array<Promise<void>> = [];
  const open = new Set<NodeJS.ReadableStream & { destroy(): void }>();
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(parser);
        // Files busboy will no longer feed would keep their writes pending forever.
        for (const stream of open) stream.destroy();
        reject(error);
      };
      const parser = busboy({
        headers: req.headers,
        preservePath: true,
        limits: { files: MAX_FILES, fileSize: maxBytes + 1, fields: 100 },
      });
      parser.on("file", (_field, stream, info) => {
        if (failed) {
          stream.resume();
          return;
        }
        let name: string;
        try {
          name = safeRelativePath(info.filename ?? "");
        } catch (error) {
          stream.resume();
          fail(new UploadError(400, "INVALID_ARGUMENT", (error as Error).message));
          return;
        }
        if (files.some((f) => f.name === name)) {
          stream.resume();
          fail(new UploadError(400, "INVALID_ARGUMENT", `the upload has two files named "${name}"`));
          return;
        }
        const entry: UploadedFile = { name, bytes: 0 };
        files.push(entry);
        open.add(stream);
        stream.on("close", () => open.delete(stream));
        const target = path.join(filesDir, ...name.split("/"));
        // The file is opened before any listener makes the stream flow, so no chunk is missed.
        mkdirSync(path.dirname(target), { recursive: true });
        writes.push(pipeline(stream, createWriteStream(target)).catch((error: unknown) => fail(error)));
        stream.on("data", (chunk: Buffer) => {
          entry.bytes += chunk.length;
          total += chunk.length;
          if (total > maxBytes) {
            stream.destroy();
            fail(new UploadError(413, "PAYLOAD_TOO_LARGE", tooLarge(maxBytes)));
          }
        });
      });
      parser.on("filesLimit", () =>
        fail(new UploadError(413, "PAYLOAD_TOO_LARGE", `at most ${MAX_FILES} files per upload`)),
      );
      parser.on("error", (error) =>
        fail(new UploadError(400, "INVALID_ARGUMENT", `malformed multipart body: ${String(error)}`)),
      );
      parser.on("close", () => {
        void Promise.all(writes).then(() => {
          if (failed) return;
          if (files.length === 0) {
            fail(new UploadError(400, "INVALID_ARGUMENT", "the upload holds no file parts"));
            return;
          }
          resolve();
        });
      });
      req.on("aborted", () => fail(new UploadError(400, "INVALID_ARGUMENT", "the upload was aborted")));
      req.pipe(parser);
    });
    return await store.complete(id, files, uploadedBy);
  } catch (error) {
    // Every write has ended (or failed) before the folder goes, so no file is created after it.
    await Promise.allSettled(writes);
    await store.discard(id);
    throw error;
  }
}

function tooLarge(maxBytes: number): string {
  return (
    `the upload is larger than ${maxBytes / (1024 * 1024)} MB (CARVE_MAX_UPLOAD_MB); ` +
    `register large models and datasets from a folder on the server (CARVE_ALLOWED_PATHS) instead`
  );
}

export function uploadRouter(options: {
  store: UploadStore;
  maxBytes: number;
  logger: Logger;
  accessFor: AccessForRequest;
}): Router {
  const router = express.Router();
  router.post(UPLOADS_PATH, (req: Request, res: Response) => {
    // Only an editor of some workspace uploads, and only they can register what they uploaded.
    const uploader = options.accessFor(req).uploader();
    uploader
      .then((userId) => receive(req, options.store, options.maxBytes, userId))
      .then(
        (upload) => {
          options.logger.info(
            { uploadId: upload.id, files: upload.files.length, bytes: upload.bytes },
            "upload",
          );
          res.status(201).json(upload);
        },
        (error: unknown) => {
          const known = error instanceof UploadError;
          const denied = accessFailure(error);
          if (!known && !denied) options.logger.error({ err: error }, "upload failed");
          const status = known ? error.status : (denied?.status ?? (isApiError(error) ? 400 : 500));
          const code = known
            ? error.code
            : (denied?.code ?? (isApiError(error) ? error.code : "INTERNAL_SERVER_ERROR"));
          const message =
            known || denied || isApiError(error)
              ? (error as Error).message
              : "the upload failed; the API logged why";
          // The rest of the body is not read: close the connection rather than leave it half-consumed.
          res.setHeader("Connection", "close");
          res.status(status).json({ error: { code, message } });
        },
      );
  });
  return router;
}
