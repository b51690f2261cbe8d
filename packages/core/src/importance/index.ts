/**
 * The importance module: filter importance criteria behind one entry point, `scoreFilters`, and tools to
 * compare what they say. CAR (classification accuracy reduction, Abbasi-Asl & Yu 2021) is the criterion Carve
 * is built around; l1, mean-activation, apoz, taylor and random are the baselines it is compared with.
 */
export {
  CAR_METHODS,
  CRITERION_NAMES,
  type BaseOutcome,
  type CarEngineReport,
  type CarMethod,
  type CarStatistics,
  type CriterionName,
  type CriterionResult,
  type FilterScore,
  type GroupScores,
  type ImportanceCriterion,
  type RawFilterScore,
  type ScoreOptions,
  type ScoreReport,
  type ScoringContext,
} from "./criterion.js";
export { CRITERIA, isCriterionName, scoreFilters } from "./score-filters.js";
export { filterL1Norms } from "./l1-norm.js";
export { stratifiedSample } from "./sample.js";
export { Z_95, classwiseAccuracyDrop, pairedAccuracyDrop, type PairedAccuracyDrop } from "./statistics.js";
export {
  averageRanks,
  compareRankings,
  leastImportant,
  spearmanRho,
  topKOverlap,
  type RankAgreement,
} from "./rank-agreement.js";
export type { AdaptiveCarOptions, StepScoring } from "./car-steps.js";
export type { RaceBound } from "../fastcar/index.js";
