/** A layer's filters as a sorted, paged connection, with CAR scores and class importances. */
import { ApiError } from "../../errors.js";
import type { Loaders } from "../../loaders.js";
import type { AnalysisRepository, CarScoreRow } from "../analysis/analysis.repository.js";
import {
  type ConnectionValue,
  type PageArgs,
  connection,
  decodeCursor,
  pageWindow,
} from "../common/connection.js";
import type { Layer } from "../layer/layer.type.js";
import type { ModelRepository } from "../model/model.repository.js";
import type { FilterOrder, FilterWhere } from "./filter.input.js";
import {
  type CarScore,
  type ClassImportance,
  ClassImportanceOrder,
  type Filter,
  FilterOrderField,
  OrderDirection,
} from "./filter.type.js";

export function toCarScore(row: CarScoreRow | null): CarScore | null {
  // A group's last remaining filter has a rank but no CAR (it is never removed by a pass).
  if (!row || row.drop === null) return null;
  return {
    analysisId: row.analysisId,
    drop: row.drop,
    ci95Low: row.ci95Low!,
    ci95High: row.ci95High!,
    rank: row.rank,
    lossIncrease: row.lossIncrease!,
    rightToWrong: row.rightToWrong!,
    wrongToRight: row.wrongToRight!,
    accuracyWithout: row.accuracyWithout!,
  };
}

/**
 * The `first` most (or least) important classes of a filter by class-wise CAR; equal scores in class order,
 * classes without a score (no image of theirs in the analysed set) left out. The same ordering as
 * @carve/core's `rankClasses`, restated here so the main thread does not load TF.js.
 */
export function rankClassImportances(
  classwise: ReadonlyArray<number | null>,
  classNames: readonly string[],
  order: ClassImportanceOrder,
  first: number | null,
): ClassImportance[] {
  if (first !== null && (!Number.isInteger(first) || first < 0)) {
    throw new ApiError("INVALID_ARGUMENT", `first must be a non-negative integer, got ${first}`, {
      argument: "first",
    });
  }
  const sign = order === ClassImportanceOrder.MOST_IMPORTANT ? -1 : 1;
  const scored = classwise
    .map((drop, classIndex) => ({
      classIndex,
      className: classNames[classIndex] ?? String(classIndex),
      drop,
    }))
    .filter((c): c is ClassImportance => c.drop !== null && Number.isFinite(c.drop))
    .sort((a, b) => (a.drop !== b.drop ? (a.drop < b.drop ? -sign : sign) : a.classIndex - b.classIndex));
  return first === null ? scored : scored.slice(0, first);
}

/** A filter cursor: its position in the filtered, ordered list and the analysis the list was read with. */
function encodeFilterCursor(offset: number, analysisId: string | null): string {
  return Buffer.from(JSON.stringify(["filters", offset, analysisId]), "utf8").toString("base64url");
}

/** INVALID_ARGUMENT for anything but a cursor of a layer's filters (or an older plain offset cursor). */
export function decodeFilterCursor(cursor: string): { offset: number; analysisId: string | null } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value[0] === "filters" &&
      Number.isInteger(value[1]) &&
      (value[1] as number) >= 0 &&
      (value[2] === null || typeof value[2] === "string")
    ) {
      return { offset: value[1] as number, analysisId: value[2] as string | null };
    }
  } catch {
    // not JSON: maybe a plain offset cursor
  }
  return { offset: decodeCursor(cursor), analysisId: null };
}

function withFilterCursors(
  page: ConnectionValue<Filter>,
  offset: number,
  analysisId: string | null,
): ConnectionValue<Filter> {
  const edges = page.edges.map((e, i) => ({ ...e, cursor: encodeFilterCursor(offset + i, analysisId) }));
  return {
    ...page,
    edges,
    pageInfo: {
      ...page.pageInfo,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

function checkWhere(where: FilterWhere | null | undefined): void {
  if (where?.maxRank != null && (!Number.isInteger(where.maxRank) || where.maxRank < 1)) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `where.maxRank must be a positive whole number, got ${where.maxRank}`,
      {
        argument: "where.maxRank",
      },
    );
  }
  for (const key of ["carDropBelow", "carDropAbove"] as const) {
    const value = where?.[key];
    if (value != null && !Number.isFinite(value)) {
      throw new ApiError("INVALID_ARGUMENT", `where.${key} must be a finite number, got ${value}`, {
        argument: `where.${key}`,
      });
    }
  }
}

export class FilterService {
  constructor(private readonly repos: { models: ModelRepository; analyses: AnalysisRepository }) {}

  /**
   * A page of a layer's filters. Scores come from `analysisId` if given (it must be a SUCCEEDED analysis of
   * this model), else from the analysis the `after` cursor was read from, else from the newest SUCCEEDED
   * analysis that scored the layer's group. Cursors carry their analysis, so paging on while a new analysis
   * finishes neither skips nor repeats a filter.
   */
  async page(
    layer: Layer,
    args: PageArgs & { orderBy?: FilterOrder | null; analysisId?: string | null; where?: FilterWhere | null },
    loaders: Loaders,
  ): Promise<ConnectionValue<Filter>> {
    const cursor = args.after ? decodeFilterCursor(args.after) : undefined;
    const { limit } = pageWindow({ first: args.first ?? null });
    const offset = cursor ? cursor.offset + 1 : 0;
    if (layer.filterGroupId === null) return connection([], offset, 0);
    checkWhere(args.where);
    let analysisId: string | null;
    const chosen = args.analysisId ?? cursor?.analysisId ?? null;
    if (chosen) {
      const analysis = await this.repos.analyses.findById(chosen);
      const argument = args.analysisId ? "analysisId" : "after";
      if (!analysis || analysis.modelId !== layer.modelId) {
        throw new ApiError(
          "NOT_FOUND",
          `no analysis "${chosen}" of this model` +
            (args.analysisId ? "" : " (the cursor's analysis was deleted; start again without after)"),
          { argument },
        );
      }
      if (analysis.status !== "SUCCEEDED") {
        throw new ApiError(
          "INVALID_ARGUMENT",
          `analysis "${chosen}" is ${analysis.status}; only a SUCCEEDED analysis has scores`,
          { argument },
        );
      }
      analysisId = analysis.id;
    } else {
      analysisId = await loaders.latestAnalysis.load({
        modelId: layer.modelId,
        groupId: layer.filterGroupId,
      });
    }
    const { rows, total } = await this.repos.models.filterPage({
      modelId: layer.modelId,
      layerName: layer.name,
      analysisId,
      orderBy: args.orderBy?.field ?? FilterOrderField.INDEX,
      direction: args.orderBy?.direction ?? OrderDirection.ASC,
      limit,
      offset,
      ...(args.where ? { where: args.where } : {}),
    });
    const nodes: Filter[] = rows.map(({ filter, score }) => ({
      modelId: filter.modelId,
      index: filter.filterIndex,
      layerName: filter.layerName,
      filterGroupId: filter.groupId,
      l1Norm: filter.l1Norm,
      score,
    }));
    return withFilterCursors(connection(nodes, offset, total), offset, analysisId);
  }

  async classImportances(
    filter: Filter,
    order: ClassImportanceOrder,
    first: number | null,
    loaders: Loaders,
  ): Promise<ClassImportance[]> {
    if (!filter.score?.classwise) return [];
    const model = await loaders.model.load(filter.modelId);
    return rankClassImportances(filter.score.classwise, model?.classNames ?? [], order, first);
  }

  async weightImage(filter: Filter, loaders: Loaders): Promise<string | null> {
    const png = await loaders.weightImage.load({
      modelId: filter.modelId,
      layerName: filter.layerName,
      index: filter.index,
    });
    return png ? `data:image/png;base64,${png.toString("base64")}` : null;
  }
}
