/** SQL for exports: the filters of the pruned groups with their kernel images. */
import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";

export interface ExportFilterRow {
  modelId: string;
  layerName: string;
  groupId: string;
  filterIndex: number;
  weightPng: Buffer | null;
}

export class ExportRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The filters of some filter groups of a model, by layer then index; kernel images only when asked for. */
  async filtersOfGroups(
    modelId: string,
    groupIds: readonly string[],
    withImages: boolean,
  ): Promise<ExportFilterRow[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("filters")
      .innerJoin("layers", (join) =>
        join.onRef("layers.modelId", "=", "filters.modelId").onRef("layers.name", "=", "filters.layerName"),
      )
      .select(["filters.modelId", "filters.layerName", "filters.groupId", "filters.filterIndex"])
      .$if(withImages, (q) => q.select("filters.weightPng"))
      .where("filters.modelId", "=", modelId)
      .where("filters.groupId", "in", groupIds)
      .orderBy("layers.position")
      .orderBy("filters.filterIndex")
      .execute();
    return rows.map((r) => ({ ...r, weightPng: "weightPng" in r ? (r.weightPng ?? null) : null }));
  }
}
