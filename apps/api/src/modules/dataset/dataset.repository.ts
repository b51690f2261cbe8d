/** SQL for datasets and for the evaluations of models on them. */
import type { Kysely, Selectable } from "kysely";

import {
  type DB,
  type DatasetsTable,
  type ModelEvaluationsTable,
  fromJson,
  fromNullableJson,
} from "../../db/schema.js";
import type { ClassAccuracySummary, EvaluationSummary } from "../../jobs/worker-protocol.js";

export type DatasetSourceKindValue = "builtin" | "path" | "upload";
export type DatasetFormatValue = "builtin" | "idx" | "cifar10" | "image-folder";

export interface DatasetRow {
  id: string;
  name: string;
  description: string;
  sourceKind: DatasetSourceKindValue;
  format: DatasetFormatValue;
  location: string;
  classNames: string[];
  imageShape: [number, number, number];
  trainSize: number;
  validationSize: number | null;
  testSize: number;
  createdAt: string;
  /** null for a built-in dataset (every workspace reads it). */
  workspaceId: string | null;
}

export type EvaluationStatusValue = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED";

export interface EvaluationRow {
  id: string;
  modelId: string;
  datasetId: string;
  split: string;
  /** 0 = the whole split. */
  maxImages: number;
  seed: number;
  status: EvaluationStatusValue;
  images: number | null;
  accuracy: number | null;
  loss: number | null;
  perClass: ClassAccuracySummary[] | null;
  errorMessage: string | null;
  createdAt: string;
  finishedAt: string | null;
}

function toDatasetRow(row: Selectable<DatasetsTable>): DatasetRow {
  return {
    ...row,
    classNames: fromJson<string[]>(row.classNames),
    imageShape: fromJson<[number, number, number]>(row.imageShape),
  };
}

function toEvaluationRow(row: Selectable<ModelEvaluationsTable>): EvaluationRow {
  return { ...row, perClass: fromNullableJson<ClassAccuracySummary[]>(row.perClass) };
}

/** Which evaluation: a model, a dataset, a split and a sample of it. */
export interface EvaluationKey {
  modelId: string;
  datasetId: string;
  split: string;
  maxImages: number;
  seed: number;
}

export class DatasetRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: DatasetRow): Promise<DatasetRow> {
    await this.db
      .insertInto("datasets")
      .values({
        ...row,
        classNames: JSON.stringify(row.classNames),
        imageShape: JSON.stringify(row.imageShape),
      })
      .execute();
    return row;
  }

  async findById(id: string): Promise<DatasetRow | undefined> {
    const row = await this.db.selectFrom("datasets").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toDatasetRow(row);
  }

  async findByIds(ids: readonly string[]): Promise<DatasetRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("datasets")
      .selectAll()
      .where("id", "in", [...ids])
      .execute();
    return rows.map(toDatasetRow);
  }

  /**
   * The dataset registered with this location (a built-in name or a folder) that a workspace sees: built in,
   * or the workspace's own (the oldest); `null` looks at built-in datasets only.
   */
  async findByLocation(location: string, workspaceId: string | null): Promise<DatasetRow | undefined> {
    const row = await this.db
      .selectFrom("datasets")
      .selectAll()
      .where("location", "=", location)
      .where((eb) =>
        workspaceId === null
          ? eb("workspaceId", "is", null)
          : eb.or([eb("workspaceId", "is", null), eb("workspaceId", "=", workspaceId)]),
      )
      .orderBy("createdAt")
      .orderBy("id")
      .executeTakeFirst();
    return row && toDatasetRow(row);
  }

  /**
   * {@link findByLocation} for many (location, workspace) pairs in one query (a DataLoader batch); the
   * answers in the order of `keys`.
   */
  async findByLocations(
    keys: ReadonlyArray<{ location: string; workspaceId: string | null }>,
  ): Promise<Array<DatasetRow | undefined>> {
    if (keys.length === 0) return [];
    const rows = await this.db
      .selectFrom("datasets")
      .selectAll()
      .where(
        "location",
        "in",
        keys.map((k) => k.location),
      )
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return keys.map((key) => {
      const row = rows.find(
        (r) => r.location === key.location && (r.workspaceId === null || r.workspaceId === key.workspaceId),
      );
      return row && toDatasetRow(row);
    });
  }

  async all(): Promise<DatasetRow[]> {
    const rows = await this.db
      .selectFrom("datasets")
      .selectAll()
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return rows.map(toDatasetRow);
  }

  /** Built-in datasets and those of `workspaceIds` (what the caller may read). */
  async list(limit: number, offset: number, workspaceIds: readonly string[]): Promise<DatasetRow[]> {
    const rows = await this.visible(workspaceIds)
      .selectAll()
      .orderBy("createdAt")
      .orderBy("id")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toDatasetRow);
  }

  async count(workspaceIds: readonly string[]): Promise<number> {
    const row = await this.visible(workspaceIds)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private visible(workspaceIds: readonly string[]) {
    return this.db
      .selectFrom("datasets")
      .where((eb) =>
        eb.or([
          eb("workspaceId", "is", null),
          ...(workspaceIds.length > 0 ? [eb("workspaceId", "in", workspaceIds)] : []),
        ]),
      );
  }

  /** Deletes the dataset; its evaluations go with it (foreign key cascade). */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("datasets").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The evaluation of this key, creating it PENDING if there is none; `created` says which. */
  async upsertPending(
    key: EvaluationKey,
    id: string,
    now: string,
  ): Promise<{ row: EvaluationRow; created: boolean }> {
    const inserted = await this.db
      .insertInto("modelEvaluations")
      .values({ id, ...key, status: "PENDING", createdAt: now })
      .onConflict((oc) => oc.columns(["modelId", "datasetId", "split", "maxImages", "seed"]).doNothing())
      .executeTakeFirst();
    const row = await this.findEvaluation(key);
    return { row: row!, created: Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0 };
  }

  async findEvaluation(key: EvaluationKey): Promise<EvaluationRow | undefined> {
    const row = await this.db
      .selectFrom("modelEvaluations")
      .selectAll()
      .where("modelId", "=", key.modelId)
      .where("datasetId", "=", key.datasetId)
      .where("split", "=", key.split)
      .where("maxImages", "=", key.maxImages)
      .where("seed", "=", key.seed)
      .executeTakeFirst();
    return row && toEvaluationRow(row);
  }

  async evaluationById(id: string): Promise<EvaluationRow | undefined> {
    const row = await this.db
      .selectFrom("modelEvaluations")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toEvaluationRow(row);
  }

  /** Evaluations of several models (one query for a DataLoader batch), oldest first. */
  async evaluationsOf(modelIds: readonly string[]): Promise<EvaluationRow[]> {
    if (modelIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("modelEvaluations")
      .selectAll()
      .where("modelId", "in", [...modelIds])
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return rows.map(toEvaluationRow);
  }

  async idsWithStatus(statuses: EvaluationStatusValue[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom("modelEvaluations")
      .select("id")
      .where("status", "in", statuses)
      .orderBy("createdAt")
      .execute();
    return rows.map((r) => r.id);
  }

  /** Moves an evaluation from one of `from` to RUNNING; false if it was not in one of them. */
  async markRunning(id: string, from: EvaluationStatusValue[]): Promise<boolean> {
    const result = await this.db
      .updateTable("modelEvaluations")
      .set({ status: "RUNNING", errorMessage: null })
      .where("id", "=", id)
      .where("status", "in", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Back to PENDING (the server stopped while it ran; it runs again at the next start). */
  async markPending(id: string): Promise<void> {
    await this.db
      .updateTable("modelEvaluations")
      .set({ status: "PENDING" })
      .where("id", "=", id)
      .where("status", "=", "RUNNING")
      .execute();
  }

  async succeed(id: string, evaluation: EvaluationSummary, now: string): Promise<void> {
    await this.db
      .updateTable("modelEvaluations")
      .set({
        status: "SUCCEEDED",
        images: evaluation.images,
        accuracy: evaluation.accuracy,
        loss: evaluation.loss,
        perClass: JSON.stringify(evaluation.perClass),
        errorMessage: null,
        finishedAt: now,
      })
      .where("id", "=", id)
      .execute();
  }

  async fail(id: string, message: string, now: string): Promise<void> {
    await this.db
      .updateTable("modelEvaluations")
      .set({ status: "FAILED", errorMessage: message, finishedAt: now })
      .where("id", "=", id)
      .execute();
  }
}
