/**
 * Registering, listing, renaming and deleting models. A model's static facts (layers, filter groups, L1
 * norms, kernel images) are read once, in a worker thread, when it is registered; queries then only read SQL.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";

import type { Logger } from "pino";

import type { SettingsRepository } from "../../db/settings.repository.js";
import { ApiError, isApiError, notFound } from "../../errors.js";
import type { WorkerRunner } from "../../jobs/worker-runner.js";
import type { InspectResult, ModelSource as ModelSourceValue } from "../../jobs/worker-protocol.js";
import type { AnalysisService } from "../analysis/analysis.service.js";
import { BUILTIN_DATASETS, type DatasetService } from "../dataset/dataset.service.js";
import { type ConnectionValue, type PageArgs, connection, pageWindow } from "../common/connection.js";
import type { Layer } from "../layer/layer.type.js";
import type { AllowedPaths } from "../upload/allowed-paths.js";
import { type UploadStore, findModelJson } from "../upload/upload.store.js";
import type { RegisterModelInput } from "./model.input.js";
import type {
  DeletedModel,
  LayerRow,
  ModelListOptions,
  ModelRepository,
  ModelRow,
} from "./model.repository.js";
import { type Model, ModelSource } from "./model.type.js";

const DEMOS_SEEDED = "demos_seeded";
const MAX_NAME_LENGTH = 200;

export function toModel(row: ModelRow): Model {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    source: row.sourceKind === "demo" ? ModelSource.DEMO : ModelSource.PATH,
    location: row.source,
    dataset: row.dataset,
    topology: row.topology,
    inputShape: row.inputShape,
    classes: row.classNames,
    params: row.params,
    flops: row.flops,
    sizeBytes: row.sizeBytes,
    accuracy: row.testAccuracy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    // Adopted by the default workspace at start: never null once the server runs.
    workspaceId: row.workspaceId ?? "",
  };
}

export function toLayer(row: LayerRow): Layer {
  return {
    modelId: row.modelId,
    index: row.position,
    name: row.name,
    className: row.className,
    outputShape: row.outputShape,
    filterCount: row.filters,
    kernelSize: row.kernelSize,
    activation: row.activation,
    params: row.params,
    flops: row.flops,
    prunable: row.groupId !== null,
    filterGroupId: row.groupId,
  };
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `a model name must be 1 to ${MAX_NAME_LENGTH} characters (not only spaces), got ${JSON.stringify(name)}`,
      { argument: "name" },
    );
  }
  return trimmed;
}

export interface ModelServiceDeps {
  /** Where uploaded files wait, and where an uploaded model's files are kept. */
  uploads: UploadStore;
  /** The folders models and datasets may be registered from (CARVE_ALLOWED_PATHS). */
  paths: AllowedPaths;
  datasets: () => DatasetService;
  models: ModelRepository;
  settings: SettingsRepository;
  analyses: () => AnalysisService;
  worker: WorkerRunner;
  backend: string;
  logger: Logger;
}

export class ModelService {
  constructor(private readonly deps: ModelServiceDeps) {}

  async list(page: PageArgs, options: ModelListOptions = {}): Promise<ConnectionValue<Model>> {
    const { limit, offset } = pageWindow(page);
    const [rows, total] = await Promise.all([
      this.deps.models.list(limit, offset, options),
      this.deps.models.count(options),
    ]);
    return connection(rows.map(toModel), offset, total);
  }

  async get(id: string): Promise<Model> {
    return toModel(await this.row(id));
  }

  /** The model row, or NOT_FOUND. */
  async row(id: string, argument = "id"): Promise<ModelRow> {
    const row = await this.deps.models.findById(id);
    if (!row) {
      throw notFound("model", id, argument);
    }
    return row;
  }

  /** Registers a shipped demo model in a workspace, or returns it if it is registered there already. */
  async registerDemo(name: string, workspaceId: string): Promise<Model> {
    const existing = await this.deps.models.findDemo(name, workspaceId);
    if (existing) return toModel(existing);
    const result = await this.deps.worker.inspectDemos(
      { kind: "inspect-demos", names: [name] },
      this.workerOptions(),
    );
    const inspected = result.models[0]!;
    return toModel(await this.insertDemo(inspected.demo, inspected.model, workspaceId));
  }

  /**
   * Registers every trained demo model the first time a database is started (then never again, so a demo a
   * user deleted stays deleted), into the default workspace. Failures are logged, not fatal: the API is useful
   * without demos.
   */
  async seedDemos(workspaceId: string): Promise<void> {
    if (await this.deps.settings.get(DEMOS_SEEDED)) return;
    try {
      const result = await this.deps.worker.inspectDemos({ kind: "inspect-demos" }, this.workerOptions());
      for (const { demo, model } of result.models) {
        if (!(await this.deps.models.findDemo(demo, workspaceId)))
          await this.insertDemo(demo, model, workspaceId);
      }
      for (const { demo, reason } of result.skipped)
        this.deps.logger.info({ demo, reason }, "demo model not seeded");
      await this.deps.settings.set(DEMOS_SEEDED, new Date().toISOString());
      this.deps.logger.info({ demos: result.models.map((m) => m.demo) }, "demo models registered");
    } catch (error) {
      this.deps.logger.error(
        { err: error },
        "registering the demo models failed; register them with registerDemoModel",
      );
    }
  }

  /**
   * Registers a model.json (or its folder) on the server's disk under CARVE_ALLOWED_PATHS, or an upload's
   * files (moved into the data directory). Nothing is stored unless it loads: a failed upload's files are
   * deleted too. Compatible datasets then evaluate it in the background. The caller (`by.userId`, who must
   * have uploaded `input.uploadId`) checked that they may add models to `by.workspaceId`, and that
   * `input.datasetId` is theirs to use.
   */
  async register(input: RegisterModelInput, by: { workspaceId: string; userId: string }): Promise<Model> {
    const given = [input.path, input.uploadId].filter((v) => v != null).length;
    if (given !== 1) {
      throw new ApiError("INVALID_ARGUMENT", `give exactly one of path and uploadId (got ${given})`, {
        argument: "input",
      });
    }
    if (input.dataset != null && input.datasetId != null) {
      throw new ApiError("INVALID_ARGUMENT", "give dataset or datasetId, not both", { argument: "input" });
    }
    const name = input.name == null ? undefined : checkName(input.name);
    let dataset: string | undefined;
    if (input.datasetId != null) {
      dataset = (await this.deps.datasets().row(input.datasetId, "input.datasetId")).location;
    } else if (input.dataset != null) {
      dataset = (BUILTIN_DATASETS as readonly string[]).includes(input.dataset)
        ? input.dataset
        : this.deps.paths.check(input.dataset, "input.dataset");
    }
    const id = randomUUID();
    let location: string;
    let owned: string | undefined;
    if (input.path != null) {
      location = this.deps.paths.check(input.path, "input.path");
      if (!existsSync(location)) {
        throw new ApiError(
          "NOT_FOUND",
          `model not found: nothing at ${location} on the server; give the path of a model.json or its folder`,
          { argument: "input.path" },
        );
      }
    } else {
      owned = await this.deps.uploads.claim(input.uploadId!, "models", id, {
        argument: "input.uploadId",
        userId: by.userId,
      });
      try {
        location = await findModelJson(owned);
      } catch (error) {
        await this.deps.uploads.removeOwned(owned);
        throw error;
      }
    }
    const source: ModelSourceValue = { kind: "path", path: location };
    let row: ModelRow;
    try {
      let inspected: InspectResult;
      try {
        inspected = await this.deps.worker.inspect(
          { kind: "inspect", source, ...(dataset ? { dataset } : {}) },
          this.workerOptions(),
        );
      } catch (error) {
        if (isApiError(error) && error.code !== "INTERNAL") {
          const what = owned ? `the uploaded model ${input.uploadId}` : location;
          throw new ApiError(error.code, `could not register ${what}: ${error.message}`, {
            argument: "input",
          });
        }
        throw error;
      }
      if (owned && name === undefined) inspected = { ...inspected, name: `upload ${id.slice(0, 8)}` };
      row = await this.deps.models.insert(
        id,
        source,
        { ...inspected, name: name ?? inspected.name },
        now(),
        by.workspaceId,
      );
    } catch (error) {
      if (owned) await this.deps.uploads.removeOwned(owned);
      throw error;
    }
    this.deps
      .datasets()
      .modelRegistered(row.id)
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, modelId: row.id }, "queueing the model's evaluations failed"),
      );
    return toModel(row);
  }

  async rename(id: string, name: string): Promise<Model> {
    const checked = checkName(name);
    const row = await this.deps.models.rename((await this.row(id)).id, checked, now());
    // Deleted between the two statements.
    if (!row) throw new ApiError("NOT_FOUND", `no model with id "${id}"`, { argument: "id" });
    return toModel(row);
  }

  /** Cancels the model's unfinished analyses, then deletes it with everything that depends on it. */
  async delete(id: string): Promise<DeletedModel> {
    await this.row(id);
    await this.deps.analyses().cancelAllOfModel(id);
    const deleted = await this.deps.models.delete(id);
    if (!deleted) throw new ApiError("NOT_FOUND", `no model with id "${id}"`, { argument: "id" });
    // An uploaded model's files belong to the server.
    await this.deps.uploads.removeOwned(this.deps.uploads.ownedDir("models", id));
    this.deps.logger.info({ modelId: id, deleted }, "model deleted");
    return deleted;
  }

  private async insertDemo(demo: string, model: InspectResult, workspaceId: string): Promise<ModelRow> {
    try {
      return await this.deps.models.insert(
        randomUUID(),
        { kind: "demo", name: demo },
        model,
        now(),
        workspaceId,
      );
    } catch (error) {
      // Two registrations of the same demo raced: the unique index kept the first.
      const existing = await this.deps.models.findDemo(demo, workspaceId);
      if (existing) return existing;
      throw error;
    }
  }

  private workerOptions() {
    return { backend: this.deps.backend };
  }
}

function now(): string {
  return new Date().toISOString();
}
