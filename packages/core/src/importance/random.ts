/**
 * The random criterion: uniform scores in [0, 1), the baseline every other criterion must beat. Each group
 * draws from its own stream seeded by (seed, group id) and every filter of the group draws, removed or not,
 * so a filter's score does not depend on which groups are scored or what was removed before.
 */
import { createRng } from "../util/random.js";
import type { CriterionResult, ImportanceCriterion, RawFilterScore, ScoringContext } from "./criterion.js";
import { remainingFilters } from "./removal.js";

/** FNV-1a, 32 bits: a stable hash of the group id to decorrelate the groups' streams. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export const randomCriterion: ImportanceCriterion = {
  name: "random",
  needsData: false,
  async score(context: ScoringContext): Promise<CriterionResult> {
    const groups = new Map<string, RawFilterScore[]>();
    for (const group of context.groups) {
      const rng = createRng((context.seed ^ hashString(group.id)) >>> 0);
      const draws = Array.from({ length: group.size }, () => rng());
      groups.set(
        group.id,
        remainingFilters(group, context.base).map((filter) => ({ filter, score: draws[filter]! })),
      );
    }
    return { groups };
  },
};
