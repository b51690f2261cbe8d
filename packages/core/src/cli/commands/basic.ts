import { listBackends } from "../../backend/index.js";
import { DEMO_MODEL_NAMES, demoModelSpec } from "../../demo/demo-models.js";
import { trainDemoModel } from "../../demo/train-demo.js";
import { loadDataset } from "../../data/index.js";
import { CarveError } from "../../errors.js";
import { evaluate } from "../../eval/evaluate.js";
import { buildChannelGraph } from "../../graph/index.js";
import { describeModel } from "../../model/describe.js";
import { loadModel } from "../../model/io.js";
import {
  type Command,
  type CommandContext,
  chooseSplit,
  intOption,
  openData,
  resolveModel,
  startBackend,
  stringOption,
  withProgress,
} from "../context.js";
import { pct, renderEvaluation, renderModelSummary } from "../format.js";

export const info: Command = {
  summary: "layers, shapes, parameters, FLOPs and filter groups of a model",
  async run(context) {
    const backend = await startBackend(context);
    const { path } = resolveModel(context.args[0]);
    const model = await loadModel(path);
    try {
      const summary = describeModel(model);
      const groups = buildChannelGraph(model).groups.map((g) => ({
        id: g.id,
        filters: g.size,
        layers: g.producers,
      }));
      if (context.json) {
        context.out(
          JSON.stringify({ source: path, backend: backend.name, ...summary, filterGroups: groups }, null, 2),
        );
        return;
      }
      context.out(renderModelSummary(summary, path));
      context.out(
        `\nFilter groups (what carve score/prune remove): ${groups.map((g) => `${g.id} (${g.filters})`).join(", ") || "none"}`,
      );
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
  const batchSize = intOption(context, "batch-size", 256);
  const model = await loadModel(path);
  try {
    const { splits } = await openData(context, model, demo, dataArg);
    const dataset = chooseSplit(context, splits, "test");
    const summary = describeModel(model);
    const result = await withProgress((bar) =>
      evaluate(model, dataset, { batchSize }, { signal: context.signal, onProgress: bar.update }),
    );
    return { backend, path, summary, result };
  } finally {
    model.dispose();
  }
}

export const evalCommand: Command = {
  summary: "accuracy, per-class accuracy, loss and confusion matrix on a dataset split",
  async run(context) {
    const { backend, result } = await evaluateCommand(context, context.args[0], context.args[1]);
    if (context.json) context.out(JSON.stringify({ backend: backend.name, ...result }, null, 2));
    else context.out(`${renderEvaluation(result)}\n\nBackend: ${backend.description}`);
  },
};

export const demo: Command = {
  summary: "describe and evaluate the built-in MNIST demo model",
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
        "Next: carve score mnist --layer conv2 · carve prune mnist --layer conv2 --remove-fraction 0.5 --out /tmp/pruned · carve --help",
      ].join("\n"),
    );
  },
};

export const trainDemo: Command = {
  summary: "retrain a built-in demo model from its recipe and save it with its model card",
  async run(context) {
    const target = context.args[0];
    if (!target) {
      throw new CarveError("INVALID_ARGUMENT", `missing NAME: one of ${DEMO_MODEL_NAMES.join(", ")}, or all`);
    }
    const names = target === "all" ? [...DEMO_MODEL_NAMES] : [demoModelSpec(target).name];
    const outDir = stringOption(context, "out");
    if (names.length > 1 && outDir) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        "--out takes one model; train them one at a time to choose folders",
      );
    }
    const backend = await startBackend(context);
    const epochs =
      stringOption(context, "epochs") === undefined ? undefined : intOption(context, "epochs", 1);
    const cards = [];
    for (const name of names) {
      const spec = demoModelSpec(name);
      const splits = await loadDataset(spec.dataset);
      const { card, outDir: written } = await withProgress((bar) =>
        trainDemoModel(
          spec,
          splits,
          { ...(outDir ? { outDir } : {}), ...(epochs ? { epochs } : {}) },
          { signal: context.signal, onProgress: bar.update },
        ),
      );
      cards.push(card);
      if (!context.json) {
        context.out(
          `${name}: test accuracy ${pct(card.testAccuracy)} after ${card.epochs} epochs ` +
            `(${card.trainSeconds} s on ${backend.name}), saved to ${written}`,
        );
      }
    }
    if (context.json) context.out(JSON.stringify(cards, null, 2));
  },
};

export const backends: Command = {
  summary: "which compute backends are installed and which one runs",
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
