/**
 * The fast exact CAR engine (internal to @carve/core): `scoreFilters(model, "car")` and `greedyPrune` use it
 * unless asked for the naive method. See session.ts for how it works and why its results are the naive ones.
 */
export {
  CarSession,
  type CarSessionOptions,
  type EngineStats,
  type FilterTally,
  type GroupTallies,
  type OutcomeSink,
  type SessionScore,
} from "./session.js";
export { DEFAULT_MEMORY_BUDGET_MB } from "./memory.js";
export type { PlanKind } from "./plan.js";
export {
  raceLowestCar,
  type RaceBound,
  type RaceCandidate,
  type RaceOptions,
  type RaceResult,
} from "./race.js";
export { type MaskFlops, maskFlops } from "./floor.js";
