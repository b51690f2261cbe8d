/**
 * Per-image outcome (predicted class, cross-entropy) from one row of model outputs, computed in float64 in
 * JavaScript exactly as `classifyBatch` defines it: argmax with the first index winning ties, and
 * −log p(label) with p clipped at 1e-7 (probability outputs) or −logSoftmax(label) (logit outputs).
 *
 * The fast engine reaches the logits by other (mathematically equal) arithmetic than the naive masked pass,
 * so the last bits can differ. Correctness can only come out differently when the label's output and the
 * best other output are within rounding of each other: such rows are reported `ambiguous` and the engine
 * settles them with the naive pass itself (see session.ts), so flip counts are the naive method's.
 */

/** float32(1e-7): the clip `classifyBatch` applies to probabilities, as float32 arithmetic sees it. */
const EPSILON = Math.fround(1e-7);
const MAX_LOSS = -Math.log(EPSILON);

/**
 * Rows whose label-vs-best-other margin is below this (relative to the larger magnitude, floor 1) are settled
 * by the naive pass. float32 rounding of a logit of size ~10 is ~1e-6; the margin leaves two orders of room.
 */
export const AMBIGUITY_TOLERANCE = 1e-4;

export interface RowOutcome {
  predicted: number;
  loss: number;
  /** Correctness could differ from the naive pass's by rounding alone. */
  ambiguous: boolean;
}

/** What a row of outputs holds. */
export type OutputKind = "probabilities" | "logits";

/**
 * Outcome of row `row` (classes `classes` wide, starting at `row * classes`) of `values`, for true label
 * `label`. Writes into `out` to avoid allocating on the hot loop.
 */
export function rowOutcome(
  values: ArrayLike<number>,
  row: number,
  classes: number,
  label: number,
  kind: OutputKind,
  out: RowOutcome,
): RowOutcome {
  const offset = row * classes;
  let best = 0;
  let bestValue = values[offset]!;
  let other = Number.NEGATIVE_INFINITY;
  for (let k = 1; k < classes; k++) {
    const v = values[offset + k]!;
    if (v > bestValue) {
      best = k;
      bestValue = v;
    }
  }
  for (let k = 0; k < classes; k++) {
    if (k === label) continue;
    const v = values[offset + k]!;
    if (v > other) other = v;
  }
  const labelValue = values[offset + label]!;
  const scale = Math.max(1, Math.abs(bestValue));
  out.predicted = best;
  out.ambiguous = Math.abs(labelValue - other) <= AMBIGUITY_TOLERANCE * scale;
  if (kind === "probabilities") {
    const p = Math.min(Math.max(labelValue, EPSILON), 1);
    out.loss = -Math.log(p);
  } else {
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(values[offset + k]! - bestValue);
    out.loss = bestValue + Math.log(sum) - labelValue;
  }
  return out;
}

/**
 * Outcome of a row of *logits* of a model whose output is softmax(logits): the naive pass sees
 * probabilities, so the loss is clipped as it would be (−log max(p, 1e-7)).
 */
export function softmaxRowOutcome(
  logits: ArrayLike<number>,
  row: number,
  classes: number,
  label: number,
  out: RowOutcome,
): RowOutcome {
  rowOutcome(logits, row, classes, label, "logits", out);
  out.loss = Math.min(out.loss, MAX_LOSS);
  return out;
}

export function emptyOutcome(): RowOutcome {
  return { predicted: 0, loss: 0, ambiguous: false };
}
