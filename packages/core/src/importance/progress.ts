import type { OperationControl } from "../util/operation.js";

/**
 * Like util's `progressReporter`, but the phase changes as the work moves on ("scoring conv2: filter 7/32")
 * while done/total count units over the whole operation, so the ETA covers everything left.
 */
export function phasedProgress(
  total: number,
  onProgress: OperationControl["onProgress"],
): (phase: string, done: number) => void {
  const started = performance.now();
  return (phase, done) => {
    if (!onProgress) return;
    const elapsed = (performance.now() - started) / 1000;
    const etaSeconds = done > 0 && elapsed > 0 ? (elapsed / done) * (total - done) : undefined;
    onProgress({ phase, done, total, etaSeconds });
  };
}
