/** SQL for annotations: labels of filters, comments on filters and runs. */
import type { Kysely, Selectable } from "kysely";

import type { AnnotationsTable, DB } from "../../db/schema.js";

export type AnnotationRow = Selectable<AnnotationsTable>;

/** An annotation with its author's name (null once the author's account is deleted). */
export interface AnnotationWithAuthor extends AnnotationRow {
  authorName: string | null;
}

export class AnnotationRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private select() {
    return this.db
      .selectFrom("annotations")
      .leftJoin("users", "users.id", "annotations.authorId")
      .selectAll("annotations")
      .select("users.displayName as authorName");
  }

  async insert(row: AnnotationRow): Promise<AnnotationWithAuthor> {
    await this.db.insertInto("annotations").values(row).execute();
    return (await this.findById(row.id))!;
  }

  async findById(id: string): Promise<AnnotationWithAuthor | undefined> {
    return this.select().where("annotations.id", "=", id).executeTakeFirst();
  }

  async update(id: string, body: string, now: string): Promise<void> {
    await this.db.updateTable("annotations").set({ body, updatedAt: now }).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("annotations").where("id", "=", id).execute();
  }

  /**
   * A workspace's annotations of a model's filters, oldest first: of one layer, or of one filter of it; only
   * labels or only comments when `kind` is given.
   */
  async ofFilters(
    workspaceId: string,
    filter: { modelId: string; layerName?: string | undefined; filterIndex?: number | undefined },
    kind?: AnnotationRow["kind"],
  ): Promise<AnnotationWithAuthor[]> {
    let query = this.select()
      .where("annotations.workspaceId", "=", workspaceId)
      .where("annotations.targetKind", "=", "FILTER")
      .where("annotations.modelId", "=", filter.modelId);
    if (filter.layerName !== undefined) query = query.where("annotations.layerName", "=", filter.layerName);
    if (filter.filterIndex !== undefined)
      query = query.where("annotations.filterIndex", "=", filter.filterIndex);
    if (kind !== undefined) query = query.where("annotations.kind", "=", kind);
    return query
      .orderBy("annotations.layerName")
      .orderBy("annotations.filterIndex")
      .orderBy("annotations.createdAt")
      .orderBy("annotations.id")
      .execute();
  }

  /** A workspace's comments on a run, oldest first. */
  async ofRun(workspaceId: string, runId: string): Promise<AnnotationWithAuthor[]> {
    return this.select()
      .where("annotations.workspaceId", "=", workspaceId)
      .where("annotations.targetKind", "=", "RUN")
      .where("annotations.runId", "=", runId)
      .orderBy("annotations.createdAt")
      .orderBy("annotations.id")
      .execute();
  }

  /**
   * Annotations of the filters of some layers (for a DataLoader batch), oldest first; only those of the
   * model's own workspace.
   */
  async ofLayers(
    keys: ReadonlyArray<{ modelId: string; layerName: string }>,
  ): Promise<AnnotationWithAuthor[]> {
    if (keys.length === 0) return [];
    return this.select()
      .innerJoin("models", "models.id", "annotations.modelId")
      .whereRef("models.workspaceId", "=", "annotations.workspaceId")
      .where("annotations.targetKind", "=", "FILTER")
      .where((eb) =>
        eb.or(
          keys.map((k) =>
            eb.and([
              eb("annotations.modelId", "=", k.modelId),
              eb("annotations.layerName", "=", k.layerName),
            ]),
          ),
        ),
      )
      .orderBy("annotations.createdAt")
      .orderBy("annotations.id")
      .execute();
  }

  /** Comments on some runs (for a DataLoader batch), oldest first; only those of the run's own workspace. */
  async ofRuns(runIds: readonly string[]): Promise<AnnotationWithAuthor[]> {
    if (runIds.length === 0) return [];
    return this.select()
      .innerJoin("pruningRuns", "pruningRuns.id", "annotations.runId")
      .innerJoin("models", "models.id", "pruningRuns.modelId")
      .whereRef("models.workspaceId", "=", "annotations.workspaceId")
      .where("annotations.targetKind", "=", "RUN")
      .where("annotations.runId", "in", runIds)
      .orderBy("annotations.createdAt")
      .orderBy("annotations.id")
      .execute();
  }

  /** Whether the model of the workspace has this filter. */
  async filterExists(
    workspaceId: string,
    modelId: string,
    layerName: string,
    filterIndex: number,
  ): Promise<boolean> {
    const row = await this.db
      .selectFrom("filters")
      .innerJoin("models", "models.id", "filters.modelId")
      .select("filters.filterIndex")
      .where("filters.modelId", "=", modelId)
      .where("filters.layerName", "=", layerName)
      .where("filters.filterIndex", "=", filterIndex)
      .where("models.workspaceId", "=", workspaceId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether the run is of a model of the workspace. */
  async runExists(workspaceId: string, runId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("pruningRuns")
      .innerJoin("models", "models.id", "pruningRuns.modelId")
      .select("pruningRuns.id")
      .where("pruningRuns.id", "=", runId)
      .where("models.workspaceId", "=", workspaceId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
