/**
 * The third argument of every long operation in Carve: cancellation and progress, kept apart from the
 * operation's own options so they can be passed through layers unchanged.
 */
import { throwIfAborted } from "../errors.js";

export interface Progress {
  /** What is being worked on, e.g. "evaluating" or "epoch 2/3". */
  phase: string;
  done: number;
  total: number;
  /** Seconds left, estimated from the rate so far; undefined until there is a rate. */
  etaSeconds?: number;
}

export interface OperationControl {
  /** Checked between units of work (batches, filters); when it fires the operation throws `ABORTED`. */
  signal?: AbortSignal;
  /** Called after each unit of work. Must be cheap: it runs on the hot loop. */
  onProgress?: (progress: Progress) => void;
}

/** Tracks done/total and estimates the time left from the average rate. */
export function progressReporter(
  phase: string,
  total: number,
  onProgress: OperationControl["onProgress"],
): (done: number) => void {
  const started = performance.now();
  return (done: number) => {
    if (!onProgress) return;
    const elapsed = (performance.now() - started) / 1000;
    const etaSeconds = done > 0 && elapsed > 0 ? (elapsed / done) * (total - done) : undefined;
    onProgress({ phase, done, total, etaSeconds });
  };
}

const YIELD_EVERY_MS = 50;
let lastYield = 0;

/**
 * Lets the event loop run if the caller has computed for more than 50 ms without it, then throws `ABORTED` if
 * `signal` has fired. Awaiting TF.js reads on the cpu and wasm backends resolves as microtasks, which never give
 * timers, I/O or messages a turn: without this, `AbortSignal.timeout`, Ctrl-C in the CLI and a worker thread's
 * cancel message would only be seen after the whole operation (and a test runner's worker would miss its
 * heartbeat). Call it between units of work in async loops.
 */
export async function checkpoint(signal: AbortSignal | undefined, what: string): Promise<void> {
  const now = performance.now();
  if (now - lastYield >= YIELD_EVERY_MS) {
    await new Promise<void>((resolve) => {
      if (typeof setImmediate === "function") setImmediate(resolve);
      else setTimeout(resolve, 0);
    });
    lastYield = performance.now();
  }
  throwIfAborted(signal, what);
}
