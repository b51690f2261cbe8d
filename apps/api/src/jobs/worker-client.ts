/**
 * Runs one task in a fresh Carve worker thread and settles with its result. A fresh thread per task costs
 * about a second of TF.js start-up, which is small next to a CAR analysis and keeps every task's memory and
 * backend state apart.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import { ApiError } from "../errors.js";
import type {
  MainMessage,
  WorkerInput,
  WorkerMessage,
  WorkerProgress,
  WorkerResult,
  WorkerTask,
} from "./worker-protocol.js";

/**
 * How long a worker asked to cancel may take to stop by itself before it is terminated. Core checks the signal
 * between batches, but loading a dataset or one large batch can hold the thread longer; a terminated worker
 * loses nothing (its result would be ignored), so the job slot is not kept waiting.
 */
const CANCEL_GRACE_MS = 1_000;

/**
 * The compiled worker script. From `dist/` it is the neighbour of this file; under Vitest this file is the
 * TypeScript source, which a worker thread cannot load, so the build's copy is used (the test task depends on
 * the build).
 */
export function workerScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return fileURLToPath(new URL("./carve-worker.js", import.meta.url));
  const built = fileURLToPath(new URL("../../dist/jobs/carve-worker.js", import.meta.url));
  if (!existsSync(built)) {
    throw new Error(
      `the worker script ${built} is missing; build the API first: npm run build -w @carve/api`,
    );
  }
  return built;
}

export interface WorkerRunOptions {
  /** CARVE_BACKEND ("auto" by default). */
  backend: string;
  signal?: AbortSignal;
  onProgress?: (progress: WorkerProgress) => void;
  /** Defaults to {@link workerScriptPath}. */
  script?: string;
}

/**
 * Resolves with the worker's result; rejects with an {@link ApiError} carrying the core error code (ABORTED
 * when cancelled through `signal`), or with the worker's crash.
 */
export function runInWorker<R extends WorkerResult>(task: WorkerTask, options: WorkerRunOptions): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ApiError("ABORTED", `${task.kind} was cancelled before it started`));
      return;
    }
    const input: WorkerInput = { task, backend: options.backend };
    const worker = new Worker(options.script ?? workerScriptPath(), { workerData: input });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      settle();
      void worker.terminate();
    };
    const onAbort = () => {
      worker.postMessage({ type: "cancel" } satisfies MainMessage);
      killTimer = setTimeout(
        () =>
          finish(() =>
            reject(new ApiError("ABORTED", `${task.kind} was cancelled (its worker was terminated)`)),
          ),
        CANCEL_GRACE_MS,
      );
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    worker.on("message", (message: WorkerMessage) => {
      switch (message.type) {
        case "progress":
          if (!settled) options.onProgress?.(message.progress);
          break;
        case "result":
          finish(() => resolve(message.result as R));
          break;
        case "error":
          finish(() => reject(ApiError.fromWorker(message.error)));
          break;
      }
    });
    worker.on("error", (error) => finish(() => reject(error)));
    worker.on("exit", (code) =>
      finish(() => reject(new Error(`the ${task.kind} worker exited with code ${code} before answering`))),
    );
  });
}
