import { existsSync } from "node:fs";

import type { LayersModel } from "@tensorflow/tfjs-layers";

import { type BackendInfo, initBackend, parseBackendName } from "../backend/index.js";
import type { Dataset, DatasetSplits, ImageShape } from "../data/dataset.js";
import { evaluationSet, loadDataset } from "../data/index.js";
import { DEMO_MODEL_NAMES, demoModelDir, demoModelSpec, isDemoModelName } from "../demo/demo-models.js";
import { CarveError } from "../errors.js";
import { ProgressBar } from "./progress-bar.js";

/** Parsed command line and the process's streams, handed to every command. */
export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  signal: AbortSignal;
  /** --backend, else $CARVE_BACKEND, else undefined (auto). */
  backendRequest: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  /** One line for `carve --help`. */
  summary: string;
  run(context: CommandContext): Promise<void>;
}

export async function startBackend(context: CommandContext): Promise<BackendInfo> {
  const request = context.backendRequest ? parseBackendName(context.backendRequest) : "auto";
  return initBackend({ backend: request });
}

/** A demo name resolves to the shipped model unless a file or folder of that name exists. */
export function resolveModel(arg: string | undefined): { path: string; demo?: string } {
  if (arg === undefined) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `missing MODEL: give a model.json path or one of ${DEMO_MODEL_NAMES.join(", ")}`,
    );
  }
  if (!existsSync(arg) && isDemoModelName(arg)) return { path: demoModelDir(arg), demo: arg };
  return { path: arg };
}

export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name];
  if (Array.isArray(value)) return value.at(-1);
  return typeof value === "string" ? value : undefined;
}

export function listOption(context: CommandContext, name: string): string[] {
  const value = context.options[name];
  const values = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function intOption(context: CommandContext, name: string, fallback: number, min = 1): number {
  const value = stringOption(context, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CarveError("INVALID_ARGUMENT", `--${name} must be an integer ≥ ${min}, got "${value}"`);
  }
  return n;
}

export function numberOption(
  context: CommandContext,
  name: string,
  range: [number, number],
): number | undefined {
  const value = stringOption(context, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < range[0] || n > range[1]) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `--${name} must be a number in [${range[0]}, ${range[1]}], got "${value}"`,
    );
  }
  return n;
}

export function modelImageShape(model: LayersModel): ImageShape | undefined {
  const [, h, w, c] = model.inputs[0]!.shape;
  return h && w && c ? [h, w, c] : undefined;
}

/** The dataset given by --data (or the demo model's own), resized to the model's input if it is a folder. */
export async function openData(
  context: CommandContext,
  model: LayersModel,
  demo: string | undefined,
  dataArg?: string,
): Promise<{ spec: string; splits: DatasetSplits }> {
  const spec = dataArg ?? stringOption(context, "data") ?? (demo ? demoModelSpec(demo).dataset : undefined);
  if (!spec) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      "missing data: give --data with a dataset folder or a built-in dataset name",
    );
  }
  return { spec, splits: await loadDataset(spec, { imageShape: modelImageShape(model) }) };
}

/** The evaluation set chosen by --split (default "selection": held-out training images, see evaluationSet). */
export function chooseSplit(context: CommandContext, splits: DatasetSplits, fallback = "selection"): Dataset {
  return evaluationSet(splits, stringOption(context, "split") ?? fallback, {
    images: intOption(context, "images", 2000),
    seed: intOption(context, "seed", 0, 0),
  });
}

export async function withProgress<T>(run: (bar: ProgressBar) => Promise<T>): Promise<T> {
  const bar = new ProgressBar();
  try {
    return await run(bar);
  } finally {
    bar.finish();
  }
}
