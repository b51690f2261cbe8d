/**
 * How much two criteria agree on which filters matter, per group: Spearman's rank correlation of their
 * scores and the overlap of the k filters each would prune first. Pure functions over numbers.
 */
import { CarveError } from "../errors.js";
import type { GroupScores } from "./criterion.js";

function checkSameLength(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `${what}: both score lists must have one entry per filter, got ${a.length} and ${b.length}`,
    );
  }
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!) || Number.isNaN(b[i]!)) {
      throw new CarveError("INVALID_ARGUMENT", `${what}: score ${i} is NaN; drop unscored filters first`);
    }
  }
}

/**
 * Ranks 1..n in ascending order of `values`; tied values share the average of the ranks they span (the
 * "fractional" ranking Spearman's rho needs), e.g. [10, 20, 20, 5] → [2, 3.5, 3.5, 1].
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]!]! === values[order[start]!]!) end++;
    // Positions start..end-1 hold equal values; ranks are 1-based, so their mean is (start+1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let p = start; p < end; p++) ranks[order[p]!] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rho: the Pearson correlation of the average ranks of `a` and `b` (so ties are handled exactly,
 * not with the 1 − 6Σd²/(n(n²−1)) shortcut that assumes none). NaN when either list is constant or has fewer
 * than two entries, since a correlation is undefined there.
 */
export function spearmanRho(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength("spearmanRho", a, b);
  const n = a.length;
  if (n < 2) return Number.NaN;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (n + 1) / 2; // the mean of any fractional ranking of n items
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - mean;
    const db = rb[i]! - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Indices of the k smallest `values` (the k filters a criterion would prune first). Ties at the cut are
 * broken by the lower index, so the answer is deterministic.
 */
export function leastImportant(values: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0 || k > values.length) {
    throw new CarveError("INVALID_ARGUMENT", `k must be an integer in 0..${values.length}, got ${k}`);
  }
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((i, j) => values[i]! - values[j]! || i - j)
    .slice(0, k);
}

/**
 * Fraction of the k least important filters by `a` that are also among the k least important by `b`
 * (1 = the same k filters, 0 = disjoint). Ties at the cut go to the lower filter index in both lists.
 */
export function topKOverlap(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  checkSameLength("topKOverlap", a, b);
  if (!Number.isInteger(k) || k < 1 || k > a.length) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `topKOverlap: k must be an integer in 1..${a.length} (the number of filters), got ${k}`,
    );
  }
  const fromA = new Set(leastImportant(a, k));
  let shared = 0;
  for (const index of leastImportant(b, k)) if (fromA.has(index)) shared++;
  return shared / k;
}

/** How two criteria agree on one group. */
export interface RankAgreement {
  groupId: string;
  /** Filters compared (the group's remaining filters). */
  filters: number;
  /** Spearman's rho of the two criteria's scores, average ranks for ties. */
  spearman: number;
  k: number;
  /** Shared fraction of the k filters each would prune first (by `rank`, so CAR's tie-break counts). */
  topKOverlap: number;
}

/**
 * Compares two criteria's scores of the same group (two `GroupScores` from `scoreFilters` with the same base
 * removal). `k` defaults to a quarter of the filters, at least 1.
 */
export function compareRankings(a: GroupScores, b: GroupScores, k?: number): RankAgreement {
  if (a.groupId !== b.groupId) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `compareRankings: scores of the same group are needed, got "${a.groupId}" and "${b.groupId}"`,
    );
  }
  const byFilter = new Map(b.filters.map((s) => [s.filter, s]));
  const sameFilters = a.filters.length === b.filters.length && a.filters.every((s) => byFilter.has(s.filter));
  if (!sameFilters) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `compareRankings: "${a.groupId}" was scored on different filters (${a.filters.length} vs ` +
        `${b.filters.length}); score both criteria with the same base removal`,
    );
  }
  const n = a.filters.length;
  const cut = k ?? Math.max(1, Math.floor(n / 4));
  const matched = a.filters.map((s) => byFilter.get(s.filter)!);
  return {
    groupId: a.groupId,
    filters: n,
    spearman: spearmanRho(
      a.filters.map((s) => s.score),
      matched.map((s) => s.score),
    ),
    k: cut,
    topKOverlap: topKOverlap(
      a.filters.map((s) => s.rank),
      matched.map((s) => s.rank),
      cut,
    ),
  };
}
