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

  async filterExists(modelId: string, layerName: string, filterIndex: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("filters")
      .select("filterIndex")
      .where("modelId", "=", modelId)
      .where("layerName", "=", layerName)
      .where("filterIndex", "=", filterIndex)
      .executeTakeFirst();
    return row !== undefined;
  }

  async runExists(runId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("pruningRuns")
      .select("id")
      .where("id", "=", runId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
