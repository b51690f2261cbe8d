import { existsSync } from "node:fs";

import type { LayersModel } from "@tensorflow/tfjs-layers";

import { type BackendInfo, initBackend, listBackends, parseBackendName } from "../backend/index.js";
import type { Dataset, ImageShape } from "../data/dataset.js";
import { loadDataset } from "../data/index.js";
import { DEMO_MODEL_NAMES, demoModelDir, demoModelSpec, isDemoModelName } from "../demo/demo-models.js";
import { trainDemoModel } from "../demo/train-demo.js";
import { CarveError } from "../errors.js";
import { evaluate } from "../eval/evaluate.js";
import { describeModel } from "../model/describe.js";
import { loadModel } from "../model/io.js";
import { renderEvaluation, renderModelSummary, pct } from "./format.js";
import { ProgressBar } from "./progress-bar.js";

export interface CommandContext {
  args: string[];
  options: {
    split?: string;
    "batch-size"?: string;
    out?: string;
    epochs?: string;
    backend?: string;
  };
  json: boolean;
  signal: AbortSignal;
  /** --backend, else $CARVE_BACKEND, else undefined (auto). */
  backendRequest: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  run(context: CommandContext): Promise<void>;
}

async function startBackend(context: CommandContext): Promise<BackendInfo> {
  const request = context.backendRequest ? parseBackendName(context.backendRequest) : "auto";
  return initBackend({ backend: request });
}

/** A demo name resolves to the shipped model unless a file or folder of that name exists. */
function resolveModel(arg: string | undefined): { path: string; demo?: string } {
  if (arg === undefined) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `missing MODEL: give a model.json path or one of ${DEMO_MODEL_NAMES.join(", ")}`,
    );
  }
  if (!existsSync(arg) && isDemoModelName(arg)) return { path: demoModelDir(arg), demo: arg };
  return { path: arg };
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new CarveError("INVALID_ARGUMENT", `--${name} must be a positive integer, got "${value}"`);
  }
  return n;
}

/** `imageShape` is the model's input, to which a folder of images is resized. */
async function openSplit(spec: string, split: string, imageShape?: ImageShape): Promise<Dataset> {
  const splits = await loadDataset(spec, { imageShape });
  const chosen =
    split === "train"
      ? splits.train
      : split === "test"
        ? splits.test
        : split === "validation"
          ? splits.validation
          : undefined;
  if (!chosen) {
    const available = ["train", "test", ...(splits.validation ? ["validation"] : [])].join(", ");
    throw new CarveError(
      "INVALID_ARGUMENT",
      `dataset "${spec}" has no split "${split}" (available: ${available})`,
    );
  }
  return chosen;
}

function modelImageShape(model: LayersModel): ImageShape | undefined {
  const [, h, w, c] = model.inputs[0]!.shape;
  return h && w && c ? [h, w, c] : undefined;
}

async function withProgress<T>(run: (bar: ProgressBar) => Promise<T>): Promise<T> {
  const bar = new ProgressBar();
  try {
    return await run(bar);
  } finally {
    bar.finish();
  }
}

const info: Command = {
  async run(context) {
    const backend = await startBackend(context);
    const { path } = resolveModel(context.args[0]);
    const model = await loadModel(path);
    try {
      const summary = describeModel(model);
      if (context.json)
        context.out(JSON.stringify({ source: path, backend: backend.name, ...summary }, null, 2));
      else context.out(renderModelSummary(summary, path));
    } finally {
      model.dispose();
    }
  },
};

async function evaluateCommand(
  context: CommandContext,
  modelArg: string | undefined,
  dataArg: string | undefined,
) {
  const backend = await startBackend(context);
  const { path, demo } = resolveModel(modelArg);
  const dataSpec = dataArg ?? (demo ? demoModelSpec(demo).dataset : undefined);
  if (!dataSpec) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      "missing DATA: give a dataset folder or a built-in dataset name",
    );
  }
  const split = context.options.split ?? "test";
  const batchSize = positiveInt(context.options["batch-size"], "batch-size", 256);
  const model = await loadModel(path);
  try {
    const dataset = await openSplit(dataSpec, split, modelImageShape(model));
    const summary = describeModel(model);
    const result = await withProgress((bar) =>
      evaluate(model, dataset, { batchSize }, { signal: context.signal, onProgress: bar.update }),
    );
    return { backend, path, summary, result };
  } finally {
    model.dispose();
  }
}

const evalCommand: Command = {
  async run(context) {
    const { backend, result } = await evaluateCommand(context, context.args[0], context.args[1]);
    if (context.json) context.out(JSON.stringify({ backend: backend.name, ...result }, null, 2));
    else context.out(`${renderEvaluation(result)}\n\nBackend: ${backend.description}`);
  },
};

const demo: Command = {
  async run(context) {
    const { backend, path, summary, result } = await evaluateCommand(context, "mnist", undefined);
    if (context.json) {
      context.out(JSON.stringify({ backend: backend.name, model: summary, evaluation: result }, null, 2));
      return;
    }
    context.out(
      [
        renderModelSummary(summary, path),
        "",
        renderEvaluation(result),
        "",
        `Backend: ${backend.description}`,
        "Next: carve info fashion-mnist · carve eval fashion-mnist · carve --help",
      ].join("\n"),
    );
  },
};

const trainDemo: Command = {
  async run(context) {
    const target = context.args[0];
    if (!target) {
      throw new CarveError("INVALID_ARGUMENT", `missing NAME: one of ${DEMO_MODEL_NAMES.join(", ")}, or all`);
    }
    const names = target === "all" ? [...DEMO_MODEL_NAMES] : [demoModelSpec(target).name];
    if (names.length > 1 && context.options.out) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        "--out takes one model; train them one at a time to choose folders",
      );
    }
    const backend = await startBackend(context);
    const epochs = context.options.epochs ? positiveInt(context.options.epochs, "epochs", 1) : undefined;
    const cards = [];
    for (const name of names) {
      const spec = demoModelSpec(name);
      const splits = await loadDataset(spec.dataset);
      const { card, outDir } = await withProgress((bar) =>
        trainDemoModel(
          spec,
          splits,
          { outDir: context.options.out, epochs },
          { signal: context.signal, onProgress: bar.update },
        ),
      );
      cards.push(card);
      if (!context.json) {
        context.out(
          `${name}: test accuracy ${pct(card.testAccuracy)} after ${card.epochs} epochs ` +
            `(${card.trainSeconds} s on ${backend.name}), saved to ${outDir}`,
        );
      }
    }
    if (context.json) context.out(JSON.stringify(cards, null, 2));
  },
};

const backends: Command = {
  async run(context) {
    const all = await listBackends();
    const active = await startBackend(context);
    if (context.json) {
      context.out(JSON.stringify({ active: active.name, backends: all }, null, 2));
      return;
    }
    for (const b of all) {
      const mark = b.name === active.name ? "*" : " ";
      context.out(
        `${mark} ${b.name.padEnd(9)} ${b.available ? "available" : `absent${b.reason ? `: ${b.reason}` : ""}`}`,
      );
    }
    context.out(`\nRunning on: ${active.description}`);
  },
};

export const COMMANDS: Readonly<Record<string, Command>> = {
  demo,
  info,
  eval: evalCommand,
  "train-demo": trainDemo,
  backends,
};
