/**
 * Every event the API publishes, by topic, in one place. A topic's events are addressed by an id (the
 * analysis id), so a subscriber hears only about what it asked for.
 */
import type { AnalysisRow } from "../modules/analysis/analysis.repository.js";
import type { PruningRunRow, PruningStepRow } from "../modules/pruning/run.repository.js";

/** A pruning run changed: what happened, the run as persisted (`revision` included), and the new step. */
export interface PruningRunEvent {
  /** SNAPSHOT, STATUS, PROGRESS or STEP (the GraphQL PruningEventKind). */
  kind: string;
  run: PruningRunRow;
  /** The step just persisted, for STEP events. */
  step: PruningStepRow | null;
}

export interface TopicPayloads {
  /** An analysis changed (status, progress or result): the row as persisted, `revision` included. */
  ANALYSIS_CHANGED: AnalysisRow;
  /** A pruning run changed: a step was persisted, its status or its progress changed. */
  PRUNING_RUN_CHANGED: PruningRunEvent;
}

export type Topic = keyof TopicPayloads;
