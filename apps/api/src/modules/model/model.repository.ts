/** SQL for models, their layers and their filters (the static facts read once at registration). */
import { and, asc, count, desc, eq, getTableColumns, isNull, or, sql } from "drizzle-orm";

import type { Db } from "../../db/database.js";
import {
  analyses,
  carScores,
  filters,
  layers,
  models,
  type LayerRow,
  type ModelRow,
} from "../../db/tables.js";
import type { InspectResult, ModelSource } from "../../jobs/worker-protocol.js";

/** What deleting a model took with it. */
export interface DeletedModel {
  layers: number;
  filters: number;
  analyses: number;
  carScores: number;
}

const { weightPng: _weightPng, ...filterColumnsWithoutImage } = getTableColumns(filters);

export class ModelRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a model with its layers and filters in one transaction: nothing half-registered stays behind. */
  insert(id: string, source: ModelSource, inspected: InspectResult, now: string): ModelRow {
    return this.db.transaction((tx) => {
      const row = tx
        .insert(models)
        .values({
          id,
          name: inspected.name,
          description: inspected.description,
          sourceKind: source.kind,
          source: source.kind === "demo" ? source.name : source.path,
          dataset: inspected.dataset,
          topology: inspected.topology,
          inputShape: inspected.inputShape,
          classNames: inspected.classNames,
          params: inspected.params,
          flops: inspected.flops,
          sizeBytes: inspected.sizeBytes,
          testAccuracy: inspected.testAccuracy,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      for (const l of inspected.layers) {
        tx.insert(layers)
          .values({
            modelId: id,
            position: l.index,
            name: l.name,
            className: l.className,
            outputShape: l.outputShape,
            filters: l.filters,
            kernelSize: l.kernelSize,
            activation: l.activation,
            params: l.params,
            flops: l.flops,
            prunable: l.prunable,
            groupId: l.groupId,
          })
          .run();
      }
      for (const f of inspected.filters) {
        tx.insert(filters)
          .values({
            modelId: id,
            layerName: f.layerName,
            groupId: f.groupId,
            filterIndex: f.index,
            l1Norm: f.l1Norm,
            weightPng: f.weightPng ? Buffer.from(f.weightPng) : null,
          })
          .run();
      }
      return row;
    });
  }

  findById(id: string): ModelRow | undefined {
    return this.db.select().from(models).where(eq(models.id, id)).get();
  }

  findByIds(ids: readonly string[]): ModelRow[] {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(models)
      .where(sql`${models.id} IN ${ids}`)
      .all();
  }

  findDemo(name: string): ModelRow | undefined {
    return this.db
      .select()
      .from(models)
      .where(and(eq(models.sourceKind, "demo"), eq(models.source, name)))
      .get();
  }

  /** Models oldest first; `after` is the position of the last one already seen. */
  list(limit: number, offset: number): ModelRow[] {
    return this.db
      .select()
      .from(models)
      .orderBy(asc(models.createdAt), asc(models.id))
      .limit(limit)
      .offset(offset)
      .all();
  }

  count(): number {
    return this.db.select({ n: count() }).from(models).get()!.n;
  }

  rename(id: string, name: string, now: string): ModelRow | undefined {
    return this.db.update(models).set({ name, updatedAt: now }).where(eq(models.id, id)).returning().get();
  }

  /** Deletes the model; foreign keys cascade to its layers, filters, analyses and their scores. */
  delete(id: string): DeletedModel | undefined {
    return this.db.transaction((tx) => {
      if (!tx.select({ id: models.id }).from(models).where(eq(models.id, id)).get()) return undefined;
      const counted: DeletedModel = {
        layers: tx.select({ n: count() }).from(layers).where(eq(layers.modelId, id)).get()!.n,
        filters: tx.select({ n: count() }).from(filters).where(eq(filters.modelId, id)).get()!.n,
        analyses: tx.select({ n: count() }).from(analyses).where(eq(analyses.modelId, id)).get()!.n,
        carScores: tx
          .select({ n: count() })
          .from(carScores)
          .innerJoin(analyses, eq(carScores.analysisId, analyses.id))
          .where(eq(analyses.modelId, id))
          .get()!.n,
      };
      tx.delete(models).where(eq(models.id, id)).run();
      return counted;
    });
  }

  /** Layers of several models in position order (one query for a DataLoader batch). */
  layersOf(modelIds: readonly string[]): LayerRow[] {
    if (modelIds.length === 0) return [];
    return this.db
      .select()
      .from(layers)
      .where(sql`${layers.modelId} IN ${modelIds}`)
      .orderBy(asc(layers.modelId), asc(layers.position))
      .all();
  }

  /**
   * One page of a layer's filters, each with its CAR score in `analysisId` (null when that analysis did not
   * score it, or no analysis is given). Filters without a score come last in a CAR ordering.
   */
  filterPage(query: FilterPageQuery): { rows: FilterWithScore[]; total: number } {
    const where = and(eq(filters.modelId, query.modelId), eq(filters.layerName, query.layerName));
    const direction = query.direction === "DESC" ? desc : asc;
    const order =
      query.orderBy === "CAR"
        ? [asc(isNull(carScores.rank)), direction(carScores.rank), asc(filters.filterIndex)]
        : query.orderBy === "L1_NORM"
          ? [direction(filters.l1Norm), asc(filters.filterIndex)]
          : [direction(filters.filterIndex)];
    const rows = this.db
      .select({ filter: filterColumnsWithoutImage, score: carScores })
      .from(filters)
      .leftJoin(
        carScores,
        and(
          eq(carScores.analysisId, query.analysisId ?? ""),
          eq(carScores.groupId, filters.groupId),
          eq(carScores.filterIndex, filters.filterIndex),
        ),
      )
      .where(where)
      .orderBy(...order)
      .limit(query.limit)
      .offset(query.offset)
      .all();
    const total = this.db.select({ n: count() }).from(filters).where(where).get()!.n;
    return { rows, total };
  }

  /** Kernel images by (model, layer, filter), for a DataLoader batch. */
  weightImages(keys: ReadonlyArray<{ modelId: string; layerName: string; index: number }>): Array<{
    modelId: string;
    layerName: string;
    filterIndex: number;
    weightPng: Buffer | null;
  }> {
    if (keys.length === 0) return [];
    const match = or(
      ...keys.map((k) =>
        and(
          eq(filters.modelId, k.modelId),
          eq(filters.layerName, k.layerName),
          eq(filters.filterIndex, k.index),
        ),
      ),
    );
    return this.db
      .select({
        modelId: filters.modelId,
        layerName: filters.layerName,
        filterIndex: filters.filterIndex,
        weightPng: filters.weightPng,
      })
      .from(filters)
      .where(match)
      .all();
  }
}

export type FilterOrderField = "INDEX" | "CAR" | "L1_NORM";

export interface FilterPageQuery {
  modelId: string;
  layerName: string;
  analysisId: string | null;
  orderBy: FilterOrderField;
  direction: "ASC" | "DESC";
  limit: number;
  offset: number;
}

export type FilterWithScore = {
  filter: Omit<typeof filters.$inferSelect, "weightPng">;
  score: typeof carScores.$inferSelect | null;
};
