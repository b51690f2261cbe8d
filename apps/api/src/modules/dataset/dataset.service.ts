/**
 * Datasets and model evaluations. A dataset's facts (format, classes, image shape, split sizes) are read once,
 * in a worker thread, when it is registered; nothing is stored unless it loads. Evaluations of a model on a
 * dataset run one at a time in worker threads: when a model or a dataset is registered (for every compatible
 * pair, on the test split) and when evaluateModel asks.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";

import type { Logger } from "pino";

import { ApiError, isApiError, notFound } from "../../errors.js";
import type { WorkerRunner } from "../../jobs/worker-runner.js";
import type { InspectDatasetResult, ModelSource } from "../../jobs/worker-protocol.js";
import { DatasetSplit } from "../analysis/analysis.type.js";
import { type ConnectionValue, type PageArgs, connection, pageWindow } from "../common/connection.js";
import type { AllowedPaths } from "../upload/allowed-paths.js";
import type { UploadStore } from "../upload/upload.store.js";
import type { EvaluateModelInput, RegisterDatasetInput } from "./dataset.input.js";
import type {
  DatasetFormatValue,
  DatasetRepository,
  DatasetRow,
  EvaluationKey,
  EvaluationRow,
} from "./dataset.repository.js";
import {
  type Dataset,
  DatasetFormat,
  DatasetSourceKind,
  EvaluationStatus,
  type ModelEvaluation,
} from "./dataset.type.js";

/** Built-in datasets, registered at the first start (as the demo models are). */
export const BUILTIN_DATASETS = ["mnist", "fashion-mnist", "shapes-tint", "shapes-isoluminant"] as const;

const DATASETS_SEEDED = "datasets_seeded";
const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 2000;
const MAX_IMAGES_LIMIT = 1_000_000;

/** What the dataset service needs to know about a model (read through the model repository). */
export interface ModelFacts {
  id: string;
  name: string;
  source: ModelSource;
  /** The model's own dataset: a built-in name or a folder; null when none was given. */
  dataset: string | null;
  inputShape: Array<number | null>;
  classNames: string[];
  /** Its workspace: the datasets it may read are the built-in ones and that workspace's. */
  workspaceId: string | null;
}

export interface DatasetServiceDeps {
  datasets: DatasetRepository;
  models: {
    find(id: string): Promise<ModelFacts | undefined>;
    all(): Promise<ModelFacts[]>;
  };
  settings: { get(key: string): Promise<string | undefined>; set(key: string, value: string): Promise<void> };
  uploads: UploadStore;
  paths: AllowedPaths;
  worker: WorkerRunner;
  backend: string;
  logger: Logger;
  /** Evaluate compatible model–dataset pairs when either is registered (CARVE_AUTO_EVALUATE). */
  autoEvaluate: boolean;
}

const FORMAT: Record<DatasetFormatValue, DatasetFormat> = {
  builtin: DatasetFormat.BUILTIN,
  idx: DatasetFormat.IDX,
  cifar10: DatasetFormat.CIFAR10,
  "image-folder": DatasetFormat.IMAGE_FOLDER,
};

const SOURCE: Record<DatasetRow["sourceKind"], DatasetSourceKind> = {
  builtin: DatasetSourceKind.BUILTIN,
  path: DatasetSourceKind.PATH,
  upload: DatasetSourceKind.UPLOAD,
};

export function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    sourceKind: SOURCE[row.sourceKind],
    format: FORMAT[row.format],
    location: row.location,
    classes: row.classNames,
    imageShape: [...row.imageShape],
    trainSize: row.trainSize,
    validationSize: row.validationSize,
    testSize: row.testSize,
    createdAt: row.createdAt,
    workspaceId: row.workspaceId,
  };
}

export function toEvaluation(row: EvaluationRow): ModelEvaluation {
  return {
    modelId: row.modelId,
    datasetId: row.datasetId,
    split: row.split as DatasetSplit,
    status: row.status as EvaluationStatus,
    images: row.images,
    accuracy: row.accuracy,
    loss: row.loss,
    perClass: (row.perClass ?? []).map((c) => ({
      classIndex: c.classIndex,
      className: c.className,
      images: c.count,
      correct: c.correct,
      accuracy: c.accuracy,
    })),
    error: row.errorMessage,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

/** Why `model` cannot read `dataset`'s images, or null when it can. */
export function incompatibility(
  model: Pick<ModelFacts, "name" | "inputShape" | "classNames">,
  dataset: Pick<DatasetRow, "name" | "imageShape" | "classNames">,
): string | null {
  const input = model.inputShape.slice(-3);
  const shapeFits = input.length === 3 && input.every((d, i) => d === null || d === dataset.imageShape[i]);
  if (!shapeFits) {
    return (
      `model "${model.name}" takes images of shape [${input.join(", ")}] but dataset "${dataset.name}" ` +
      `has [${dataset.imageShape.join(", ")}]`
    );
  }
  if (model.classNames.length !== dataset.classNames.length) {
    return (
      `model "${model.name}" has ${model.classNames.length} outputs but dataset "${dataset.name}" has ` +
      `${dataset.classNames.length} classes`
    );
  }
  return null;
}

function checkText(value: string, max: number, argument: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed.length > max || (what === "name" && trimmed.length === 0)) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `a dataset ${what} must be ${what === "name" ? "1" : "0"} to ${max} characters, got ${value.length}`,
      { argument },
    );
  }
  return trimmed;
}

function checkImageShape(shape: number[] | null | undefined): [number, number, number] | undefined {
  if (shape == null) return undefined;
  const [h, w, c] = shape;
  const ok =
    shape.length === 3 &&
    [h, w].every((n) => Number.isInteger(n) && n! >= 1 && n! <= 4096) &&
    (c === 1 || c === 3);
  if (!ok) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `imageShape must be [height, width, channels] with sides 1…4096 and 1 or 3 channels, got [${shape.join(", ")}]`,
      { argument: "input.imageShape" },
    );
  }
  return [h!, w!, c!];
}

export class DatasetService {
  /**
   * Evaluations run one at a time: ones a user asked for (evaluateModel) before the background ones queued
   * when models and datasets are registered. `closing` stops them.
   */
  private readonly asked: string[] = [];
  private readonly background: string[] = [];
  private running: Promise<void> | undefined;
  private readonly closing = new AbortController();
  private seeding: Promise<void> | undefined;

  constructor(private readonly deps: DatasetServiceDeps) {}

  /** Built-in datasets and those of `workspaceIds`. */
  async list(page: PageArgs, workspaceIds: readonly string[]): Promise<ConnectionValue<Dataset>> {
    const { limit, offset } = pageWindow(page);
    const [rows, total] = await Promise.all([
      this.deps.datasets.list(limit, offset, workspaceIds),
      this.deps.datasets.count(workspaceIds),
    ]);
    return connection(rows.map(toDataset), offset, total);
  }

  async get(id: string): Promise<Dataset> {
    return toDataset(await this.row(id));
  }

  /**
   * The dataset row, or NOT_FOUND naming `argument`. With `model`, only a dataset that model may read (built
   * in, or of its workspace): another workspace's answers NOT_FOUND too.
   */
  async row(id: string, argument = "id", model?: Pick<ModelFacts, "workspaceId">): Promise<DatasetRow> {
    const row = await this.deps.datasets.findById(id);
    if (!row || (model && row.workspaceId !== null && row.workspaceId !== model.workspaceId)) {
      throw notFound("dataset", id, argument);
    }
    return row;
  }

  /**
   * The dataset a model's work reads: `datasetId` if given (it must fit the model), else the model's own.
   * Returns the spec the worker loads (a built-in name or a folder) and, when registered, its row.
   */
  async forModel(
    model: ModelFacts,
    datasetId: string | null | undefined,
    argument: string,
  ): Promise<{ spec: string; row: DatasetRow | null; imageShape?: [number, number, number] }> {
    if (datasetId) {
      const row = await this.row(datasetId, argument, model);
      const problem = incompatibility(model, row);
      if (problem) throw new ApiError("SHAPE_MISMATCH", problem, { argument });
      return { spec: row.location, row, imageShape: row.imageShape };
    }
    if (!model.dataset) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `model "${model.name}" has no dataset of its own; pass a datasetId (list them with the datasets query)`,
        { argument },
      );
    }
    const row = (await this.deps.datasets.findByLocation(model.dataset, model.workspaceId)) ?? null;
    return { spec: model.dataset, row, ...(row ? { imageShape: row.imageShape } : {}) };
  }

  /**
   * Registers a dataset: a built-in one for everybody (registered once), a server folder or an upload into
   * `by.workspaceId` (the caller, `by.userId`, checked they may add to it, and must have uploaded the upload).
   */
  async register(
    input: RegisterDatasetInput,
    by: { workspaceId: string; userId: string } | null,
  ): Promise<Dataset> {
    const given = [input.builtin, input.path, input.uploadId].filter((v) => v != null).length;
    if (given !== 1) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `give exactly one of builtin, path and uploadId (got ${given})`,
        { argument: "input" },
      );
    }
    const imageShape = checkImageShape(input.imageShape);
    const name =
      input.name == null ? undefined : checkText(input.name, MAX_NAME_LENGTH, "input.name", "name");
    const description =
      input.description == null
        ? ""
        : checkText(input.description, MAX_DESCRIPTION_LENGTH, "input.description", "description");

    if (input.builtin != null) {
      if (!(BUILTIN_DATASETS as readonly string[]).includes(input.builtin)) {
        throw new ApiError(
          "NOT_FOUND",
          `no built-in dataset "${input.builtin}" (built-in: ${BUILTIN_DATASETS.join(", ")})`,
          { argument: "input.builtin" },
        );
      }
      const existing = await this.deps.datasets.findByLocation(input.builtin, null);
      if (existing?.sourceKind === "builtin") return toDataset(existing);
      const row = await this.inspectAndInsert(
        {
          sourceKind: "builtin",
          location: input.builtin,
          name: name ?? input.builtin,
          description,
          workspaceId: null,
        },
        undefined,
        "input.builtin",
      );
      return toDataset(row);
    }

    if (by === null) throw new ApiError("INTERNAL", "a registered dataset needs a workspace");
    const { workspaceId } = by;
    if (input.path != null) {
      const location = this.deps.paths.check(input.path, "input.path");
      if (!existsSync(location)) {
        throw new ApiError("NOT_FOUND", `dataset not found: nothing at ${location} on the server`, {
          argument: "input.path",
        });
      }
      const row = await this.inspectAndInsert(
        { sourceKind: "path", location, name: name ?? path.basename(location), description, workspaceId },
        imageShape,
        "input.path",
      );
      return toDataset(row);
    }

    const id = randomUUID();
    const location = await this.deps.uploads.claim(input.uploadId!, "datasets", id, {
      argument: "input.uploadId",
      userId: by.userId,
    });
    try {
      const row = await this.inspectAndInsert(
        {
          id,
          sourceKind: "upload",
          location,
          name: name ?? `upload ${id.slice(0, 8)}`,
          description,
          workspaceId,
        },
        imageShape,
        "input.uploadId",
      );
      return toDataset(row);
    } catch (error) {
      await this.deps.uploads.removeOwned(location);
      throw error;
    }
  }

  /** Deletes a dataset and its evaluations; an uploaded dataset's files go too. */
  async delete(id: string): Promise<Dataset> {
    const row = await this.row(id);
    await this.deps.datasets.delete(id);
    if (row.sourceKind === "upload") await this.deps.uploads.removeOwned(row.location);
    this.deps.logger.info({ datasetId: id }, "dataset deleted");
    return toDataset(row);
  }

  /**
   * Registers the built-in datasets the first time a database starts (then never again, so a deleted one
   * stays deleted), then evaluates the models on them. Runs in the background; failures are logged.
   */
  seedBuiltins(): Promise<void> {
    this.seeding ??= (async () => {
      if (await this.deps.settings.get(DATASETS_SEEDED)) return;
      const registered: string[] = [];
      for (const name of BUILTIN_DATASETS) {
        if (this.closing.signal.aborted) return;
        try {
          await this.register({ builtin: name }, null);
          registered.push(name);
        } catch (error) {
          if (this.closing.signal.aborted) return;
          this.deps.logger.info(
            { dataset: name, reason: error instanceof Error ? error.message : String(error) },
            "built-in dataset not registered",
          );
        }
      }
      await this.deps.settings.set(DATASETS_SEEDED, new Date().toISOString());
      this.deps.logger.info({ datasets: registered }, "built-in datasets registered");
    })().catch((error: unknown) => {
      if (!this.closing.signal.aborted) {
        this.deps.logger.error({ err: error }, "registering the built-in datasets failed");
      }
    });
    return this.seeding;
  }

  /** Whether files at `location` were uploaded and belong to the server (deleted with their owner). */
  ownsFiles(location: string): boolean {
    return this.deps.uploads.owns(location);
  }

  /** Evaluations of a model, oldest first (through the request's DataLoader). */
  async evaluationsOf(modelIds: readonly string[]): Promise<EvaluationRow[]> {
    return this.deps.datasets.evaluationsOf(modelIds);
  }

  /**
   * Asks for an evaluation: an existing one of the same model, dataset, split and sample is returned as it is
   * (a FAILED one is tried again); otherwise it is created PENDING and queued.
   */
  async evaluate(input: EvaluateModelInput): Promise<ModelEvaluation> {
    const model = await this.deps.models.find(input.modelId);
    if (!model) {
      throw notFound("model", input.modelId, "input.modelId");
    }
    if (input.maxImages != null && (input.maxImages < 1 || input.maxImages > MAX_IMAGES_LIMIT)) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `maxImages must be between 1 and ${MAX_IMAGES_LIMIT} (or omitted for the whole split), got ${input.maxImages}`,
        { argument: "input.maxImages" },
      );
    }
    if (!Number.isInteger(input.seed) || input.seed < 0) {
      throw new ApiError("INVALID_ARGUMENT", `seed must be ≥ 0, got ${input.seed}`, {
        argument: "input.seed",
      });
    }
    let datasetId = input.datasetId;
    if (!datasetId) {
      const own = await this.forModel(model, null, "input.datasetId");
      if (!own.row) {
        throw new ApiError(
          "NOT_FOUND",
          `model "${model.name}" reads ${own.spec}, which is not a registered dataset; register it with ` +
            `registerDataset and pass its id`,
          { argument: "input.datasetId" },
        );
      }
      datasetId = own.row.id;
    }
    const dataset = await this.row(datasetId, "input.datasetId", model);
    const problem = incompatibility(model, dataset);
    if (problem) throw new ApiError("SHAPE_MISMATCH", problem, { argument: "input.datasetId" });
    if (input.split === DatasetSplit.VALIDATION && dataset.validationSize === null) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `dataset "${dataset.name}" has no validation split (it has TRAIN, TEST and SELECTION)`,
        { argument: "input.split" },
      );
    }
    const row = await this.request(true, {
      modelId: model.id,
      datasetId: dataset.id,
      split: input.split,
      maxImages: input.maxImages ?? 0,
      seed: input.seed,
    });
    return toEvaluation(row);
  }

  /** After a model is registered: evaluate it on every compatible dataset (test split). */
  async modelRegistered(modelId: string): Promise<void> {
    if (!this.deps.autoEvaluate) return;
    const model = await this.deps.models.find(modelId);
    if (!model) return;
    for (const dataset of await this.deps.datasets.all()) {
      const readable = dataset.workspaceId === null || dataset.workspaceId === model.workspaceId;
      if (readable && !incompatibility(model, dataset))
        await this.requestTestEvaluation(model.id, dataset.id);
    }
  }

  /** At start: evaluations a stopped server left unfinished run again. */
  async recover(): Promise<void> {
    for (const id of await this.deps.datasets.idsWithStatus(["PENDING", "RUNNING"])) this.schedule(id, false);
  }

  /** Stops scheduling evaluations, stops the running one and waits for it (it goes back to PENDING). */
  async close(): Promise<void> {
    this.closing.abort();
    await this.seeding;
    await this.running;
  }

  private async requestTestEvaluation(modelId: string, datasetId: string): Promise<void> {
    await this.request(false, { modelId, datasetId, split: DatasetSplit.TEST, maxImages: 0, seed: 0 });
  }

  private async request(asked: boolean, key: EvaluationKey): Promise<EvaluationRow> {
    const { row, created } = await this.deps.datasets.upsertPending(key, randomUUID(), now());
    if (created || row.status === "FAILED") this.schedule(row.id, asked);
    // Asked for while it waits in the background: it moves to the front.
    else if (asked && row.status === "PENDING" && this.background.includes(row.id)) {
      this.background.splice(this.background.indexOf(row.id), 1);
      this.schedule(row.id, true);
    }
    return created ? row : ((await this.deps.datasets.evaluationById(row.id)) ?? row);
  }

  private schedule(id: string, asked: boolean): void {
    if (this.closing.signal.aborted) return;
    (asked ? this.asked : this.background).push(id);
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const id = this.asked.shift() ?? this.background.shift();
      if (id === undefined || this.closing.signal.aborted) break;
      await this.runEvaluation(id);
    }
    this.running = undefined;
  }

  private async runEvaluation(id: string): Promise<void> {
    const signal = this.closing.signal;
    if (signal.aborted) return;
    const log = this.deps.logger.child({ evaluationId: id });
    try {
      if (!(await this.deps.datasets.markRunning(id, ["PENDING", "FAILED", "RUNNING"]))) return;
      const evaluation = await this.deps.datasets.evaluationById(id);
      const model = evaluation && (await this.deps.models.find(evaluation.modelId));
      const dataset = evaluation && (await this.deps.datasets.findById(evaluation.datasetId));
      if (!evaluation || !model || !dataset) return; // deleted meanwhile
      const result = await this.deps.worker.evaluate(
        {
          kind: "evaluate",
          source: model.source,
          dataset: dataset.location,
          imageShape: dataset.imageShape,
          split: evaluation.split.toLowerCase(),
          seed: evaluation.seed,
          ...(evaluation.maxImages > 0 ? { maxImages: evaluation.maxImages } : {}),
        },
        { backend: this.deps.backend, signal },
      );
      await this.deps.datasets.succeed(id, result.evaluation, now());
      log.info(
        {
          modelId: model.id,
          datasetId: dataset.id,
          accuracy: result.evaluation.accuracy,
          seconds: result.seconds,
        },
        "model evaluated",
      );
    } catch (error) {
      if (signal.aborted) {
        await this.deps.datasets.markPending(id).catch(() => {});
        return;
      }
      const message =
        isApiError(error) && error.code !== "INTERNAL"
          ? error.message
          : "the evaluation failed on an internal error; the API logged the details";
      if (!isApiError(error) || error.code === "INTERNAL") log.error({ err: error }, "evaluation failed");
      await this.deps.datasets.fail(id, message, now()).catch(() => {});
    }
  }

  private async inspectAndInsert(
    what: {
      id?: string;
      sourceKind: DatasetRow["sourceKind"];
      location: string;
      name: string;
      description: string;
      workspaceId: string | null;
    },
    imageShape: [number, number, number] | undefined,
    argument: string,
  ): Promise<DatasetRow> {
    let inspected: InspectDatasetResult;
    try {
      inspected = await this.deps.worker.inspectDataset(
        { kind: "inspect-dataset", dataset: what.location, ...(imageShape ? { imageShape } : {}) },
        { backend: this.deps.backend, signal: this.closing.signal },
      );
    } catch (error) {
      if (isApiError(error) && error.code !== "INTERNAL") {
        throw new ApiError(
          error.code === "NOT_FOUND" && what.sourceKind !== "builtin" ? "INVALID_DATA" : error.code,
          `could not register dataset ${what.sourceKind === "builtin" ? what.location : `"${what.name}"`}: ${error.message}`,
          { argument },
        );
      }
      throw error;
    }
    const row: DatasetRow = {
      id: what.id ?? randomUUID(),
      name: what.name,
      description: what.description,
      sourceKind: what.sourceKind,
      format: inspected.sourceKind as DatasetFormatValue,
      location: what.location,
      classNames: inspected.classNames,
      imageShape: inspected.imageShape,
      trainSize: inspected.trainSize,
      validationSize: inspected.validationSize,
      testSize: inspected.testSize,
      createdAt: now(),
      workspaceId: what.workspaceId,
    };
    try {
      await this.deps.datasets.insert(row);
    } catch (error) {
      // Two registrations of the same built-in dataset raced: the unique index kept the first.
      const existing =
        what.sourceKind === "builtin" && (await this.deps.datasets.findByLocation(what.location, null));
      if (existing) return existing;
      throw error;
    }
    if (this.deps.autoEvaluate) {
      for (const model of await this.deps.models.all()) {
        const readable = row.workspaceId === null || row.workspaceId === model.workspaceId;
        if (readable && !incompatibility(model, row)) await this.requestTestEvaluation(model.id, row.id);
      }
    }
    return row;
  }
}

function now(): string {
  return new Date().toISOString();
}
