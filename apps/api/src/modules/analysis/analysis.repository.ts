/** SQL for analyses (CAR scoring jobs) and the scores they produce. */
import type { Kysely, Selectable, Updateable } from "kysely";

import {
  type AnalysesTable,
  type AnalysisStatusValue,
  type CarScoresTable,
  type DB,
  fromBool,
  fromJson,
  fromNullableJson,
} from "../../db/schema.js";
import type { ScoredFilter, WorkerProgress } from "../../jobs/worker-protocol.js";

export { ANALYSIS_STATUSES, type AnalysisStatusValue } from "../../db/schema.js";

export const FINAL_STATUSES: ReadonlySet<AnalysisStatusValue> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
]);

export interface AnalysisRow extends Omit<Selectable<AnalysesTable>, "layers" | "groups" | "classwise"> {
  layers: string[];
  groups: string[];
  classwise: boolean;
}

export interface CarScoreRow extends Omit<Selectable<CarScoresTable>, "dropValue" | "classwise"> {
  /** The CAR index: accuracy lost without the filter; null for a group's last remaining filter. */
  drop: number | null;
  /** Class-wise CAR per class index (null where a class had no image), or null. */
  classwise: Array<number | null> | null;
}

export type NewAnalysis = Pick<
  AnalysisRow,
  "id" | "modelId" | "layers" | "groups" | "split" | "classwise" | "maxImages" | "seed" | "createdAt"
> &
  /** The dataset when it is not the model's own (see migration 0003). */
  Partial<Pick<AnalysisRow, "datasetId" | "dataset">>;

/** What a state change may set; the revision is bumped by the repository. */
export type AnalysisChanges = Omit<
  Updateable<AnalysesTable>,
  "id" | "modelId" | "revision" | "layers" | "groups" | "classwise"
>;

export function toAnalysisRow(row: Selectable<AnalysesTable>): AnalysisRow {
  return {
    ...row,
    layers: fromJson(row.layers),
    groups: fromJson(row.groups),
    classwise: fromBool(row.classwise),
  };
}

export function toCarScoreRow(row: Selectable<CarScoresTable>): CarScoreRow {
  const { dropValue, classwise, ...rest } = row;
  return {
    analysisId: rest.analysisId,
    groupId: rest.groupId,
    filterIndex: rest.filterIndex,
    rank: rest.rank,
    drop: dropValue,
    ci95Low: rest.ci95Low,
    ci95High: rest.ci95High,
    rightToWrong: rest.rightToWrong,
    wrongToRight: rest.wrongToRight,
    lossIncrease: rest.lossIncrease,
    accuracyWithout: rest.accuracyWithout,
    classwise: fromNullableJson(classwise),
  };
}

/** JSON has no NaN: a class with no image in the set is stored as null. */
function classwiseJson(values: Float64Array | null): string | null {
  return values ? JSON.stringify(Array.from(values, (v) => (Number.isFinite(v) ? v : null))) : null;
}

/** Scores are inserted this many rows per statement (13 parameters a row, far below either dialect's limit). */
const SCORE_BATCH = 500;

export class AnalysisRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(analysis: NewAnalysis): Promise<AnalysisRow> {
    const row = await this.db
      .insertInto("analyses")
      .values({
        ...analysis,
        layers: JSON.stringify(analysis.layers),
        groups: JSON.stringify(analysis.groups),
        status: "QUEUED",
        progressDone: 0,
        progressTotal: 0,
        revision: 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAnalysisRow(row);
  }

  async findById(id: string): Promise<AnalysisRow | undefined> {
    const row = await this.db.selectFrom("analyses").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toAnalysisRow(row);
  }

  async findByIds(ids: readonly string[]): Promise<AnalysisRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("analyses").selectAll().where("id", "in", ids).execute();
    return rows.map(toAnalysisRow);
  }

  /** A model's analyses, newest first. */
  /** A model's analyses newest first, only those with one of `statuses` when given. */
  async listByModel(
    modelId: string,
    limit: number,
    offset: number,
    statuses?: readonly AnalysisStatusValue[],
  ): Promise<AnalysisRow[]> {
    if (statuses?.length === 0) return [];
    let query = this.db.selectFrom("analyses").selectAll().where("modelId", "=", modelId);
    if (statuses) query = query.where("status", "in", [...statuses]);
    const rows = await query
      .orderBy("createdAt", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toAnalysisRow);
  }

  async countByModel(modelId: string, statuses?: readonly AnalysisStatusValue[]): Promise<number> {
    if (statuses?.length === 0) return 0;
    let query = this.db
      .selectFrom("analyses")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("modelId", "=", modelId);
    if (statuses) query = query.where("status", "in", [...statuses]);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async idsWithStatus(status: AnalysisStatusValue): Promise<string[]> {
    const rows = await this.db
      .selectFrom("analyses")
      .select("id")
      .where("status", "=", status)
      .orderBy("createdAt", "asc")
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Applies `changes` and bumps the revision, only while the analysis is in one of `from` (so a cancelled
   * analysis is not set running, and a finished one is not finished twice). Undefined when it was not.
   */
  async transition(
    id: string,
    from: readonly AnalysisStatusValue[],
    changes: AnalysisChanges,
  ): Promise<AnalysisRow | undefined> {
    const row = await this.db
      .updateTable("analyses")
      .set((eb) => ({ ...changes, revision: eb("revision", "+", 1) }))
      .where("id", "=", id)
      .where("status", "in", from)
      .returningAll()
      .executeTakeFirst();
    return row && toAnalysisRow(row);
  }

  /** Records one progress step of a running analysis. */
  recordProgress(id: string, progress: WorkerProgress): Promise<AnalysisRow | undefined> {
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
  ): Promise<AnalysisRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("analyses")
        .set((eb) => ({
          status: "SUCCEEDED" as const,
          images: result.images,
          baseAccuracy: result.baseAccuracy,
          progressDone: eb.ref("progressTotal"),
          phase: "done",
          etaSeconds: 0,
          finishedAt: now,
          revision: eb("revision", "+", 1),
        }))
        .where("id", "=", id)
        .where("status", "=", "RUNNING")
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      for (let start = 0; start < result.filters.length; start += SCORE_BATCH) {
        await trx
          .insertInto("carScores")
          .values(
            result.filters.slice(start, start + SCORE_BATCH).map((f) => ({
              analysisId: id,
              groupId: f.groupId,
              filterIndex: f.filter,
              rank: f.rank,
              dropValue: f.car?.drop ?? null,
              ci95Low: f.car?.ci95[0] ?? null,
              ci95High: f.car?.ci95[1] ?? null,
              rightToWrong: f.car?.rightToWrong ?? null,
              wrongToRight: f.car?.wrongToRight ?? null,
              lossIncrease: f.car?.lossIncrease ?? null,
              accuracyWithout: f.car?.accuracyWithout ?? null,
              classwise: classwiseJson(f.classwise),
            })),
          )
          .execute();
      }
      return toAnalysisRow(row);
    });
  }

  /** At start: analyses a stopped server left RUNNING can no longer finish. */
  async interruptRunning(now: string, message: string): Promise<AnalysisRow[]> {
    const rows = await this.db
      .updateTable("analyses")
      .set((eb) => ({
        status: "INTERRUPTED" as const,
        finishedAt: now,
        errorCode: "INTERRUPTED",
        errorMessage: message,
        revision: eb("revision", "+", 1),
      }))
      .where("status", "=", "RUNNING")
      .returningAll()
      .execute();
    return rows.map(toAnalysisRow);
  }

  /**
   * For each (model, group): the newest SUCCEEDED analysis of the model that scored the group, if any.
   * Keys are `${modelId}\u0000${groupId}`. The groups are matched here rather than in SQL, where SQLite's
   * json_each and Postgres's jsonb_array_elements_text would need two queries.
   */
  async latestSucceeded(
    keys: ReadonlyArray<{ modelId: string; groupId: string }>,
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const modelIds = [...new Set(keys.map((k) => k.modelId))];
    if (modelIds.length === 0) return found;
    const rows = await this.db
      .selectFrom("analyses")
      .select(["id", "modelId", "groups"])
      .where("status", "=", "SUCCEEDED")
      .where("modelId", "in", modelIds)
      .orderBy("finishedAt", "desc")
      .orderBy("id", "desc")
      .execute();
    for (const row of rows) {
      for (const groupId of fromJson<string[]>(row.groups)) {
        const key = `${row.modelId}\u0000${groupId}`;
        if (!found.has(key)) found.set(key, row.id);
      }
    }
    return found;
  }

  /** Scores of some (analysis, group) pairs, for a DataLoader batch. */
  async scores(keys: ReadonlyArray<{ analysisId: string; groupId: string }>): Promise<CarScoreRow[]> {
    const analysisIds = [...new Set(keys.map((k) => k.analysisId))];
    if (analysisIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("carScores")
      .selectAll()
      .where("analysisId", "in", analysisIds)
      .execute();
    return rows.map(toCarScoreRow);
  }
}
