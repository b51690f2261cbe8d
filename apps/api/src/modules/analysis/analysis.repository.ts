/** SQL for analyses (CAR scoring jobs) and the scores they produce. */
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";

import type { Db } from "../../db/database.js";
import {
  type AnalysisRow,
  type AnalysisStatusValue,
  type CarScoreRow,
  analyses,
  carScores,
} from "../../db/tables.js";
import type { ScoredFilter, WorkerProgress } from "../../jobs/worker-protocol.js";

export const FINAL_STATUSES: ReadonlySet<AnalysisStatusValue> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
]);

export type NewAnalysis = Pick<
  AnalysisRow,
  "id" | "modelId" | "layers" | "groups" | "split" | "classwise" | "maxImages" | "seed" | "createdAt"
>;

/** JSON has no NaN: a class with no image in the set is stored as null. */
function classwiseJson(values: Float64Array | null): Array<number | null> | null {
  return values ? Array.from(values, (v) => (Number.isFinite(v) ? v : null)) : null;
}

export class AnalysisRepository {
  constructor(private readonly db: Db) {}

  insert(analysis: NewAnalysis): AnalysisRow {
    return this.db
      .insert(analyses)
      .values({ ...analysis, status: "QUEUED", progressDone: 0, progressTotal: 0, revision: 0 })
      .returning()
      .get();
  }

  findById(id: string): AnalysisRow | undefined {
    return this.db.select().from(analyses).where(eq(analyses.id, id)).get();
  }

  findByIds(ids: readonly string[]): AnalysisRow[] {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(analyses)
      .where(inArray(analyses.id, [...ids]))
      .all();
  }

  /** A model's analyses, newest first. */
  listByModel(modelId: string, limit: number, offset: number): AnalysisRow[] {
    return this.db
      .select()
      .from(analyses)
      .where(eq(analyses.modelId, modelId))
      .orderBy(desc(analyses.createdAt), desc(analyses.id))
      .limit(limit)
      .offset(offset)
      .all();
  }

  countByModel(modelId: string): number {
    return this.db.select({ n: count() }).from(analyses).where(eq(analyses.modelId, modelId)).get()!.n;
  }

  idsWithStatus(status: AnalysisStatusValue): string[] {
    return this.db
      .select({ id: analyses.id })
      .from(analyses)
      .where(eq(analyses.status, status))
      .orderBy(asc(analyses.createdAt))
      .all()
      .map((r) => r.id);
  }

  /**
   * Applies `changes` and bumps the revision, only while the analysis is in one of `from` (so a cancelled
   * analysis is not set running, and a finished one is not finished twice). Undefined when it was not.
   */
  transition(
    id: string,
    from: readonly AnalysisStatusValue[],
    changes: Partial<Omit<AnalysisRow, "id" | "revision">>,
  ): AnalysisRow | undefined {
    return this.db
      .update(analyses)
      .set({ ...changes, revision: sql`${analyses.revision} + 1` })
      .where(and(eq(analyses.id, id), inArray(analyses.status, [...from])))
      .returning()
      .get();
  }

  /** Records one progress step of a running analysis. */
  recordProgress(id: string, progress: WorkerProgress): AnalysisRow | undefined {
    return this.transition(id, ["RUNNING"], {
      progressDone: progress.done,
      progressTotal: progress.total,
      phase: progress.phase,
      etaSeconds: progress.etaSeconds ?? null,
    });
  }

  /** Stores the scores and marks the analysis SUCCEEDED, together. */
  succeed(
    id: string,
    result: { images: number; baseAccuracy: number | null; filters: readonly ScoredFilter[] },
    now: string,
  ): AnalysisRow | undefined {
    return this.db.transaction((tx) => {
      const row = tx
        .update(analyses)
        .set({
          status: "SUCCEEDED",
          images: result.images,
          baseAccuracy: result.baseAccuracy,
          progressDone: sql`${analyses.progressTotal}`,
          phase: "done",
          etaSeconds: 0,
          finishedAt: now,
          revision: sql`${analyses.revision} + 1`,
        })
        .where(and(eq(analyses.id, id), eq(analyses.status, "RUNNING")))
        .returning()
        .get();
      if (!row) return undefined;
      for (const f of result.filters) {
        tx.insert(carScores)
          .values({
            analysisId: id,
            groupId: f.groupId,
            filterIndex: f.filter,
            rank: f.rank,
            drop: f.car?.drop ?? null,
            ci95Low: f.car?.ci95[0] ?? null,
            ci95High: f.car?.ci95[1] ?? null,
            rightToWrong: f.car?.rightToWrong ?? null,
            wrongToRight: f.car?.wrongToRight ?? null,
            lossIncrease: f.car?.lossIncrease ?? null,
            accuracyWithout: f.car?.accuracyWithout ?? null,
            classwise: classwiseJson(f.classwise),
          })
          .run();
      }
      return row;
    });
  }

  /** At start: analyses a stopped server left RUNNING can no longer finish. */
  interruptRunning(now: string, message: string): AnalysisRow[] {
    return this.db
      .update(analyses)
      .set({
        status: "INTERRUPTED",
        finishedAt: now,
        errorCode: "INTERRUPTED",
        errorMessage: message,
        revision: sql`${analyses.revision} + 1`,
      })
      .where(eq(analyses.status, "RUNNING"))
      .returning()
      .all();
  }

  /**
   * For each (model, group): the newest SUCCEEDED analysis of the model that scored the group, if any.
   * Keys are `${modelId}\u0000${groupId}`.
   */
  latestSucceeded(keys: ReadonlyArray<{ modelId: string; groupId: string }>): Map<string, string> {
    const found = new Map<string, string>();
    const modelIds = [...new Set(keys.map((k) => k.modelId))];
    if (modelIds.length === 0) return found;
    const rows = this.db.all<{ id: string; modelId: string; groupId: string }>(sql`
      SELECT a.id AS id, a.model_id AS modelId, g.value AS groupId
      FROM ${analyses} a, json_each(a.groups) g
      WHERE a.status = 'SUCCEEDED' AND a.model_id IN ${modelIds}
      ORDER BY a.finished_at DESC, a.id DESC`);
    for (const row of rows) {
      const key = `${row.modelId}\u0000${row.groupId}`;
      if (!found.has(key)) found.set(key, row.id);
    }
    return found;
  }

  /** Scores of some (analysis, group, filter) triples, for a DataLoader batch. */
  scores(keys: ReadonlyArray<{ analysisId: string; groupId: string }>): CarScoreRow[] {
    const analysisIds = [...new Set(keys.map((k) => k.analysisId))];
    if (analysisIds.length === 0) return [];
    return this.db.select().from(carScores).where(inArray(carScores.analysisId, analysisIds)).all();
  }
}
