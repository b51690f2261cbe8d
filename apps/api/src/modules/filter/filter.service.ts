/** A layer's filters as a sorted, paged connection, with CAR scores and class importances. */
import { ApiError } from "../../errors.js";
import type { Loaders } from "../../loaders.js";
import type { AnalysisRepository, CarScoreRow } from "../analysis/analysis.repository.js";
import { type ConnectionValue, type PageArgs, connection, pageWindow } from "../common/connection.js";
import type { Layer } from "../layer/layer.type.js";
import type { ModelRepository } from "../model/model.repository.js";
import type { FilterOrder } from "./filter.input.js";
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

export class FilterService {
  constructor(private readonly repos: { models: ModelRepository; analyses: AnalysisRepository }) {}

  /**
   * A page of a layer's filters. Scores come from `analysisId` if given (it must be a SUCCEEDED analysis of
   * this model), else from the newest SUCCEEDED analysis that scored the layer's group.
   */
  async page(
    layer: Layer,
    args: PageArgs & { orderBy?: FilterOrder | null; analysisId?: string | null },
    loaders: Loaders,
  ): Promise<ConnectionValue<Filter>> {
    const { limit, offset } = pageWindow(args);
    if (layer.filterGroupId === null) return connection([], offset, 0);
    let analysisId: string | null;
    if (args.analysisId) {
      const analysis = await this.repos.analyses.findById(args.analysisId);
      if (!analysis || analysis.modelId !== layer.modelId) {
        throw new ApiError("NOT_FOUND", `no analysis "${args.analysisId}" of this model`, {
          argument: "analysisId",
        });
      }
      if (analysis.status !== "SUCCEEDED") {
        throw new ApiError(
          "INVALID_ARGUMENT",
          `analysis "${args.analysisId}" is ${analysis.status}; only a SUCCEEDED analysis has scores`,
          { argument: "analysisId" },
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
    });
    const nodes: Filter[] = rows.map(({ filter, score }) => ({
      modelId: filter.modelId,
      index: filter.filterIndex,
      layerName: filter.layerName,
      filterGroupId: filter.groupId,
      l1Norm: filter.l1Norm,
      score,
    }));
    return connection(nodes, offset, total);
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
