/**
 * Pruning runs: validated here, queued, run in a pruning worker thread, EVERY STEP PERSISTED as it is made
 * and then published. A run a server stop interrupted is marked INTERRUPTED at the next start and can be
 * resumed from its last persisted step: the worker replays the persisted removals (core's `resume`), or, with
 * fine-tuning after each step, continues from the network checkpointed after that step. When a run succeeds,
 * the compressed model is saved in the data directory, registered as a model of its own (derived from the
 * original) and served for download under /artifacts.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";

import type { Logger } from "pino";

import { ApiError, isApiError, notFound } from "../../errors.js";
import type { EventBus } from "../../events/event-bus.js";
import type { PruningRunEvent } from "../../events/topics.js";
import type { JobQueue, JobSpec, JobStop } from "../../jobs/job-queue.js";
import { type PruningRunOptions, runPruningInWorker } from "../../jobs/pruning-client.js";
import type { PruneStepRecord, PruningResult, PruningTask } from "../../jobs/pruning-protocol.js";
import type { ModelSource } from "../../jobs/worker-protocol.js";
import type { WorkerRunner } from "../../jobs/worker-runner.js";
import { type ConnectionValue, type PageArgs, connection, pageWindow } from "../common/connection.js";
import { requestedGroups } from "../layer/requested-groups.js";
import type { ModelRepository, ModelRow } from "../model/model.repository.js";
import type { StartPruningRunInput } from "./run.input.js";
import {
  FINAL_RUN_STATUSES,
  type NetworkSummary as NetworkSummaryValue,
  type PruningRunRepository,
  type PruningRunRow,
  type PruningStepRow,
  type RunListFilter,
} from "./run.repository.js";
import {
  type AccuracyReport,
  type ArtifactFile,
  FineTuneSchedule,
  type ModelArtifact,
  type NetworkSummary,
  PruningCriterion,
  PruningEventKind,
  type PruningEvent,
  type PruningRun,
  PruningRunStatus,
  PruningScope,
  type PruningStep,
} from "./run.type.js";
import { DatasetSplit } from "../analysis/analysis.type.js";

const TOPIC = "PRUNING_RUN_CHANGED";
/** A bound that keeps one request from queueing hours of work by accident. */
const MAX_IMAGES_LIMIT = 1_000_000;
const MAX_EPOCHS = 100;
/**
 * Runs that may wait in the queue at once: the queue itself runs CARVE_JOB_CONCURRENCY jobs at a time, and this
 * keeps a script in a loop from queueing days of work.
 */
export const MAX_QUEUED_RUNS = 50;
/** Progress inside a step is persisted and published at most this often. */
const PROGRESS_INTERVAL_MS = 1_000;
/** Where a compressed model's files are served from. */
export const ARTIFACTS_PATH = "/artifacts";

const CRITERIA: Record<PruningCriterion, string> = {
  CAR: "car",
  L1: "l1",
  MEAN_ACTIVATION: "mean-activation",
  APOZ: "apoz",
  TAYLOR: "taylor",
  RANDOM: "random",
};
const CRITERIA_BY_CORE_NAME = new Map(Object.entries(CRITERIA).map(([k, v]) => [v, k as PruningCriterion]));

const FINE_TUNE_WHEN = { NONE: "none", EACH_STEP: "each-step", END: "end" } as const;

function accuracyReport(
  snapshot: { dataset: string; accuracy: number; loss: number; perClassAccuracy: Array<number | null> },
  classNames: readonly string[],
): AccuracyReport {
  return {
    dataset: snapshot.dataset,
    accuracy: snapshot.accuracy,
    loss: snapshot.loss,
    perClass: snapshot.perClassAccuracy.map((accuracy, classIndex) => ({
      classIndex,
      className: classNames[classIndex] ?? String(classIndex),
      accuracy: accuracy === null || !Number.isFinite(accuracy) ? null : accuracy,
    })),
  };
}

function networkSummary(
  summary: NetworkSummaryValue | null,
  classNames: readonly string[],
): NetworkSummary | null {
  if (!summary) return null;
  return {
    selection: accuracyReport(summary.evaluation, classNames),
    test: summary.test ? accuracyReport(summary.test, classNames) : null,
    params: summary.params,
    flops: summary.flops,
  };
}

/** The GraphQL view of a step; `layersOfGroup` names the layers of each filter group. */
export function toPruningStep(
  row: PruningStepRow,
  classNames: readonly string[],
  layersOfGroup: (groupId: string) => string[],
): PruningStep {
  const d = row.details;
  return {
    step: d.step,
    removed: d.removed.map((r) => {
      const layers = layersOfGroup(r.groupId);
      return {
        groupId: r.groupId,
        layer: layers[0] ?? r.groupId,
        layers: layers.length > 0 ? layers : [r.groupId],
        index: r.filter,
        score: r.score,
        car: r.car
          ? {
              drop: r.car.drop,
              ci95Low: r.car.ci95[0],
              ci95High: r.car.ci95[1],
              lossIncrease: r.car.lossIncrease,
              rightToWrong: r.car.rightToWrong,
              wrongToRight: r.car.wrongToRight,
              accuracyWithout: r.car.accuracyWithout,
            }
          : null,
        classwise: r.classwise
          ? r.classwise.flatMap((drop, classIndex) =>
              drop === null || !Number.isFinite(drop)
                ? []
                : [{ classIndex, className: classNames[classIndex] ?? String(classIndex), drop }],
            )
          : null,
      };
    }),
    runnerUpScore: d.runnerUpScore ?? null,
    skippedForProtection: d.skippedForProtection,
    candidates: d.candidates,
    selection: accuracyReport(d.evaluation, classNames),
    test: d.test ? accuracyReport(d.test, classNames) : null,
    filtersLeft: Object.entries(d.filtersLeft).map(([groupId, count]) => ({ groupId, count })),
    params: d.params,
    flops: d.flops,
    elapsedSeconds: d.elapsedSeconds,
    createdAt: row.createdAt,
  };
}

export function toPruningRun(row: PruningRunRow): PruningRun {
  const succeeded = row.status === "SUCCEEDED";
  return {
    id: row.id,
    modelId: row.modelId,
    resultModelId: row.resultModelId,
    groups: row.groups,
    classNames: row.classNames,
    status: row.status as PruningRunStatus,
    criterion: CRITERIA_BY_CORE_NAME.get(row.criterion) ?? PruningCriterion.CAR,
    scope: row.scope as PruningScope,
    layers: row.layers,
    target: {
      keep: row.targetKeep,
      removeFraction: row.targetRemoveFraction,
      minAccuracy: row.targetMinAccuracy,
    },
    stepSize: row.stepSize,
    fineTune: {
      schedule: row.fineTune as FineTuneSchedule,
      epochs: row.fineTuneEpochs,
      learningRate: row.fineTuneLearningRate,
      maxTrainImages: row.maxTrainImages,
    },
    protection:
      row.protectClasses && row.protectMaxDrop !== null
        ? {
            classes: row.protectClasses,
            classNames: row.protectClasses.map((c) => row.classNames[c] ?? String(c)),
            maxDrop: row.protectMaxDrop,
          }
        : null,
    selectionSplit: row.selectionSplit as DatasetSplit,
    maxSelectionImages: row.maxSelectionImages,
    maxTestImages: row.maxTestImages,
    seed: row.seed,
    progress: {
      stepsDone: row.stepsDone,
      plannedSteps: row.plannedSteps,
      fraction: succeeded ? 1 : row.plannedSteps > 0 ? Math.min(1, row.stepsDone / row.plannedSteps) : 0,
      phase: row.phase,
      etaSeconds: row.etaSeconds,
    },
    original: networkSummary(row.originalSummary, row.classNames),
    final: networkSummary(row.finalSummary, row.classNames),
    baseAccuracy: row.originalSummary?.test?.accuracy ?? null,
    finalAccuracy: row.finalSummary?.test?.accuracy ?? null,
    stopReason: row.stopReason,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    resumes: row.resumes,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export interface PruningRunServiceDeps {
  runs: PruningRunRepository;
  models: ModelRepository;
  bus: EventBus;
  queue: JobQueue;
  /** For inspecting (registering) the compressed model. */
  worker: WorkerRunner;
  /** Runs a pruning task off the main thread; default: a pruning worker thread. */
  prune?: (task: PruningTask, options: PruningRunOptions) => Promise<PruningResult>;
  backend: string;
  /** CARVE_DATA_DIR: checkpoints go to runs/ID/, compressed models to models/ID/. */
  dataDir: string;
  logger: Logger;
  /** Deletes a model with everything that depends on it (the model service's delete). */
  deleteModel: (id: string) => Promise<unknown>;
}

export class PruningRunService {
  private readonly prune: (task: PruningTask, options: PruningRunOptions) => Promise<PruningResult>;
  private readonly dataDir: string;
  /** Job handlers still running, by run id: a resumed run is queued only once the old one has let go. */
  private readonly active = new Map<string, Promise<void>>();

  constructor(private readonly deps: PruningRunServiceDeps) {
    this.prune = deps.prune ?? runPruningInWorker;
    this.dataDir = path.resolve(deps.dataDir);
  }

  async get(id: string): Promise<PruningRun> {
    return toPruningRun(await this.row(id));
  }

  /** A model's runs, newest first; with `onlyIds`, just those (what a share link of some runs shows). */
  async listByModel(
    modelId: string,
    page: PageArgs,
    onlyIds: readonly string[] | null = null,
  ): Promise<ConnectionValue<PruningRun>> {
    const { limit, offset } = pageWindow(page);
    const [rows, total] = await Promise.all([
      this.deps.runs.listByModel(modelId, limit, offset, onlyIds),
      this.deps.runs.countByModel(modelId, onlyIds),
    ]);
    return connection(rows.map(toPruningRun), offset, total);
  }

  /** The runs `filter` keeps (optionally of one status, visible to the caller), newest first. */
  async list(page: PageArgs, filter: RunListFilter): Promise<ConnectionValue<PruningRun>> {
    const { limit, offset } = pageWindow(page);
    const [rows, total] = await Promise.all([
      this.deps.runs.list(limit, offset, filter),
      this.deps.runs.count(filter),
    ]);
    return connection(rows.map(toPruningRun), offset, total);
  }

  /** A run's persisted steps, in order. */
  async steps(run: Pick<PruningRun, "id" | "modelId" | "classNames">): Promise<PruningStep[]> {
    const [rows, layers] = await Promise.all([
      this.deps.runs.steps(run.id),
      this.deps.models.layersOf([run.modelId]),
    ]);
    const byGroup = (groupId: string) => layers.filter((l) => l.groupId === groupId).map((l) => l.name);
    return rows.map((row) => toPruningStep(row, run.classNames, byGroup));
  }

  /** The run that produced a compressed model, or null for a model not made by pruning. */
  async producerOf(modelId: string): Promise<PruningRun | null> {
    const [row] = await this.deps.runs.producersOf([modelId]);
    return row ? toPruningRun(row) : null;
  }

  /** The downloadable compressed model of a succeeded run, or null. */
  async artifact(run: Pick<PruningRun, "resultModelId">): Promise<ModelArtifact | null> {
    if (!run.resultModelId) return null;
    const model = await this.deps.models.findById(run.resultModelId);
    if (!model) return null;
    const files = await this.artifactFiles(model);
    if (!files) return null;
    return {
      id: model.id,
      modelId: model.id,
      format: "tfjs-layers-model",
      modelJsonUrl: `${ARTIFACTS_PATH}/${model.id}/model.json`,
      files,
      sizeBytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
      params: model.params,
      flops: model.flops,
      accuracy: model.testAccuracy,
    };
  }

  /**
   * The file `name` of the compressed model `modelId` on disk, if it is one of its files (model.json or a
   * weight file its manifest lists); undefined otherwise. Only models a pruning run produced are served.
   */
  async artifactFile(modelId: string, name: string): Promise<string | undefined> {
    const [producer] = await this.deps.runs.producersOf([modelId]);
    if (!producer) return undefined;
    const model = await this.deps.models.findById(modelId);
    if (!model) return undefined;
    const files = await this.artifactFiles(model);
    return files?.some((f) => f.name === name) ? path.join(model.source, name) : undefined;
  }

  /** Validates the request against the model's layers and classes, stores it QUEUED and queues it. */
  async start(input: StartPruningRunInput): Promise<PruningRun> {
    const model = await this.deps.models.findById(input.modelId);
    if (!model) {
      throw notFound("model", input.modelId, "input.modelId");
    }
    if (!model.dataset) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `model "${model.name}" has no dataset to prune on; register it again with input.dataset`,
        { argument: "input.modelId" },
      );
    }
    const layers = await this.deps.models.layersOf([model.id]);
    const prunable = layers.filter((l) => l.groupId !== null);
    const prunableNames = prunable.map((l) => l.name).join(", ") || "none";
    if (prunable.length === 0) {
      throw new ApiError("INVALID_ARGUMENT", `model "${model.name}" has no prunable layer`, {
        argument: "input.modelId",
      });
    }
    const requested =
      input.layers ?? (input.scope === PruningScope.GLOBAL ? prunable.map((l) => l.name) : []);
    if (input.scope === PruningScope.LAYER && requested.length !== 1) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `scope LAYER prunes exactly one layer; give input.layers one name (prunable layers: ${prunableNames}), ` +
          `or use SEQUENTIAL or GLOBAL for several`,
        { argument: "input.layers" },
      );
    }
    if (requested.length === 0) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `scope ${input.scope} needs input.layers: one or more of ${prunableNames}`,
        { argument: "input.layers" },
      );
    }
    const groups = requestedGroups(model.name, layers, requested, "reject");
    const groupSizes = groups.map((g) => {
      const producer = prunable.find((l) => l.groupId === g)!;
      return producer.filters ?? 0;
    });

    const { keep, removeFraction, minAccuracy } = input.target;
    const fail = (argument: string, message: string): never => {
      throw new ApiError("INVALID_ARGUMENT", message, { argument });
    };
    if (keep != null && removeFraction != null) {
      fail(
        "input.target",
        "give at most one of target.keep and target.removeFraction (with or without minAccuracy)",
      );
    }
    if (keep == null && removeFraction == null && minAccuracy == null) {
      fail("input.target", "give a target: keep, removeFraction or minAccuracy");
    }
    if (keep != null) {
      const smallest = input.scope === PruningScope.GLOBAL ? groups.length : 1;
      const largest =
        input.scope === PruningScope.GLOBAL
          ? groupSizes.reduce((a, b) => a + b, 0)
          : // A layer of a SEQUENTIAL run that is already as small as `keep` is left as it is.
            Math.max(...groupSizes);
      if (!Number.isInteger(keep) || keep < smallest || keep >= largest) {
        fail(
          "input.target.keep",
          `target.keep must be a whole number from ${smallest} to ${largest - 1} ` +
            `(${input.scope === PruningScope.GLOBAL ? "filters over all the layers, one per layer at least" : "filters per layer"}), got ${keep}`,
        );
      }
    }
    if (removeFraction != null && !(removeFraction > 0 && removeFraction < 1)) {
      fail("input.target.removeFraction", `target.removeFraction must be in (0, 1), got ${removeFraction}`);
    }
    if (minAccuracy != null && !(minAccuracy >= 0 && minAccuracy <= 1)) {
      fail("input.target.minAccuracy", `target.minAccuracy must be in [0, 1], got ${minAccuracy}`);
    }
    if (!Number.isInteger(input.stepSize) || input.stepSize < 1) {
      fail("input.stepSize", `stepSize must be a whole number ≥ 1, got ${input.stepSize}`);
    }
    const fineTune = input.fineTune ?? {
      schedule: FineTuneSchedule.NONE,
      epochs: 1,
      learningRate: null,
      maxTrainImages: null,
    };
    if (!Number.isInteger(fineTune.epochs) || fineTune.epochs < 1 || fineTune.epochs > MAX_EPOCHS) {
      fail(
        "input.fineTune.epochs",
        `fineTune.epochs must be a whole number from 1 to ${MAX_EPOCHS}, got ${fineTune.epochs}`,
      );
    }
    if (fineTune.learningRate != null && !(fineTune.learningRate > 0 && fineTune.learningRate <= 10)) {
      fail(
        "input.fineTune.learningRate",
        `fineTune.learningRate must be in (0, 10], got ${fineTune.learningRate}`,
      );
    }
    let protectClasses: number[] | null = null;
    let protectMaxDrop: number | null = null;
    if (input.protectClasses) {
      const { classes, maxDrop } = input.protectClasses;
      if (classes.length === 0) fail("input.protectClasses.classes", "protectClasses.classes is empty");
      protectClasses = [
        ...new Set(
          classes.map((c) => {
            const byName = model.classNames.indexOf(c);
            const index = byName >= 0 ? byName : /^\d+$/.test(c) ? Number(c) : -1;
            if (index < 0 || index >= model.classNames.length) {
              fail(
                "input.protectClasses.classes",
                `unknown class "${c}" (classes of "${model.name}": ${model.classNames.join(", ")}, or their indices ` +
                  `0…${model.classNames.length - 1})`,
              );
            }
            return index;
          }),
        ),
      ];
      if (!(maxDrop >= 0 && maxDrop <= 1)) {
        fail("input.protectClasses.maxDrop", `protectClasses.maxDrop must be in [0, 1], got ${maxDrop}`);
      }
      protectMaxDrop = maxDrop;
    }
    for (const [argument, value] of [
      ["input.maxSelectionImages", input.maxSelectionImages],
      ["input.maxTestImages", input.maxTestImages],
      ["input.fineTune.maxTrainImages", fineTune.maxTrainImages],
    ] as const) {
      if (value != null && (!Number.isInteger(value) || value < 1 || value > MAX_IMAGES_LIMIT)) {
        fail(
          argument,
          `${argument.slice(6)} must be a whole number from 1 to ${MAX_IMAGES_LIMIT} (or omitted for all), got ${value}`,
        );
      }
    }
    if (!Number.isInteger(input.seed) || input.seed < 0)
      fail("input.seed", `seed must be ≥ 0, got ${input.seed}`);
    const waiting = (await this.deps.runs.idsWithStatus("QUEUED")).length;
    if (waiting >= MAX_QUEUED_RUNS) {
      throw new ApiError(
        "CONFLICT",
        `${waiting} pruning runs are already waiting to start (at most ${MAX_QUEUED_RUNS}); wait for some to ` +
          `finish or cancel them with cancelRun, then start this one`,
        { queued: waiting },
      );
    }

    const row = await this.deps.runs.insert({
      id: randomUUID(),
      modelId: model.id,
      criterion: CRITERIA[input.criterion],
      scope: input.scope,
      layers: requested,
      groups,
      targetKeep: keep ?? null,
      targetRemoveFraction: removeFraction ?? null,
      targetMinAccuracy: minAccuracy ?? null,
      stepSize: input.stepSize,
      fineTune: fineTune.schedule,
      fineTuneEpochs: fineTune.epochs,
      fineTuneLearningRate: fineTune.learningRate ?? null,
      protectClasses,
      protectMaxDrop,
      selectionSplit: input.selectionSplit,
      maxSelectionImages: input.maxSelectionImages ?? null,
      maxTestImages: input.maxTestImages ?? null,
      maxTrainImages: fineTune.maxTrainImages ?? null,
      seed: input.seed,
      classNames: model.classNames,
      plannedSteps: plannedSteps(input.scope, groupSizes, { keep, removeFraction }, input.stepSize),
      createdAt: now(),
    });
    this.publish(PruningEventKind.STATUS, row);
    this.deps.queue.enqueue({ kind: "pruning", id: row.id });
    this.deps.logger.info({ runId: row.id, modelId: model.id, groups }, "pruning run queued");
    return toPruningRun(row);
  }

  /**
   * Cancels a queued or running run (a finished one is returned as it is). Its persisted steps are kept, so it
   * can be resumed later with resumeRun.
   */
  async cancel(id: string): Promise<PruningRun> {
    const row = await this.row(id);
    if (FINAL_RUN_STATUSES.has(row.status)) return toPruningRun(row);
    this.deps.queue.cancel(id);
    const cancelled = await this.deps.runs.transition(id, ["QUEUED", "RUNNING"], {
      status: "CANCELLED",
      finishedAt: now(),
      phase: null,
      etaSeconds: null,
    });
    if (cancelled) {
      this.publish(PruningEventKind.STATUS, cancelled);
      this.deps.logger.info({ runId: id }, "pruning run cancelled");
    }
    return toPruningRun(cancelled ?? (await this.row(id)));
  }

  /**
   * Queues a run that did not finish (INTERRUPTED, CANCELLED or FAILED) again; it continues after its last
   * persisted step. CONFLICT for a run that is queued, running or succeeded.
   */
  async resume(id: string): Promise<PruningRun> {
    const row = await this.row(id);
    if (!["INTERRUPTED", "CANCELLED", "FAILED"].includes(row.status)) {
      throw new ApiError(
        "CONFLICT",
        `run "${id}" is ${row.status}; only an INTERRUPTED, CANCELLED or FAILED run can be resumed`,
        { argument: "id", status: row.status },
      );
    }
    const queued = await this.deps.runs.transition(id, ["INTERRUPTED", "CANCELLED", "FAILED"], {
      status: "QUEUED",
      resumes: row.resumes + 1,
      errorCode: null,
      errorMessage: null,
      finishedAt: null,
      phase: null,
      etaSeconds: null,
    });
    if (!queued) return this.resume(id); // its status changed under us: answer for the new one
    this.publish(PruningEventKind.STATUS, queued);
    // A run cancelled a moment ago may still be winding down (its worker stops at the next batch); the queue
    // ignores a job it still runs, so queue it once that has ended.
    const previous = this.active.get(id);
    if (previous) {
      void previous
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(() => this.deps.queue.enqueue({ kind: "pruning", id }));
    } else {
      this.deps.queue.enqueue({ kind: "pruning", id });
    }
    this.deps.logger.info({ runId: id, stepsDone: queued.stepsDone }, "pruning run resumed");
    return toPruningRun(queued);
  }

  /**
   * Deletes a run with its steps and checkpoints, and the compressed model it registered (with that model's
   * own analyses and runs, and its files). An unfinished run is cancelled first.
   */
  async delete(id: string): Promise<{ steps: number; models: number }> {
    const row = await this.row(id);
    if (!FINAL_RUN_STATUSES.has(row.status)) await this.cancel(id);
    let models = 0;
    if (row.resultModelId && (await this.deps.models.findById(row.resultModelId))) {
      await this.deps.deleteModel(row.resultModelId);
      models = 1;
    }
    const deleted = await this.deps.runs.delete(id);
    await rm(this.runDir(id), { recursive: true, force: true });
    if (!deleted) throw new ApiError("NOT_FOUND", `no pruning run with id "${id}"`, { argument: "id" });
    this.deps.logger.info({ runId: id, deleted: { ...deleted, models } }, "pruning run deleted");
    return { steps: deleted.steps, models };
  }

  /**
   * Deletes a model the way deleteModel does, and what the database cascade cannot: unfinished runs of it are
   * cancelled first, and afterwards its runs' checkpoints and, for a compressed model, its files in the data
   * directory are removed.
   */
  async deleteModel<T>(modelId: string, deleteRow: () => Promise<T>): Promise<T> {
    const model = await this.deps.models.findById(modelId);
    const runs = await this.deps.runs.listByModel(modelId, Number.MAX_SAFE_INTEGER, 0);
    for (const run of runs) if (!FINAL_RUN_STATUSES.has(run.status)) await this.cancel(run.id);
    const result = await deleteRow();
    for (const run of runs) await rm(this.runDir(run.id), { recursive: true, force: true });
    if (model && model.sourceKind === "path" && this.ownsModelFiles(model.source)) {
      await rm(model.source, { recursive: true, force: true });
    }
    return result;
  }

  /**
   * At start: runs left RUNNING by a stopped server are marked INTERRUPTED (resumeRun continues them), and
   * QUEUED ones are queued again (they never started, or were resumed and never started).
   */
  async recover(): Promise<{ interrupted: number; requeued: number }> {
    const interrupted = await this.deps.runs.interruptRunning(
      now(),
      "the server stopped while this run was pruning; its steps so far are kept: resume it with resumeRun",
    );
    for (const row of interrupted) this.publish(PruningEventKind.STATUS, row);
    const queued = await this.deps.runs.idsWithStatus("QUEUED");
    for (const id of queued) this.deps.queue.enqueue({ kind: "pruning", id });
    if (interrupted.length + queued.length > 0) {
      this.deps.logger.info(
        { interrupted: interrupted.length, requeued: queued.length },
        "pruning runs recovered",
      );
    }
    return { interrupted: interrupted.length, requeued: queued.length };
  }

  /** The job handler: runs (or continues) one queued run to its end. */
  readonly run = (job: JobSpec, signal: AbortSignal): Promise<void> => {
    const done = this.runJob(job, signal).finally(() => {
      if (this.active.get(job.id) === done) this.active.delete(job.id);
    });
    this.active.set(job.id, done);
    return done;
  };

  private async runJob(job: JobSpec, signal: AbortSignal): Promise<void> {
    const started = await this.deps.runs.transition(job.id, ["QUEUED"], {
      status: "RUNNING",
      startedAt: now(),
      phase: "loading the model and data",
    });
    if (!started) return; // cancelled or deleted while it waited
    this.publish(PruningEventKind.STATUS, started);
    const log = this.deps.logger.child({ runId: job.id });
    const model = await this.deps.models.findById(started.modelId);
    if (!model) return; // deleted: its runs went with it
    const resultModelId = randomUUID();
    const outputDir = path.join(this.dataDir, "models", resultModelId);
    // Writes and publications of one run happen one after another, so events go out in revision order.
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const next = chain.then(work);
      chain = next.catch(() => undefined);
      return next;
    };
    try {
      const task = await this.task(started, model, outputDir);
      let lastProgress = 0;
      let stepsDone = started.stepsDone;
      const result = await this.prune(task, {
        backend: this.deps.backend,
        signal,
        onStarted: (original) =>
          serial(async () => {
            const row = await this.deps.runs.transition(job.id, ["RUNNING"], { originalSummary: original });
            if (row) this.publish(PruningEventKind.PROGRESS, row);
          }),
        onProgress: (progress) => {
          const time = Date.now();
          if (time - lastProgress < PROGRESS_INTERVAL_MS) return;
          lastProgress = time;
          const phase = `step ${stepsDone + 1}: ${progress.phase} ${progress.done}/${progress.total}`;
          void serial(async () => {
            const row = await this.deps.runs.transition(job.id, ["RUNNING"], { phase });
            if (row) this.publish(PruningEventKind.PROGRESS, row);
          }).catch((error: unknown) => log.warn({ err: error }, "persisting progress failed"));
        },
        onStep: (step, checkpoint) => {
          stepsDone = step.step;
          return serial(() => this.recordStep(started, step, checkpoint ?? null));
        },
      });
      await chain;
      await this.finish(started, model, result, outputDir, resultModelId, signal, log);
    } catch (error) {
      await chain;
      await rm(outputDir, { recursive: true, force: true });
      await this.fail(job.id, error, signal, log);
      // Deleted while it ran: a checkpoint its worker wrote after deleteRun cleaned up must not stay behind.
      if (!(await this.deps.runs.findById(job.id))) {
        await rm(this.runDir(job.id), { recursive: true, force: true });
      }
    }
  }

  /**
   * The run's current state, then each change, until a final status. Throws NOT_FOUND at once for an unknown
   * id (before any event), so the client gets an error rather than an empty stream.
   */
  async progressEvents(id: string): Promise<AsyncGenerator<PruningRunEvent>> {
    // Subscribe before reading, so no change between the read and the subscription is missed; events older
    // than the state read are dropped by revision.
    const events = this.deps.bus.subscribe(TOPIC, id);
    let current: PruningRunRow;
    try {
      current = await this.row(id);
    } catch (error) {
      void events.return?.();
      throw error;
    }
    return (async function* () {
      try {
        yield { kind: PruningEventKind.SNAPSHOT, run: current, step: null };
        if (FINAL_RUN_STATUSES.has(current.status)) return;
        let revision = current.revision;
        for await (const event of events) {
          if (event.run.revision <= revision) continue;
          revision = event.run.revision;
          yield event;
          if (FINAL_RUN_STATUSES.has(event.run.status)) return;
        }
      } finally {
        await events.return?.();
      }
    })();
  }

  /** The GraphQL view of an event. */
  async toEvent(event: PruningRunEvent): Promise<PruningEvent> {
    const run = toPruningRun(event.run);
    if (!event.step) return { kind: event.kind as PruningEventKind, run, step: null };
    const layers = await this.deps.models.layersOf([run.modelId]);
    const byGroup = (groupId: string) => layers.filter((l) => l.groupId === groupId).map((l) => l.name);
    return {
      kind: event.kind as PruningEventKind,
      run,
      step: toPruningStep(event.step, run.classNames, byGroup),
    };
  }

  private async task(run: PruningRunRow, model: ModelRow, outputDir: string): Promise<PruningTask> {
    const source: ModelSource =
      model.sourceKind === "demo"
        ? { kind: "demo", name: model.source }
        : { kind: "path", path: model.source };
    if (!model.dataset)
      throw new ApiError("INVALID_ARGUMENT", `model "${model.name}" has no dataset to prune on`);
    const persisted = await this.deps.runs.steps(run.id);
    const eachStep = run.fineTune === "EACH_STEP";
    let checkpoint: string | undefined;
    if (eachStep && persisted.length > 0) {
      checkpoint = persisted.at(-1)!.checkpoint ?? undefined;
      if (!checkpoint || !existsSync(path.join(checkpoint, "model.json"))) {
        throw new ApiError(
          "INVALID_ARGUMENT",
          `cannot resume run "${run.id}" exactly: the network saved after step ${persisted.length} is missing ` +
            `(${checkpoint ?? "no checkpoint recorded"}); start a new run`,
        );
      }
    }
    const groups = run.groups;
    return {
      kind: "pruning",
      runId: run.id,
      source,
      dataset: model.dataset,
      criterion: run.criterion,
      scope:
        run.scope === "LAYER"
          ? { kind: "layer", group: groups[0]! }
          : run.scope === "SEQUENTIAL"
            ? { kind: "sequential", groups }
            : { kind: "global", groups },
      target: {
        ...(run.targetKeep !== null ? { keep: run.targetKeep } : {}),
        ...(run.targetRemoveFraction !== null ? { removeFraction: run.targetRemoveFraction } : {}),
        ...(run.targetMinAccuracy !== null ? { minAccuracy: run.targetMinAccuracy } : {}),
      },
      stepSize: run.stepSize,
      fineTune: {
        when: FINE_TUNE_WHEN[run.fineTune],
        epochs: run.fineTuneEpochs,
        ...(run.fineTuneLearningRate !== null ? { learningRate: run.fineTuneLearningRate } : {}),
        ...(run.maxTrainImages !== null ? { maxImages: run.maxTrainImages } : {}),
      },
      ...(run.protectClasses && run.protectMaxDrop !== null
        ? { protect: { classes: run.protectClasses, maxDrop: run.protectMaxDrop } }
        : {}),
      selection: {
        split: run.selectionSplit.toLowerCase(),
        ...(run.maxSelectionImages !== null ? { maxImages: run.maxSelectionImages } : {}),
      },
      ...(run.maxTestImages !== null ? { maxTestImages: run.maxTestImages } : {}),
      seed: run.seed,
      ...(persisted.length > 0
        ? { resume: { steps: persisted.map((s) => s.details), ...(checkpoint ? { checkpoint } : {}) } }
        : {}),
      ...(eachStep ? { checkpointDir: path.join(this.runDir(run.id), "checkpoints") } : {}),
      outputDir,
    };
  }

  /** Persists a step (with the run's progress), publishes it, then drops checkpoints no resume needs. */
  private async recordStep(
    run: PruningRunRow,
    step: PruneStepRecord,
    checkpoint: string | null,
  ): Promise<void> {
    const remaining = Math.max(0, run.plannedSteps - step.step);
    const etaSeconds = step.step > 0 ? (step.elapsedSeconds / step.step) * remaining : null;
    const saved = await this.deps.runs.recordStep(
      run.id,
      step,
      checkpoint,
      { etaSeconds, phase: `step ${step.step + 1}: scoring` },
      now(),
    );
    if (!saved) return; // cancelled or deleted meanwhile
    this.deps.bus.publish(TOPIC, run.id, { kind: PruningEventKind.STEP, run: saved.run, step: saved.step });
    if (checkpoint) {
      // Only the network after the last persisted step is needed to resume.
      const dir = path.dirname(checkpoint);
      for (let s = step.step - 1; s >= 1; s--) {
        const older = path.join(dir, `step-${s}`);
        if (!existsSync(older)) break;
        await rm(older, { recursive: true, force: true });
      }
      await this.deps.runs.clearCheckpointsBefore(run.id, step.step);
    }
  }

  private async finish(
    run: PruningRunRow,
    model: ModelRow,
    result: PruningResult,
    outputDir: string,
    resultModelId: string,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const finishing = await this.deps.runs.transition(run.id, ["RUNNING"], {
      phase: "registering the compressed model",
    });
    if (!finishing) throw new ApiError("ABORTED", "the run stopped before its model was registered");
    this.publish(PruningEventKind.PROGRESS, finishing);
    // The compressed model's layers, filters and kernel images, and its accuracy on the full test split.
    const inspected = await this.deps.worker.inspect(
      {
        kind: "inspect",
        source: { kind: "path", path: outputDir },
        ...(model.dataset ? { dataset: model.dataset } : {}),
      },
      { backend: this.deps.backend, signal },
    );
    const criterion = CRITERIA_BY_CORE_NAME.get(run.criterion) ?? run.criterion;
    const removed = result.original.params - result.final.params;
    const derived = await this.deps.models.insert(
      resultModelId,
      { kind: "path", path: outputDir },
      {
        ...inspected,
        name: `${model.name} (pruned by ${criterion})`,
        description:
          `Compressed from "${model.name}" by pruning run ${run.id}: ${result.steps} steps of ${criterion} ` +
          `pruning over ${run.layers.join(", ")}, ${removed} parameters fewer (stopped: ${result.stopReason}).`,
      },
      now(),
      // The compressed model joins its source's workspace (adopted at start, so never null here).
      model.workspaceId ?? "",
    );
    const finished = await this.deps.runs.transition(run.id, ["RUNNING"], {
      status: "SUCCEEDED",
      originalSummary: result.original,
      finalSummary: result.final,
      stopReason: result.stopReason,
      stepsDone: result.steps,
      resultModelId: derived.id,
      reproducibility: result.reproducibility,
      phase: "done",
      etaSeconds: 0,
      finishedAt: now(),
    });
    if (!finished) {
      // Cancelled or deleted while the model was being registered: nothing may point at it.
      await this.deps.deleteModel(derived.id);
      throw new ApiError("ABORTED", "the run was cancelled while its model was being registered");
    }
    await rm(this.runDir(run.id), { recursive: true, force: true });
    this.publish(PruningEventKind.STATUS, finished);
    log.info(
      {
        steps: result.steps,
        stopReason: result.stopReason,
        resultModelId: derived.id,
        seconds: secondsSince(run.startedAt),
      },
      "pruning run succeeded",
    );
  }

  private async fail(id: string, error: unknown, signal: AbortSignal, log: Logger): Promise<void> {
    let status: PruningRunRow["status"] = "FAILED";
    let code = "INTERNAL";
    let message = "the run failed on an internal error; the API logged the details";
    if (signal.aborted) {
      const reason = signal.reason as JobStop;
      status = reason === "shutdown" ? "INTERRUPTED" : "CANCELLED";
      code = status;
      message =
        reason === "shutdown"
          ? "the server stopped while this run was pruning; its steps so far are kept: resume it with resumeRun"
          : "cancelled";
    } else if (isApiError(error) && error.code !== "INTERNAL") {
      code = error.code;
      message = error.message;
      log.warn({ code, message }, "pruning run failed");
    } else {
      log.error({ err: error }, "pruning run failed on an unexpected error");
    }
    const row = await this.deps.runs.transition(id, ["RUNNING"], {
      status,
      finishedAt: now(),
      phase: null,
      etaSeconds: null,
      ...(status === "CANCELLED" ? {} : { errorCode: code, errorMessage: message }),
    });
    if (row) this.publish(PruningEventKind.STATUS, row);
  }

  private async artifactFiles(model: ModelRow): Promise<ArtifactFile[] | undefined> {
    if (model.sourceKind !== "path" || !this.ownsModelFiles(model.source)) return undefined;
    try {
      const json = JSON.parse(await readFile(path.join(model.source, "model.json"), "utf8")) as {
        weightsManifest?: Array<{ paths: string[] }>;
      };
      const names = ["model.json", ...(json.weightsManifest ?? []).flatMap((g) => g.paths)];
      return await Promise.all(
        names.map(async (name) => ({
          name,
          url: `${ARTIFACTS_PATH}/${model.id}/${name}`,
          sizeBytes: (await stat(path.join(model.source, name))).size,
        })),
      );
    } catch {
      return undefined; // its files were removed by hand
    }
  }

  /** Whether `dir` is a compressed model's folder in the data directory (which the server may delete). */
  private ownsModelFiles(dir: string): boolean {
    const relative = path.relative(path.join(this.dataDir, "models"), path.resolve(dir));
    return (
      relative !== "" &&
      !relative.startsWith("..") &&
      !path.isAbsolute(relative) &&
      !relative.includes(path.sep)
    );
  }

  private runDir(id: string): string {
    return path.join(this.dataDir, "runs", id);
  }

  private async row(id: string): Promise<PruningRunRow> {
    const row = await this.deps.runs.findById(id);
    if (!row) throw new ApiError("NOT_FOUND", `no pruning run with id "${id}"`, { argument: "id" });
    return row;
  }

  private publish(kind: PruningEventKind, run: PruningRunRow): void {
    this.deps.bus.publish(TOPIC, run.id, { kind, run, step: null });
  }
}

/**
 * Steps the target allows at most: removals / stepSize, rounded up, per layer (summed for SEQUENTIAL) or over
 * all layers (GLOBAL). An accuracy floor alone allows removing all but one filter per layer.
 */
export function plannedSteps(
  scope: PruningScope,
  groupSizes: readonly number[],
  target: { keep?: number | null; removeFraction?: number | null },
  stepSize: number,
): number {
  const removals = (total: number, groupsInIt: number) => {
    const most = total - groupsInIt;
    if (target.keep != null) return Math.min(most, Math.max(0, total - target.keep));
    if (target.removeFraction != null) return Math.min(most, Math.round(total * target.removeFraction));
    return most;
  };
  if (scope === PruningScope.GLOBAL) {
    const total = groupSizes.reduce((a, b) => a + b, 0);
    return Math.ceil(removals(total, groupSizes.length) / stepSize);
  }
  return groupSizes.reduce((sum, size) => sum + Math.ceil(removals(size, 1) / stepSize), 0);
}

function now(): string {
  return new Date().toISOString();
}

function secondsSince(iso: string | null): number | undefined {
  return iso ? (Date.now() - Date.parse(iso)) / 1000 : undefined;
}
