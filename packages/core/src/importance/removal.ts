/** Small helpers over `FilterRemoval` maps shared by the criteria. */
import type { FilterGroup } from "../graph/index.js";
import type { FilterRemoval } from "../mask/index.js";

/** Indices of the filters of `group` not removed in `base`, ascending. */
export function remainingFilters(group: FilterGroup, base: FilterRemoval): number[] {
  const removed = base.get(group.id);
  const out: number[] = [];
  for (let f = 0; f < group.size; f++) if (!removed?.has(f)) out.push(f);
  return out;
}

/** A 0/1 keep mask of `group`'s channels under `base` (0 = removed). */
export function keepMask(group: FilterGroup, base: FilterRemoval): Float32Array {
  const mask = new Float32Array(group.size).fill(1);
  for (const f of base.get(group.id) ?? []) mask[f] = 0;
  return mask;
}
