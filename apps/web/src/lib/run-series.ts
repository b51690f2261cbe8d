/** Accuracy-versus-compression series of pruning runs, and comparisons at equal compression (pure, tested). */

export interface StepPoint {
  step: number;
  removedCount: number;
  testAccuracy: number | null;
  selectionAccuracy: number;
  params: number;
  flops: number;
}

export interface SeriesPoint {
  /** Filters removed so far. */
  removed: number;
  /** removed / filters the run could prune, in [0, 1]. */
  fraction: number;
  test: number | null;
  selection: number | null;
  params: number | null;
  flops: number | null;
}

/**
 * The run's curve: the unpruned network at 0 removed, then one point per step with the filters removed so far.
 * `prunable` is how many filters the run's layers had at the start (the denominator of `fraction`).
 */
export function runSeries(
  original: { test: number | null; selection: number | null; params: number | null; flops: number | null },
  steps: readonly StepPoint[],
  prunable: number,
): SeriesPoint[] {
  const points: SeriesPoint[] = [{ removed: 0, fraction: 0, ...original }];
  let removed = 0;
  for (const s of [...steps].sort((a, b) => a.step - b.step)) {
    removed += s.removedCount;
    points.push({
      removed,
      fraction: prunable > 0 ? removed / prunable : 0,
      test: s.testAccuracy,
      selection: s.selectionAccuracy,
      params: s.params,
      flops: s.flops,
    });
  }
  return points;
}

/**
 * Test accuracy when `fraction` of the filters had been removed: linear between the two points around it, null
 * when the run did not get that far (or has no test accuracy there).
 */
export function accuracyAt(points: readonly SeriesPoint[], fraction: number): number | null {
  const withTest = points.filter((p) => p.test !== null);
  for (let i = 0; i < withTest.length; i++) {
    const p = withTest[i]!;
    if (Math.abs(p.fraction - fraction) < 1e-9) return p.test;
    const next = withTest[i + 1];
    if (next && p.fraction < fraction && fraction < next.fraction) {
      const t = (fraction - p.fraction) / (next.fraction - p.fraction);
      return p.test! + t * (next.test! - p.test!);
    }
  }
  return null;
}

/** Steps merged by step number (a later copy of a step replaces an earlier one), in order. */
export function mergeSteps<T extends { step: number }>(current: readonly T[], incoming: readonly T[]): T[] {
  const byStep = new Map(current.map((s) => [s.step, s]));
  for (const s of incoming) byStep.set(s.step, s);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
