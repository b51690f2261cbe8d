/**
 * Runs one pruning run in a fresh pruning worker thread (pruning-worker.ts), handing each step to the caller
 * as it arrives. The caller's `onStep` may be async (it persists the step); steps are handed over one at a
 * time, in order, and the run's promise settles only after the last step was handled.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import { ApiError } from "../errors.js";
import type {
  PruneStepRecord,
  PruningResult,
  PruningTask,
  PruningWorkerInput,
  PruningWorkerMessage,
} from "./pruning-protocol.js";
import type { MainMessage, WorkerProgress } from "./worker-protocol.js";

/** As for analyses: how long a cancelled worker may take to stop by itself before it is terminated. */
const CANCEL_GRACE_MS = 1_000;

/** The compiled pruning worker (under Vitest, the build's copy: a worker thread cannot load TypeScript). */
export function pruningWorkerScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return fileURLToPath(new URL("./pruning-worker.js", import.meta.url));
  const built = fileURLToPath(new URL("../../dist/jobs/pruning-worker.js", import.meta.url));
  if (!existsSync(built)) {
    throw new Error(
      `the worker script ${built} is missing; build the API first: npm run build -w @carve/api`,
    );
  }
  return built;
}

export interface PruningRunOptions {
  /** CARVE_BACKEND ("auto" by default). */
  backend: string;
  signal?: AbortSignal;
  onProgress?: (progress: WorkerProgress) => void;
  /** The unpruned network's accuracy and size (not sent for a resumed run). */
  onStarted?: (original: PruningResult["original"]) => void | Promise<void>;
  /** One step; `checkpoint` is the folder of the network after it (fine-tuning each step). */
  onStep?: (step: PruneStepRecord, checkpoint: string | undefined) => void | Promise<void>;
  /** Defaults to {@link pruningWorkerScriptPath}. */
  script?: string;
}

/**
 * Resolves with the run's result once every step has been handled; rejects with an {@link ApiError} carrying
 * the core error code (ABORTED when cancelled), with the first error an `onStep` threw, or with the worker's
 * crash.
 */
export function runPruningInWorker(task: PruningTask, options: PruningRunOptions): Promise<PruningResult> {
  return new Promise<PruningResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ApiError("ABORTED", "the pruning run was cancelled before it started"));
      return;
    }
    const input: PruningWorkerInput = { task, backend: options.backend };
    const worker = new Worker(options.script ?? pruningWorkerScriptPath(), { workerData: input });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    // Step handlers run one after another; the result waits for them.
    let handled: Promise<void> = Promise.resolve();
    let handlerError: unknown;

    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
      settle();
    };
    const fail = (error: unknown) => finish(() => reject(error));
    const onAbort = () => {
      worker.postMessage({ type: "cancel" } satisfies MainMessage);
      killTimer = setTimeout(
        () => fail(new ApiError("ABORTED", "the pruning run was cancelled (its worker was terminated)")),
        CANCEL_GRACE_MS,
      );
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const queueHandler = (handler: () => void | Promise<void>) => {
      handled = handled.then(async () => {
        if (settled || handlerError !== undefined) return;
        try {
          await handler();
        } catch (error) {
          handlerError = error;
          worker.postMessage({ type: "cancel" } satisfies MainMessage);
          fail(error);
        }
      });
    };

    worker.on("message", (message: PruningWorkerMessage) => {
      switch (message.type) {
        case "progress":
          if (!settled) options.onProgress?.(message.progress);
          break;
        case "started":
          queueHandler(() => options.onStarted?.(message.original));
          break;
        case "step":
          queueHandler(() => options.onStep?.(message.step, message.checkpoint));
          break;
        case "result":
          void handled.then(() => finish(() => resolve(message.result)));
          break;
        case "error":
          void handled.then(() => fail(ApiError.fromWorker(message.error)));
          break;
      }
    });
    worker.on("error", (error) => fail(error));
    worker.on("exit", (code) => {
      void handled.then(() =>
        fail(new Error(`the pruning worker exited with code ${code} before answering`)),
      );
    });
  });
}
