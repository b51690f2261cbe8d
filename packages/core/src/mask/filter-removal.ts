import type { ChannelGraph } from "../graph/index.js";
import { CarveError } from "../errors.js";

/** Which filters are removed, per group id. */
export type FilterRemoval = ReadonlyMap<string, ReadonlySet<number>>;

/** Nothing removed. */
export const NO_REMOVAL: FilterRemoval = new Map();

/** Number of filters removed over all groups. */
export function removalSize(removal: FilterRemoval): number {
  let total = 0;
  for (const filters of removal.values()) total += filters.size;
  return total;
}

/** A new removal with `filters` of group `groupId` removed as well; `removal` is left as it was. */
export function withRemoved(
  removal: FilterRemoval,
  groupId: string,
  filters: Iterable<number>,
): FilterRemoval {
  const next = new Map(removal);
  next.set(groupId, new Set([...(removal.get(groupId) ?? []), ...filters]));
  return next;
}

/**
 * Throws INVALID_ARGUMENT when `removal` names a group the graph does not have, a filter outside
 * 0…size−1, or every filter of a group (a layer with no filters is not a network).
 */
export function validateRemoval(graph: ChannelGraph, removal: FilterRemoval): void {
  for (const [groupId, filters] of removal) {
    const group = graph.groups.find((g) => g.id === groupId);
    if (!group) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `cannot remove filters of "${groupId}": the model has no such filter group (groups: ` +
          `${graph.groups.map((g) => g.id).join(", ") || "none"})`,
      );
    }
    for (const f of filters) {
      if (!Number.isInteger(f) || f < 0 || f >= group.size) {
        throw new CarveError(
          "INVALID_ARGUMENT",
          `cannot remove filter ${f} of "${groupId}": it has filters 0…${group.size - 1}`,
        );
      }
    }
    if (filters.size >= group.size) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `cannot remove all ${group.size} filters of "${groupId}": keep at least one (a layer with no filters ` +
          `disconnects the network)`,
      );
    }
  }
}
