/**
 * CAR analyses: validated here, queued, run in a worker thread by the job handler, every progress step
 * persisted and then published. Subscribers get the persisted state first and the published changes after.
 */
import { randomUUID } from "node:crypto";

import type { Logger } from "pino";

import { ApiError, isApiError, notFound } from "../../errors.js";
import type { EventBus } from "../../events/event-bus.js";
import type { JobQueue, JobSpec, JobStop } from "../../jobs/job-queue.js";
import { ProgressWriter } from "../../jobs/progress-writer.js";
import type { WorkerRunner } from "../../jobs/worker-runner.js";
import type { ModelSource, WorkerProgress } from "../../jobs/worker-protocol.js";
import { type ConnectionValue, type PageArgs, connection, pageWindow } from "../common/connection.js";
import type { DatasetService } from "../dataset/dataset.service.js";
import { toModelFacts } from "../dataset/model-facts.js";
import { requestedGroups } from "../layer/requested-groups.js";
import type { ModelRepository } from "../model/model.repository.js";
import type { StartAnalysisInput } from "./analysis.input.js";
import { FINAL_STATUSES, type AnalysisRepository, type AnalysisRow } from "./analysis.repository.js";
import { type Analysis, AnalysisStatus, DatasetSplit } from "./analysis.type.js";

const TOPIC = "ANALYSIS_CHANGED";
/** A bound that keeps one request from queueing hours of work by accident; the full sets are far smaller. */
const MAX_IMAGES_LIMIT = 1_000_000;

export function toAnalysis(row: AnalysisRow): Analysis {
  const finished = row.status === "SUCCEEDED";
  return {
    id: row.id,
    modelId: row.modelId,
    datasetId: row.datasetId,
    datasetLocation: row.dataset,
    status: row.status as AnalysisStatus,
    progress: {
      done: row.progressDone,
      total: row.progressTotal,
      fraction: finished ? 1 : row.progressTotal > 0 ? row.progressDone / row.progressTotal : 0,
      phase: row.phase,
      etaSeconds: row.etaSeconds,
    },
    layers: row.layers,
    split: row.split as DatasetSplit,
    classwise: row.classwise,
    maxImages: row.maxImages,
    seed: row.seed,
    images: row.images,
    baseAccuracy: row.baseAccuracy,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export interface AnalysisServiceDeps {
  analyses: AnalysisRepository;
  /** Resolves startAnalysis's datasetId (and checks that it fits the model). */
  datasets: () => DatasetService;
  models: ModelRepository;
  bus: EventBus;
  queue: JobQueue;
  worker: WorkerRunner;
  backend: string;
  logger: Logger;
}

export class AnalysisService {
  constructor(private readonly deps: AnalysisServiceDeps) {}

  async get(id: string): Promise<Analysis> {
    return toAnalysis(await this.row(id));
  }

  /** A model's analyses, newest first; only those with one of `statuses` when given. */
  async listByModel(
    modelId: string,
    page: PageArgs,
    statuses?: readonly AnalysisStatus[] | null,
  ): Promise<ConnectionValue<Analysis>> {
    const { limit, offset } = pageWindow(page);
    const only = statuses ?? undefined;
    const [rows, total] = await Promise.all([
      this.deps.analyses.listByModel(modelId, limit, offset, only),
      this.deps.analyses.countByModel(modelId, only),
    ]);
    return connection(rows.map(toAnalysis), offset, total);
  }

  /** Validates the request against the model's layers, stores it QUEUED and queues it. */
  async start(input: StartAnalysisInput): Promise<Analysis> {
    const model = await this.deps.models.findById(input.modelId);
    if (!model) {
      throw notFound("model", input.modelId, "input.modelId");
    }
    // The model's own dataset, or input.datasetId (SHAPE_MISMATCH if its images do not fit the model).
    const dataset = await this.deps
      .datasets()
      .forModel(toModelFacts(model), input.datasetId, input.datasetId ? "input.datasetId" : "input.modelId");
    const layers = await this.deps.models.layersOf([model.id]);
    const prunable = layers.filter((l) => l.groupId !== null);
    const requested = input.layers ?? prunable.map((l) => l.name);
    if (requested.length === 0) {
      throw new ApiError("INVALID_ARGUMENT", `model "${model.name}" has no prunable layer to score`, {
        argument: "input.layers",
      });
    }
    const groups = requestedGroups(model.name, layers, requested, "merge");
    if (input.maxImages != null && (input.maxImages < 1 || input.maxImages > MAX_IMAGES_LIMIT)) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `maxImages must be between 1 and ${MAX_IMAGES_LIMIT} (or omitted for the whole split), got ${input.maxImages}`,
        { argument: "input.maxImages" },
      );
    }
    if (input.seed < 0) {
      throw new ApiError("INVALID_ARGUMENT", `seed must be ≥ 0, got ${input.seed}`, {
        argument: "input.seed",
      });
    }
    const row = await this.deps.analyses.insert({
      id: randomUUID(),
      modelId: model.id,
      layers: [...new Set(requested)],
      groups,
      split: input.split,
      classwise: input.classwise,
      maxImages: input.maxImages ?? null,
      seed: input.seed,
      createdAt: now(),
      ...(input.datasetId ? { datasetId: dataset.row?.id ?? null, dataset: dataset.spec } : {}),
    });
    this.publish(row);
    this.deps.queue.enqueue({ kind: "analysis", id: row.id });
    this.deps.logger.info({ analysisId: row.id, modelId: model.id, groups }, "analysis queued");
    return toAnalysis(row);
  }

  /**
   * Cancels a queued or running analysis (a finished one is returned as it is). A running one is marked
   * CANCELLED at once; its worker stops at the next batch and its later updates are ignored.
   */
  async cancel(id: string): Promise<Analysis> {
    const row = await this.row(id);
    if (FINAL_STATUSES.has(row.status)) return toAnalysis(row);
    this.deps.queue.cancel(id);
    const cancelled = await this.deps.analyses.transition(id, ["QUEUED", "RUNNING"], {
      status: "CANCELLED",
      finishedAt: now(),
    });
    if (cancelled) {
      this.publish(cancelled);
      this.deps.logger.info({ analysisId: id }, "analysis cancelled");
    }
    return toAnalysis(cancelled ?? (await this.row(id)));
  }

  /** Before a model is deleted: stop its unfinished analyses. */
  async cancelAllOfModel(modelId: string): Promise<void> {
    const page = await this.deps.analyses.listByModel(modelId, Number.MAX_SAFE_INTEGER, 0);
    for (const row of page) if (!FINAL_STATUSES.has(row.status)) await this.cancel(row.id);
  }

  /**
   * At start: analyses left RUNNING by a stopped server are marked INTERRUPTED, and QUEUED ones are queued
   * again (they never started, so nothing is lost by running them now).
   */
  async recover(): Promise<{ interrupted: number; requeued: number }> {
    const interrupted = await this.deps.analyses.interruptRunning(
      now(),
      "the server stopped while this analysis ran; start a new analysis to score these layers",
    );
    for (const row of interrupted) this.publish(row);
    const queued = await this.deps.analyses.idsWithStatus("QUEUED");
    for (const id of queued) this.deps.queue.enqueue({ kind: "analysis", id });
    if (interrupted.length + queued.length > 0) {
      this.deps.logger.info(
        { interrupted: interrupted.length, requeued: queued.length },
        "analyses recovered",
      );
    }
    return { interrupted: interrupted.length, requeued: queued.length };
  }

  /** The job handler: runs one queued analysis to its end. */
  readonly run = async (job: JobSpec, signal: AbortSignal): Promise<void> => {
    const started = await this.deps.analyses.transition(job.id, ["QUEUED"], {
      status: "RUNNING",
      startedAt: now(),
    });
    if (!started) return; // cancelled or deleted while it waited
    this.publish(started);
    const log = this.deps.logger.child({ analysisId: job.id });
    const model = await this.deps.models.findById(started.modelId);
    if (!model) return; // deleted: its analyses went with it
    const source: ModelSource =
      model.sourceKind === "demo"
        ? { kind: "demo", name: model.source }
        : { kind: "path", path: model.source };
    const progress = new ProgressWriter<WorkerProgress>(async (step) => {
      const row = await this.deps.analyses.recordProgress(job.id, step);
      if (row) this.publish(row);
    }, log);
    try {
      const dataset = started.dataset ?? model.dataset;
      if (!dataset) {
        throw new ApiError("INVALID_ARGUMENT", `model "${model.name}" has no dataset to score on`);
      }
      const result = await this.deps.worker.analyse(
        {
          kind: "analysis",
          source,
          dataset,
          groups: started.groups,
          split: started.split.toLowerCase(),
          classwise: started.classwise,
          seed: started.seed,
          ...(started.maxImages !== null ? { maxImages: started.maxImages } : {}),
        },
        {
          backend: this.deps.backend,
          signal,
          onProgress: (step) => progress.write(step),
        },
      );
      await progress.flushed();
      const finished = await this.deps.analyses.succeed(job.id, result, now());
      if (finished) {
        this.publish(finished);
        log.info({ images: result.images, seconds: secondsSince(started.startedAt) }, "analysis succeeded");
      }
    } catch (error) {
      await progress.flushed();
      await this.fail(job.id, error, signal, log);
    }
  };

  /**
   * The analysis's current state, then each change, until a final status. Throws NOT_FOUND at once for an
   * unknown id (before any event), so the client gets an error rather than an empty stream.
   */
  async progressEvents(id: string): Promise<AsyncGenerator<AnalysisRow>> {
    // Subscribe before reading, so no change between the read and the subscription is missed; events older
    // than the state read are dropped by revision.
    const events = this.deps.bus.subscribe(TOPIC, id);
    let current: AnalysisRow;
    try {
      current = await this.row(id);
    } catch (error) {
      void events.return?.();
      throw error;
    }
    return (async function* () {
      try {
        yield current;
        if (FINAL_STATUSES.has(current.status)) return;
        let revision = current.revision;
        for await (const row of events) {
          if (row.revision <= revision) continue;
          revision = row.revision;
          yield row;
          if (FINAL_STATUSES.has(row.status)) return;
        }
      } finally {
        await events.return?.();
      }
    })();
  }

  private async fail(id: string, error: unknown, signal: AbortSignal, log: Logger): Promise<void> {
    let status: AnalysisRow["status"] = "FAILED";
    let code = "INTERNAL";
    let message = "the analysis failed on an internal error; the API logged the details";
    if (signal.aborted) {
      const reason = signal.reason as JobStop;
      status = reason === "shutdown" ? "INTERRUPTED" : "CANCELLED";
      code = status;
      message = reason === "shutdown" ? "the server stopped while this analysis ran" : "cancelled";
    } else if (isApiError(error) && error.code !== "INTERNAL") {
      code = error.code;
      message = error.message;
      log.warn({ code, message }, "analysis failed");
    } else {
      log.error({ err: error }, "analysis failed on an unexpected error");
    }
    const row = await this.deps.analyses.transition(id, ["RUNNING"], {
      status,
      finishedAt: now(),
      ...(status === "CANCELLED" ? {} : { errorCode: code, errorMessage: message }),
    });
    if (row) this.publish(row);
  }

  private async row(id: string): Promise<AnalysisRow> {
    const row = await this.deps.analyses.findById(id);
    if (!row) {
      throw new ApiError("NOT_FOUND", `no analysis with id "${id}"`, { argument: "id" });
    }
    return row;
  }

  private publish(row: AnalysisRow): void {
    this.deps.bus.publish(TOPIC, row.id, row);
  }
}

function now(): string {
  return new Date().toISOString();
}

function secondsSince(iso: string | null): number | undefined {
  return iso ? (Date.now() - Date.parse(iso)) / 1000 : undefined;
}
