/**
 * Every event the API publishes, by topic, in one place. A topic's events are addressed by an id (the
 * analysis id), so a subscriber hears only about what it asked for.
 */
import type { AnalysisRow } from "../modules/analysis/analysis.repository.js";

export interface TopicPayloads {
  /** An analysis changed (status, progress or result): the row as persisted, `revision` included. */
  ANALYSIS_CHANGED: AnalysisRow;
}

export type Topic = keyof TopicPayloads;
