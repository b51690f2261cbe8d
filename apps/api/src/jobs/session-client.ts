/**
 * The main thread's side of the long-lived what-if worker (session-worker.ts): started on the first question,
 * asked over messages, stopped after a while without questions (its caches hold models and datasets) and
 * when the server stops. If it crashes, the questions it held fail and the next question starts a new one.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import { ApiError } from "../errors.js";
import type { SessionReply, SessionRequest } from "./session-worker.js";
import type { WhatIfResult, WhatIfTask } from "./worker-protocol.js";

/** The compiled script; under Vitest (sources) the build's copy, as for the other workers. */
function sessionScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return fileURLToPath(new URL("./session-worker.js", import.meta.url));
  const built = fileURLToPath(new URL("../../dist/jobs/session-worker.js", import.meta.url));
  if (!existsSync(built)) {
    throw new Error(
      `the worker script ${built} is missing; build the API first: npm run build -w @carve/api`,
    );
  }
  return built;
}

export interface SessionWorkerOptions {
  /** CARVE_BACKEND. */
  backend: string;
  /** Stop the worker after this long without a question (its caches are freed with it). */
  idleMs: number;
}

export class SessionWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: WhatIfResult) => void; reject: (e: Error) => void }
  >();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SessionWorkerOptions) {}

  whatIf(task: WhatIfTask): Promise<WhatIfResult> {
    if (this.closed) return Promise.reject(new ApiError("ABORTED", "the server is stopping"));
    clearTimeout(this.idleTimer);
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<WhatIfResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, task } satisfies SessionRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.stop(new ApiError("ABORTED", "the server stopped before the what-if was answered"));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(sessionScriptPath(), { workerData: { backend: this.options.backend } });
    // An idle session never keeps the process alive.
    worker.unref();
    worker.on("message", (reply: SessionReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ("result" in reply) waiting.resolve(reply.result);
      else waiting.reject(ApiError.fromWorker(reply.error));
      if (this.pending.size === 0) {
        this.idleTimer = setTimeout(() => void this.stop(), this.options.idleMs);
        this.idleTimer.unref();
      }
    });
    const failed = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on("error", failed);
    worker.on("exit", (code) => failed(new Error(`the what-if worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private async stop(reason?: Error): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    for (const waiting of this.pending.values())
      waiting.reject(reason ?? new Error("the what-if worker stopped"));
    this.pending.clear();
    await worker.terminate();
  }
}
