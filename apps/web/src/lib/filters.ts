/** A filter as the layer page shows it. */
export interface FilterSummary {
  index: number;
  l1Norm: number;
  weightImage: string | null;
  /** What a member labelled it (e.g. "red-green colour blob"); absent or null when unlabelled. */
  label?: string | null;
  car: {
    drop: number;
    ci95Low: number;
    ci95High: number;
    rank: number;
    accuracyWithout: number;
  } | null;
}

export type FilterSortKey = "car" | "l1" | "index";

/**
 * Filters in the order asked for. By CAR: least important first (rank 1 = the one greedy pruning removes
 * first), unscored filters last; by L1: smallest norm first; by index: channel order. `descending` reverses
 * the order of the filters that have the key (unscored filters stay last).
 */
export function sortFilters(
  filters: readonly FilterSummary[],
  key: FilterSortKey,
  descending = false,
): FilterSummary[] {
  const sign = descending ? -1 : 1;
  const byIndex = (a: FilterSummary, b: FilterSummary) => a.index - b.index;
  return [...filters].sort((a, b) => {
    if (key === "car") {
      if (!a.car || !b.car) return a.car ? -1 : b.car ? 1 : byIndex(a, b);
      return sign * (a.car.rank - b.car.rank) || byIndex(a, b);
    }
    if (key === "l1") return sign * (a.l1Norm - b.l1Norm) || byIndex(a, b);
    return sign * byIndex(a, b);
  });
}

/** Equal-width bins over [min, max] of the values, for a histogram: each with its range and count. */
export function histogram(
  values: readonly number[],
  binCount = 12,
): Array<{ from: number; to: number; count: number }> {
  if (values.length === 0) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) return [{ from: min, to: max, count: values.length }];
  const bins = Math.max(1, Math.min(binCount, values.length));
  const width = (max - min) / bins;
  const result = Array.from({ length: bins }, (_, i) => ({
    from: min + i * width,
    to: i === bins - 1 ? max : min + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) {
    // The maximum belongs to the last bin, not to a bin of its own.
    const i = Math.min(bins - 1, Math.floor((v - min) / width));
    result[i]!.count += 1;
  }
  return result;
}
