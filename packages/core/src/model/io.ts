import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";

/**
 * A model handed over in memory, e.g. an HTTP upload: the `model.json` text (or parsed object) and its
 * weight shards keyed by the file names that `weightsManifest[].paths` lists.
 */
export interface ModelUpload {
  modelJson: string | object;
  weightFiles: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;
  /** Where it came from, used in error messages (default "upload"). */
  label?: string;
}

/** Where a saved model went and how big it is on disk. */
export interface SavedModel {
  modelJsonPath: string;
  weightsPath: string;
  /** Bytes of model.json plus weights. */
  bytes: number;
}

const WEIGHTS_FILE = "weights.bin";

interface ModelJsonShape {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
}

function parseModelJson(source: string | object, label: string): ModelJsonShape {
  let parsed: unknown = source;
  if (typeof source === "string") {
    try {
      parsed = JSON.parse(source);
    } catch (error) {
      throw new CarveError("INVALID_MODEL", `${label} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const json = parsed as Partial<ModelJsonShape> | null;
  if (
    !json ||
    typeof json !== "object" ||
    typeof json.modelTopology !== "object" ||
    json.modelTopology === null
  ) {
    throw new CarveError(
      "INVALID_MODEL",
      `${label} has no "modelTopology": expected a TensorFlow.js layers model (model.json written by ` +
        `model.save() or tensorflowjs_converter --output_format tfjs_layers_model)`,
    );
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new CarveError("INVALID_MODEL", `${label} has no "weightsManifest" array`);
  }
  const topology = json.modelTopology as { class_name?: string; model_config?: unknown };
  if (topology.class_name === undefined && topology.model_config === undefined) {
    throw new CarveError(
      "INVALID_MODEL",
      `${label} looks like a graph model (converted SavedModel), which cannot be pruned layer by layer; ` +
        `convert the Keras model with --output_format tfjs_layers_model instead`,
    );
  }
  return json as ModelJsonShape;
}

/** Joins the shards in manifest order and checks their sizes against the weight specs. */
function assembleWeights(
  json: ModelJsonShape,
  readShard: (name: string) => Uint8Array,
  label: string,
): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const shards = json.weightsManifest.flatMap((group) => group.paths.map(readShard));
  const total = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  const expected = weightSpecs.reduce((sum, spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytesPer = spec.quantization ? (spec.quantization.dtype === "uint8" ? 1 : 2) : 4;
    return sum + count * bytesPer;
  }, 0);
  if (total !== expected) {
    throw new CarveError(
      "INVALID_MODEL",
      `${label}: weight shards hold ${total} bytes but the manifest describes ${expected} ` +
        `(a shard is truncated or belongs to another model)`,
    );
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  return { weightSpecs, weightData: weightData.buffer };
}

async function fromArtifacts(
  json: ModelJsonShape,
  weightSpecs: tf.io.WeightsManifestEntry[],
  weightData: ArrayBuffer,
  label: string,
): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format }),
    );
  } catch (error) {
    throw new CarveError("INVALID_MODEL", `${label} could not be built: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Resolves a model path that may name `model.json` itself or the folder holding it. */
export async function resolveModelJsonPath(modelPath: string): Promise<string> {
  let info;
  try {
    info = await stat(modelPath);
  } catch {
    throw new CarveError("NOT_FOUND", `model not found: ${modelPath} does not exist`);
  }
  const file = info.isDirectory() ? path.join(modelPath, "model.json") : modelPath;
  try {
    await stat(file);
  } catch {
    throw new CarveError("NOT_FOUND", `model not found: ${modelPath} has no model.json`);
  }
  return file;
}

/**
 * Loads a TF.js layers model from disk (a `model.json` path or its folder) on any backend: the wasm and cpu
 * backends register no `file://` handler, so the files are read here and passed in memory.
 * The caller owns the returned model and disposes it.
 */
export async function loadModel(modelPath: string): Promise<tfl.LayersModel> {
  const file = await resolveModelJsonPath(modelPath);
  const json = parseModelJson(await readFile(file, "utf8"), file);
  const dir = path.dirname(file);
  const shards = new Map<string, Uint8Array>();
  for (const name of json.weightsManifest.flatMap((group) => group.paths)) {
    const shardPath = path.resolve(dir, name);
    if (path.relative(dir, shardPath).startsWith("..")) {
      throw new CarveError("INVALID_MODEL", `${file}: weight path ${name} points outside the model folder`);
    }
    try {
      shards.set(name, await readFile(shardPath));
    } catch {
      throw new CarveError(
        "INVALID_MODEL",
        `${file}: weight shard ${name} is missing (looked for ${shardPath})`,
      );
    }
  }
  const { weightSpecs, weightData } = assembleWeights(json, (name) => shards.get(name)!, file);
  return fromArtifacts(json, weightSpecs, weightData, file);
}

/** Loads a model from memory (an upload). The caller owns the returned model. */
export async function loadModelFromUpload(upload: ModelUpload): Promise<tfl.LayersModel> {
  const label = upload.label ?? "upload";
  const json = parseModelJson(upload.modelJson, `${label} model.json`);
  const files =
    upload.weightFiles instanceof Map
      ? (upload.weightFiles as ReadonlyMap<string, Uint8Array>)
      : new Map(Object.entries(upload.weightFiles as Record<string, Uint8Array>));
  const { weightSpecs, weightData } = assembleWeights(
    json,
    (name) => {
      const shard = files.get(name) ?? files.get(path.basename(name));
      if (!shard) {
        throw new CarveError(
          "INVALID_MODEL",
          `${label}: weight shard ${name} listed in model.json was not uploaded (got: ${[...files.keys()].join(", ") || "none"})`,
        );
      }
      return shard;
    },
    label,
  );
  return fromArtifacts(json, weightSpecs, weightData, label);
}

/** Serializes a model to the two files of the TF.js layers format, in memory. */
export async function serializeModel(
  model: tfl.LayersModel,
): Promise<{ modelJson: string; weights: Uint8Array }> {
  let out: { modelJson: string; weights: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffer =
        weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(weightData);
      const json: ModelJsonShape = {
        format: "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      out = { modelJson: JSON.stringify(json), weights: new Uint8Array(buffer) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return out!;
}

/**
 * Saves a model as `dir/model.json` + `dir/weights.bin`. Files are written under temporary names and renamed,
 * so a crash never leaves a half-written model where a good one was.
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<SavedModel> {
  const { modelJson, weights } = await serializeModel(model);
  await mkdir(dir, { recursive: true });
  const modelJsonPath = path.join(dir, "model.json");
  const weightsPath = path.join(dir, WEIGHTS_FILE);
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(weightsPath + suffix, weights);
    await writeFile(modelJsonPath + suffix, modelJson);
    await rename(weightsPath + suffix, weightsPath);
    await rename(modelJsonPath + suffix, modelJsonPath);
  } finally {
    await rm(weightsPath + suffix, { force: true });
    await rm(modelJsonPath + suffix, { force: true });
  }
  return { modelJsonPath, weightsPath, bytes: Buffer.byteLength(modelJson) + weights.byteLength };
}
