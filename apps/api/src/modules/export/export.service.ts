/**
 * What an export of a pruning run (or of a comparison of runs) contains, gathered once and then written as
 * HTML, JSON or CSV: the run's settings, its steps, accuracy and size before and after, and for every filter
 * of the pruned groups its CAR score and class importances (from the newest SUCCEEDED analysis of the model
 * that scored its group, if any), its label, when the run removed it, and its kernel image.
 *
 * The caller decides who may read the runs (export.routes.ts asks the request's Access first).
 */
import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";
import { ApiError } from "../../errors.js";
import { AnalysisRepository, type CarScoreRow } from "../analysis/analysis.repository.js";
import { AnnotationRepository, type AnnotationWithAuthor } from "../annotation/annotation.repository.js";
import { latestLabels } from "../annotation/annotation.loaders.js";
import { rankClassImportances } from "../filter/filter.service.js";
import { ClassImportanceOrder, type ClassImportance } from "../filter/filter.type.js";
import { ModelRepository } from "../model/model.repository.js";
import { PruningRunRepository, type PruningRunRow } from "../pruning/run.repository.js";
import { toPruningRun, toPruningStep } from "../pruning/run.service.js";
import type { PruningRun, PruningStep } from "../pruning/run.type.js";
import { ExportRepository } from "./export.repository.js";

/** Classes shown at each end of a filter's class ranking (CSV and HTML; JSON has them all). */
export const CLASSES_AT_EACH_END = 3;

export interface ExportedFilter {
  layer: string;
  groupId: string;
  index: number;
  /** CAR in the analysis: accuracy lost without the filter, its 95% interval and its rank (1 = least important). */
  car: { drop: number; ci95Low: number; ci95High: number; rank: number } | null;
  /** The step of this run that removed it; null if the run kept it. */
  removedAtStep: number | null;
  /** Its newest label, if any. */
  label: string | null;
  /** Class-wise CAR, most important class first (empty unless the analysis was class-wise). */
  classImportances: ClassImportance[];
  /** The kernel as a PNG data: URI (HTML and JSON exports; null for a layer without one). */
  weightImage: string | null;
}

export interface ExportedModel {
  id: string;
  name: string;
  params: number;
  flops: number;
  testAccuracy: number | null;
  classNames: string[];
}

export interface ExportedAnalysis {
  id: string;
  finishedAt: string | null;
  images: number | null;
  split: string;
  groups: string[];
}

export interface ExportedComment {
  author: string | null;
  body: string;
  createdAt: string;
}

export interface ExportedRun {
  /** The run's settings, status and before/after summaries, as the GraphQL PruningRun has them. */
  run: Omit<PruningRun, "groups" | "classNames" | "modelId" | "resultModelId"> & {
    groups: string[];
    resultModelId: string | null;
  };
  model: ExportedModel;
  steps: PruningStep[];
  /** The analyses the CAR scores come from (none: no filter has a score). */
  analyses: ExportedAnalysis[];
  filters: ExportedFilter[];
  comments: ExportedComment[];
}

export interface ExportReport {
  kind: "run" | "comparison";
  generatedAt: string;
  runs: ExportedRun[];
}

export class ExportService {
  private readonly runs: PruningRunRepository;
  private readonly models: ModelRepository;
  private readonly analyses: AnalysisRepository;
  private readonly annotations: AnnotationRepository;
  private readonly filters: ExportRepository;

  constructor(
    db: Kysely<DB>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.runs = new PruningRunRepository(db);
    this.models = new ModelRepository(db);
    this.analyses = new AnalysisRepository(db);
    this.annotations = new AnnotationRepository(db);
    this.filters = new ExportRepository(db);
  }

  /**
   * The report of some runs, in the order given; `images` adds the kernels (HTML, JSON). CAR scores come
   * only for the runs in `analysesOf` (whose model's analyses the caller may read: not so through a share link
   * to a run or a comparison).
   */
  async report(
    kind: ExportReport["kind"],
    runIds: readonly string[],
    options: { images: boolean; analysesOf: ReadonlySet<string> },
  ): Promise<ExportReport> {
    const rows = await this.runs.findByIds(runIds);
    const runs = [];
    for (const id of runIds) {
      const row = rows.find((r) => r.id === id);
      if (!row) throw new ApiError("NOT_FOUND", `no pruning run with id "${id}"`, { argument: "runs" });
      runs.push(await this.exportRun(row, options.images, options.analysesOf.has(id)));
    }
    return { kind, generatedAt: this.now().toISOString(), runs };
  }

  private async exportRun(row: PruningRunRow, images: boolean, analyses: boolean): Promise<ExportedRun> {
    const [model] = await this.models.findByIds([row.modelId]);
    if (!model) throw new ApiError("NOT_FOUND", `the model of pruning run "${row.id}" was deleted`);
    const [layers, stepRows, filterRows, comments] = await Promise.all([
      this.models.layersOf([row.modelId]),
      this.runs.steps(row.id),
      this.filters.filtersOfGroups(row.modelId, row.groups, images),
      this.annotations.ofRuns([row.id]),
    ]);
    const layersOfGroup = (groupId: string) => layers.filter((l) => l.groupId === groupId).map((l) => l.name);
    const steps = stepRows.map((s) => toPruningStep(s, row.classNames, layersOfGroup));
    const removedAt = new Map<string, number>();
    for (const step of steps) {
      for (const r of step.removed) {
        for (const layer of r.layers) removedAt.set(`${layer}\u0000${r.index}`, step.step);
      }
    }

    // The newest SUCCEEDED analysis that scored each group, and its scores.
    const latest = analyses
      ? await this.analyses.latestSucceeded(row.groups.map((groupId) => ({ modelId: row.modelId, groupId })))
      : new Map<string, string>();
    const analysisOfGroup = new Map(row.groups.map((g) => [g, latest.get(`${row.modelId}\u0000${g}`)]));
    const analysisIds = [...new Set([...analysisOfGroup.values()].filter((id): id is string => !!id))];
    const [scoreRows, analysisRows] = await Promise.all([
      this.analyses.scores(
        [...analysisOfGroup].flatMap(([groupId, analysisId]) =>
          analysisId ? [{ analysisId, groupId }] : [],
        ),
      ),
      this.analyses.findByIds(analysisIds),
    ]);
    const scores = new Map<string, CarScoreRow>();
    for (const s of scoreRows) {
      if (analysisOfGroup.get(s.groupId) === s.analysisId)
        scores.set(`${s.groupId}\u0000${s.filterIndex}`, s);
    }

    const layerNames = [...new Set(filterRows.map((f) => f.layerName))];
    const annotations = await this.annotations.ofLayers(
      layerNames.map((layerName) => ({ modelId: row.modelId, layerName })),
    );
    const labels = new Map<string, Map<number, AnnotationWithAuthor>>();
    for (const layerName of layerNames) {
      labels.set(layerName, latestLabels(annotations.filter((a) => a.layerName === layerName)));
    }

    const filters = filterRows.map((f): ExportedFilter => {
      const score = scores.get(`${f.groupId}\u0000${f.filterIndex}`);
      return {
        layer: f.layerName,
        groupId: f.groupId,
        index: f.filterIndex,
        car:
          score && score.drop !== null
            ? {
                drop: score.drop,
                ci95Low: score.ci95Low ?? score.drop,
                ci95High: score.ci95High ?? score.drop,
                rank: score.rank,
              }
            : null,
        removedAtStep: removedAt.get(`${f.layerName}\u0000${f.filterIndex}`) ?? null,
        label: labels.get(f.layerName)?.get(f.filterIndex)?.body ?? null,
        classImportances: score?.classwise
          ? rankClassImportances(score.classwise, model.classNames, ClassImportanceOrder.MOST_IMPORTANT, null)
          : [],
        weightImage: f.weightPng ? `data:image/png;base64,${f.weightPng.toString("base64")}` : null,
      };
    });

    const { modelId: _modelId, classNames: _classNames, ...run } = toPruningRun(row);
    return {
      run,
      model: {
        id: model.id,
        name: model.name,
        params: model.params,
        flops: model.flops,
        testAccuracy: model.testAccuracy,
        classNames: model.classNames,
      },
      steps,
      analyses: analysisRows.map((a) => ({
        id: a.id,
        finishedAt: a.finishedAt,
        images: a.images,
        split: a.split,
        groups: a.groups,
      })),
      filters,
      comments: comments.map((c) => ({ author: c.authorName, body: c.body, createdAt: c.createdAt })),
    };
  }
}
