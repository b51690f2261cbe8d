/** SQL for models, their layers and their filters (the static facts read once at registration). */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";

import {
  type DB,
  type FiltersTable,
  type LayersTable,
  type ModelsTable,
  fromBool,
  fromJson,
  fromNullableJson,
} from "../../db/schema.js";
import type { InspectResult, ModelSource } from "../../jobs/worker-protocol.js";
import { type CarScoreRow, toCarScoreRow } from "../analysis/analysis.repository.js";

export interface ModelRow extends Omit<Selectable<ModelsTable>, "inputShape" | "classNames"> {
  inputShape: Array<number | null>;
  classNames: string[];
}

export interface LayerRow extends Omit<Selectable<LayersTable>, "outputShape" | "kernelSize" | "prunable"> {
  outputShape: Array<number | null>;
  kernelSize: number[] | null;
  prunable: boolean;
}

export type FilterRow = Omit<Selectable<FiltersTable>, "weightPng">;

export function toModelRow(row: Selectable<ModelsTable>): ModelRow {
  return { ...row, inputShape: fromJson(row.inputShape), classNames: fromJson(row.classNames) };
}

function toLayerRow(row: Selectable<LayersTable>): LayerRow {
  return {
    ...row,
    outputShape: fromJson(row.outputShape),
    kernelSize: fromNullableJson(row.kernelSize),
    prunable: fromBool(row.prunable),
  };
}

/** What deleting a model took with it. */
export interface DeletedModel {
  layers: number;
  filters: number;
  analyses: number;
  carScores: number;
}

/** Filters inserted per statement (6 parameters each). */
const FILTER_BATCH = 256;

const FILTER_COLUMNS = ["modelId", "layerName", "groupId", "filterIndex", "l1Norm"] as const;

export class ModelRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Inserts a model with its layers and filters in one transaction: nothing half-registered stays behind. */
  insert(
    id: string,
    source: ModelSource,
    inspected: InspectResult,
    now: string,
    workspaceId: string,
  ): Promise<ModelRow> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("models")
        .values({
          id,
          name: inspected.name,
          description: inspected.description,
          sourceKind: source.kind,
          source: source.kind === "demo" ? source.name : source.path,
          dataset: inspected.dataset,
          topology: inspected.topology,
          inputShape: JSON.stringify(inspected.inputShape),
          classNames: JSON.stringify(inspected.classNames),
          params: inspected.params,
          flops: inspected.flops,
          sizeBytes: inspected.sizeBytes,
          testAccuracy: inspected.testAccuracy,
          createdAt: now,
          updatedAt: now,
          workspaceId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (inspected.layers.length > 0) {
        await trx
          .insertInto("layers")
          .values(
            inspected.layers.map((l) => ({
              modelId: id,
              position: l.index,
              name: l.name,
              className: l.className,
              outputShape: JSON.stringify(l.outputShape),
              filters: l.filters,
              kernelSize: l.kernelSize === null ? null : JSON.stringify(l.kernelSize),
              activation: l.activation,
              params: l.params,
              flops: l.flops,
              prunable: l.prunable,
              groupId: l.groupId,
            })),
          )
          .execute();
      }
      // In batches: one statement per filter is a round trip each on Postgres, one for all of them can hold
      // tens of megabytes of kernel images.
      for (let start = 0; start < inspected.filters.length; start += FILTER_BATCH) {
        await trx
          .insertInto("filters")
          .values(
            inspected.filters.slice(start, start + FILTER_BATCH).map((f) => ({
              modelId: id,
              layerName: f.layerName,
              groupId: f.groupId,
              filterIndex: f.index,
              l1Norm: f.l1Norm,
              weightPng: f.weightPng ? Buffer.from(f.weightPng) : null,
            })),
          )
          .execute();
      }
      return toModelRow(row);
    });
  }

  async findById(id: string): Promise<ModelRow | undefined> {
    const row = await this.db.selectFrom("models").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toModelRow(row);
  }

  async findByIds(ids: readonly string[]): Promise<ModelRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("models").selectAll().where("id", "in", ids).execute();
    return rows.map(toModelRow);
  }

  /** The demo `name` as registered in a workspace. */
  async findDemo(name: string, workspaceId: string): Promise<ModelRow | undefined> {
    const row = await this.db
      .selectFrom("models")
      .selectAll()
      .where("sourceKind", "=", "demo")
      .where("source", "=", name)
      .where("workspaceId", "=", workspaceId)
      .executeTakeFirst();
    return row && toModelRow(row);
  }

  /** Models oldest first, or as `options` order and narrow them. */
  async list(limit: number, offset: number, options: ModelListOptions = {}): Promise<ModelRow[]> {
    const direction = options.direction === "DESC" ? "desc" : "asc";
    let query = this.listed(options).selectAll();
    query =
      options.orderBy === "NAME"
        ? query.orderBy((eb) => eb.fn("lower", ["name"]), direction).orderBy("name", direction)
        : query.orderBy("createdAt", direction);
    const rows = await query.orderBy("id", direction).limit(limit).offset(offset).execute();
    return rows.map(toModelRow);
  }

  async count(options: ModelListOptions = {}): Promise<number> {
    const row = await this.listed(options)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The models `options` keep: visible to the caller, a case-insensitive name substring, derived (a pruning
   * run's result) or not.
   */
  private listed(options: ModelListOptions) {
    let query = this.db.selectFrom("models");
    const visible = options.visible;
    if (visible) {
      query = query.where((eb) =>
        eb.or([
          ...(visible.workspaceIds.length > 0 ? [eb("workspaceId", "in", visible.workspaceIds)] : []),
          ...(visible.ids.length > 0 ? [eb("id", "in", visible.ids)] : []),
        ]),
      );
    }
    if (options.nameContains) {
      // LIKE with the pattern's own % and _ escaped, lower-cased on both sides (Postgres's LIKE is
      // case-sensitive, SQLite's only for non-ASCII).
      const pattern = `%${options.nameContains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where(sql<boolean>`lower(name) LIKE ${pattern} ESCAPE '\\'`);
    }
    if (options.derived != null) {
      const derived = (eb: ExpressionBuilder<DB, "models">) =>
        eb.exists(
          eb
            .selectFrom("pruningRuns")
            .select("pruningRuns.id")
            .whereRef("pruningRuns.resultModelId", "=", "models.id"),
        );
      query = query.where((eb) => (options.derived ? derived(eb) : eb.not(derived(eb))));
    }
    return query;
  }

  async rename(id: string, name: string, now: string): Promise<ModelRow | undefined> {
    const row = await this.db
      .updateTable("models")
      .set({ name, updatedAt: now })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
    return row && toModelRow(row);
  }

  /** Deletes the model; foreign keys cascade to its layers, filters, analyses and their scores. */
  delete(id: string): Promise<DeletedModel | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom("models").select("id").where("id", "=", id).executeTakeFirst();
      if (!exists) return undefined;
      const counts = await trx
        .selectNoFrom((eb) => [
          eb
            .selectFrom("layers")
            .select(eb.fn.countAll<number>().as("n"))
            .where("modelId", "=", id)
            .as("layers"),
          eb
            .selectFrom("filters")
            .select(eb.fn.countAll<number>().as("n"))
            .where("modelId", "=", id)
            .as("filters"),
          eb
            .selectFrom("analyses")
            .select(eb.fn.countAll<number>().as("n"))
            .where("modelId", "=", id)
            .as("analyses"),
          eb
            .selectFrom("carScores")
            .innerJoin("analyses", "analyses.id", "carScores.analysisId")
            .select(eb.fn.countAll<number>().as("n"))
            .where("analyses.modelId", "=", id)
            .as("carScores"),
        ])
        .executeTakeFirstOrThrow();
      await trx.deleteFrom("models").where("id", "=", id).execute();
      return {
        layers: Number(counts.layers),
        filters: Number(counts.filters),
        analyses: Number(counts.analyses),
        carScores: Number(counts.carScores),
      };
    });
  }

  /** Layers of several models in position order (one query for a DataLoader batch). */
  async layersOf(modelIds: readonly string[]): Promise<LayerRow[]> {
    if (modelIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("layers")
      .selectAll()
      .where("modelId", "in", modelIds)
      .orderBy("modelId", "asc")
      .orderBy("position", "asc")
      .execute();
    return rows.map(toLayerRow);
  }

  /**
   * One page of a layer's filters, each with its CAR score in `analysisId` (null when that analysis did not
   * score it, or no analysis is given). Filters without a score come last in a CAR ordering.
   */
  async filterPage(query: FilterPageQuery): Promise<{ rows: FilterWithScore[]; total: number }> {
    const direction = query.direction === "DESC" ? "desc" : "asc";
    const where = query.where ?? {};
    // The layer's filters joined with their scores in the analysis, narrowed by `where`; the page and the
    // total count read the same rows.
    const scored = () => {
      let from = this.db
        .selectFrom("filters")
        .leftJoin("carScores", (join) =>
          join
            .on("carScores.analysisId", "=", query.analysisId ?? "")
            .onRef("carScores.groupId", "=", "filters.groupId")
            .onRef("carScores.filterIndex", "=", "filters.filterIndex"),
        )
        .where("filters.modelId", "=", query.modelId)
        .where("filters.layerName", "=", query.layerName);
      if (where.carDropBelow != null) from = from.where("carScores.dropValue", "<", where.carDropBelow);
      if (where.carDropAbove != null) from = from.where("carScores.dropValue", ">", where.carDropAbove);
      if (where.maxRank != null) from = from.where("carScores.rank", "<=", where.maxRank);
      if (where.hasCarScore === true) from = from.where("carScores.dropValue", "is not", null);
      if (where.hasCarScore === false) from = from.where("carScores.dropValue", "is", null);
      return from;
    };
    let select = scored()
      .select(FILTER_COLUMNS.map((c) => `filters.${c}` as const))
      .select([
        "carScores.analysisId as scoreAnalysisId",
        "carScores.groupId as scoreGroupId",
        "carScores.filterIndex as scoreFilterIndex",
        "carScores.rank",
        "carScores.dropValue",
        "carScores.ci95Low",
        "carScores.ci95High",
        "carScores.rightToWrong",
        "carScores.wrongToRight",
        "carScores.lossIncrease",
        "carScores.accuracyWithout",
        "carScores.classwise",
      ]);
    if (query.orderBy === "CAR") {
      // Unscored filters last in either direction: false (0) sorts before true (1) on both dialects.
      select = select
        .orderBy((eb) => eb("carScores.rank", "is", null), "asc")
        .orderBy("carScores.rank", direction)
        .orderBy("filters.filterIndex", "asc");
    } else if (query.orderBy === "L1_NORM") {
      select = select.orderBy("filters.l1Norm", direction).orderBy("filters.filterIndex", "asc");
    } else {
      select = select.orderBy("filters.filterIndex", direction);
    }
    const rows = await select.limit(query.limit).offset(query.offset).execute();
    const total = await scored()
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return {
      rows: rows.map((r) => ({
        filter: {
          modelId: r.modelId,
          layerName: r.layerName,
          groupId: r.groupId,
          filterIndex: r.filterIndex,
          l1Norm: r.l1Norm,
        },
        score:
          r.scoreAnalysisId === null ||
          r.scoreGroupId === null ||
          r.scoreFilterIndex === null ||
          r.rank === null
            ? null
            : toCarScoreRow({
                ...r,
                analysisId: r.scoreAnalysisId,
                groupId: r.scoreGroupId,
                filterIndex: r.scoreFilterIndex,
                rank: r.rank,
              }),
      })),
      total: Number(total.n),
    };
  }

  /** Kernel images by (model, layer, filter), for a DataLoader batch. */
  async weightImages(keys: ReadonlyArray<{ modelId: string; layerName: string; index: number }>): Promise<
    Array<{
      modelId: string;
      layerName: string;
      filterIndex: number;
      weightPng: Buffer | null;
    }>
  > {
    if (keys.length === 0) return [];
    return this.db
      .selectFrom("filters")
      .select(["modelId", "layerName", "filterIndex", "weightPng"])
      .where((eb) =>
        eb.or(
          keys.map((k) =>
            eb.and([
              eb("modelId", "=", k.modelId),
              eb("layerName", "=", k.layerName),
              eb("filterIndex", "=", k.index),
            ]),
          ),
        ),
      )
      .execute();
  }
}

export type FilterOrderField = "INDEX" | "CAR" | "L1_NORM";

export interface ModelListOptions {
  orderBy?: "CREATED_AT" | "NAME";
  direction?: "ASC" | "DESC";
  /** Only models whose name contains this (any case). */
  nameContains?: string | null;
  /** true: only models a pruning run produced; false: only the others. */
  derived?: boolean | null;
  /** Only models of these workspaces or with these ids (what the caller may read); default: every model. */
  visible?: { workspaceIds: readonly string[]; ids: readonly string[] };
}

export interface FilterPageQuery {
  modelId: string;
  layerName: string;
  analysisId: string | null;
  orderBy: FilterOrderField;
  direction: "ASC" | "DESC";
  limit: number;
  offset: number;
  /** Keep only filters whose score in the analysis passes these (a filter without a score fails each). */
  where?: {
    carDropBelow?: number | null;
    carDropAbove?: number | null;
    maxRank?: number | null;
    /** true: only filters with a CAR drop; false: only those without. */
    hasCarScore?: boolean | null;
  };
}

export interface FilterWithScore {
  filter: FilterRow;
  score: CarScoreRow | null;
}
