/** SQL for pruning runs and their steps. */
import { type Kysely, type Selectable, type Updateable, sql } from "kysely";

import {
  type DB,
  type PruningRunStatusValue,
  type PruningRunsTable,
  type PruningStepsTable,
  fromJson,
  fromNullableJson,
} from "../../db/schema.js";
import type { PruneStepRecord, PruningResult } from "../../jobs/pruning-protocol.js";

export const FINAL_RUN_STATUSES: ReadonlySet<PruningRunStatusValue> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
]);

/** Accuracy (selection and test) and size of a network at one end of a run. */
export type NetworkSummary = PruningResult["original"];

/** A run as the services see it: JSON columns parsed. */
export interface PruningRunRow extends Omit<
  Selectable<PruningRunsTable>,
  | "layers"
  | "groups"
  | "protectClasses"
  | "classNames"
  | "originalSummary"
  | "finalSummary"
  | "reproducibility"
> {
  layers: string[];
  groups: string[];
  protectClasses: number[] | null;
  classNames: string[];
  originalSummary: NetworkSummary | null;
  finalSummary: NetworkSummary | null;
  reproducibility: unknown;
}

export interface PruningStepRow {
  runId: string;
  step: number;
  /** Core's PruneStep as the worker reported it (NaN stored as null). */
  details: PruneStepRecord;
  checkpoint: string | null;
  createdAt: string;
}

export type NewPruningRun = Omit<
  PruningRunRow,
  | "status"
  | "stepsDone"
  | "phase"
  | "etaSeconds"
  | "originalSummary"
  | "finalSummary"
  | "stopReason"
  | "resultModelId"
  | "reproducibility"
  | "errorCode"
  | "errorMessage"
  | "resumes"
  | "revision"
  | "startedAt"
  | "finishedAt"
>;

/** What a state change may set (JSON columns as values); the revision is bumped by the repository. */
export type PruningRunChanges = Omit<
  Updateable<PruningRunsTable>,
  | "id"
  | "modelId"
  | "revision"
  | "layers"
  | "groups"
  | "protectClasses"
  | "classNames"
  | "originalSummary"
  | "finalSummary"
  | "reproducibility"
> & {
  originalSummary?: NetworkSummary | null;
  finalSummary?: NetworkSummary | null;
  reproducibility?: unknown;
};

function toRunRow(row: Selectable<PruningRunsTable>): PruningRunRow {
  return {
    ...row,
    layers: fromJson(row.layers),
    groups: fromJson(row.groups),
    protectClasses: fromNullableJson(row.protectClasses),
    classNames: fromJson(row.classNames),
    originalSummary: fromNullableJson(row.originalSummary),
    finalSummary: fromNullableJson(row.finalSummary),
    reproducibility: fromNullableJson(row.reproducibility),
  };
}

function toStepRow(
  row: Pick<Selectable<PruningStepsTable>, "runId" | "step" | "details" | "checkpoint" | "createdAt">,
) {
  return {
    runId: row.runId,
    step: row.step,
    details: fromJson<PruneStepRecord>(row.details),
    checkpoint: row.checkpoint,
    createdAt: row.createdAt,
  };
}

/** JSON text for a JSON column; NaN (a class without images) becomes null. */
function json(value: unknown): string {
  return JSON.stringify(value);
}

function jsonChanges(changes: PruningRunChanges) {
  const { originalSummary, finalSummary, reproducibility, ...rest } = changes;
  return {
    ...rest,
    ...(originalSummary !== undefined
      ? { originalSummary: originalSummary === null ? null : json(originalSummary) }
      : {}),
    ...(finalSummary !== undefined
      ? { finalSummary: finalSummary === null ? null : json(finalSummary) }
      : {}),
    ...(reproducibility !== undefined
      ? { reproducibility: reproducibility === null ? null : json(reproducibility) }
      : {}),
  };
}

export class PruningRunRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(run: NewPruningRun): Promise<PruningRunRow> {
    const row = await this.db
      .insertInto("pruningRuns")
      .values({
        ...run,
        layers: json(run.layers),
        groups: json(run.groups),
        protectClasses: run.protectClasses === null ? null : json(run.protectClasses),
        classNames: json(run.classNames),
        status: "QUEUED",
        stepsDone: 0,
        resumes: 0,
        revision: 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRunRow(row);
  }

  async findById(id: string): Promise<PruningRunRow | undefined> {
    const row = await this.db.selectFrom("pruningRuns").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toRunRow(row);
  }

  async findByIds(ids: readonly string[]): Promise<PruningRunRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("pruningRuns").selectAll().where("id", "in", ids).execute();
    return rows.map(toRunRow);
  }

  /** A model's runs, newest first. */
  /** A model's runs, newest first; with `onlyIds`, just those of them. */
  async listByModel(
    modelId: string,
    limit: number,
    offset: number,
    onlyIds: readonly string[] | null = null,
  ): Promise<PruningRunRow[]> {
    const rows = await this.ofModel(modelId, onlyIds)
      .selectAll()
      .orderBy("createdAt", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toRunRow);
  }

  async countByModel(modelId: string, onlyIds: readonly string[] | null = null): Promise<number> {
    const row = await this.ofModel(modelId, onlyIds)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private ofModel(modelId: string, onlyIds: readonly string[] | null) {
    const query = this.db.selectFrom("pruningRuns").where("modelId", "=", modelId);
    return onlyIds === null
      ? query
      : query.where((eb) => eb.or(onlyIds.length > 0 ? [eb("id", "in", onlyIds)] : []));
  }

  /** The runs `filter` keeps (of one status; visible to the caller), newest first. */
  async list(limit: number, offset: number, filter: RunListFilter = {}): Promise<PruningRunRow[]> {
    const rows = await this.listed(filter)
      .selectAll("pruningRuns")
      .orderBy("createdAt", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toRunRow);
  }

  async count(filter: RunListFilter = {}): Promise<number> {
    const row = await this.listed(filter)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private listed(filter: RunListFilter) {
    let query = this.db.selectFrom("pruningRuns");
    if (filter.status) query = query.where("status", "=", filter.status);
    const visible = filter.visible;
    if (visible) {
      // A run is its model's workspace's.
      query = query.where((eb) =>
        eb.or([
          ...(visible.workspaceIds.length > 0
            ? [
                eb(
                  "modelId",
                  "in",
                  eb
                    .selectFrom("models")
                    .select("models.id")
                    .where("models.workspaceId", "in", visible.workspaceIds),
                ),
              ]
            : []),
          ...(visible.ids.length > 0 ? [eb("pruningRuns.id", "in", visible.ids)] : []),
        ]),
      );
    }
    return query;
  }

  /** The run whose compressed model is `modelId`, for each of some models (a DataLoader batch). */
  async producersOf(modelIds: readonly string[]): Promise<PruningRunRow[]> {
    if (modelIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("pruningRuns")
      .selectAll()
      .where("resultModelId", "in", modelIds)
      .execute();
    return rows.map(toRunRow);
  }

  async idsWithStatus(status: PruningRunStatusValue): Promise<string[]> {
    const rows = await this.db
      .selectFrom("pruningRuns")
      .select("id")
      .where("status", "=", status)
      .orderBy("createdAt", "asc")
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Applies `changes` and bumps the revision, only while the run is in one of `from` (so a cancelled run is
   * not set running, and a finished one is not finished twice). Undefined when it was not.
   */
  async transition(
    id: string,
    from: readonly PruningRunStatusValue[],
    changes: PruningRunChanges,
  ): Promise<PruningRunRow | undefined> {
    const row = await this.db
      .updateTable("pruningRuns")
      .set({ ...jsonChanges(changes), revision: sql<number>`revision + 1` })
      .where("id", "=", id)
      .where("status", "in", [...from])
      .returningAll()
      .executeTakeFirst();
    return row && toRunRow(row);
  }

  /**
   * Persists one step and the run's progress together, only while the run is RUNNING (a step a cancelled
   * run's worker reports late is dropped). Undefined when it was not.
   */
  async recordStep(
    id: string,
    step: PruneStepRecord,
    checkpoint: string | null,
    progress: { etaSeconds: number | null; phase: string },
    now: string,
  ): Promise<{ run: PruningRunRow; step: PruningStepRow } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const run = await tx
        .updateTable("pruningRuns")
        .set({
          stepsDone: step.step,
          etaSeconds: progress.etaSeconds,
          phase: progress.phase,
          revision: sql<number>`revision + 1`,
        })
        .where("id", "=", id)
        .where("status", "=", "RUNNING")
        .returningAll()
        .executeTakeFirst();
      if (!run) return undefined;
      const inserted = await tx
        .insertInto("pruningSteps")
        .values({
          runId: id,
          step: step.step,
          details: json(step),
          selectionAccuracy: step.evaluation.accuracy,
          testAccuracy: step.test?.accuracy ?? null,
          params: step.params,
          flops: step.flops,
          elapsedSeconds: step.elapsedSeconds,
          checkpoint,
          createdAt: now,
        })
        .returning(["runId", "step", "details", "checkpoint", "createdAt"])
        .executeTakeFirstOrThrow();
      return { run: toRunRow(run), step: toStepRow(inserted) };
    });
  }

  /** A run's steps in order. */
  async steps(runId: string): Promise<PruningStepRow[]> {
    const rows = await this.db
      .selectFrom("pruningSteps")
      .select(["runId", "step", "details", "checkpoint", "createdAt"])
      .where("runId", "=", runId)
      .orderBy("step", "asc")
      .execute();
    return rows.map(toStepRow);
  }

  /** Steps of several runs in order (one query for a DataLoader batch). */
  async stepsOf(runIds: readonly string[]): Promise<PruningStepRow[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("pruningSteps")
      .select(["runId", "step", "details", "checkpoint", "createdAt"])
      .where("runId", "in", runIds)
      .orderBy("runId")
      .orderBy("step", "asc")
      .execute();
    return rows.map(toStepRow);
  }

  async countSteps(runId: string): Promise<number> {
    const row = await this.db
      .selectFrom("pruningSteps")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("runId", "=", runId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Forgets the checkpoint folders of steps before `step` (their files were deleted). */
  async clearCheckpointsBefore(runId: string, step: number): Promise<void> {
    await this.db
      .updateTable("pruningSteps")
      .set({ checkpoint: null })
      .where("runId", "=", runId)
      .where("step", "<", step)
      .where("checkpoint", "is not", null)
      .execute();
  }

  /** At start: runs a stopped server left RUNNING can no longer finish by themselves; they can be resumed. */
  async interruptRunning(now: string, message: string): Promise<PruningRunRow[]> {
    const rows = await this.db
      .updateTable("pruningRuns")
      .set({
        status: "INTERRUPTED",
        finishedAt: now,
        phase: null,
        etaSeconds: null,
        errorCode: "INTERRUPTED",
        errorMessage: message,
        revision: sql<number>`revision + 1`,
      })
      .where("status", "=", "RUNNING")
      .returningAll()
      .execute();
    return rows.map(toRunRow);
  }

  /** Deletes the run; its steps go with it (foreign key). Returns how many steps it had, or undefined. */
  async delete(id: string): Promise<{ steps: number } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const found = await tx.selectFrom("pruningRuns").select("id").where("id", "=", id).executeTakeFirst();
      if (!found) return undefined;
      const counted = await tx
        .selectFrom("pruningSteps")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("runId", "=", id)
        .executeTakeFirstOrThrow();
      await tx.deleteFrom("pruningRuns").where("id", "=", id).execute();
      return { steps: Number(counted.n) };
    });
  }
}

export interface RunListFilter {
  status?: PruningRunStatusValue | undefined;
  /** Only runs of models of these workspaces, or with these ids (what the caller may read). */
  visible?: { workspaceIds: readonly string[]; ids: readonly string[] };
}
