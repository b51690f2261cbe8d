/**
 * The third argument of every long operation in Carve: cancellation and progress, kept apart from the
 * operation's own options so they can be passed through layers unchanged.
 */
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
