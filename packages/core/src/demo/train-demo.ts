import { writeFile } from "node:fs/promises";
import path from "node:path";

import type * as tfl from "@tensorflow/tfjs-layers";
import * as tf from "@tensorflow/tfjs-core";

import type { DatasetSplits } from "../data/dataset.js";
import { evaluate } from "../eval/evaluate.js";
import { CarveError } from "../errors.js";
import { describeModel } from "../model/describe.js";
import { saveModel } from "../model/io.js";
import { type EpochRecord, trainModel } from "../train/train.js";
import type { OperationControl } from "../util/operation.js";
import { CARVE_VERSION } from "../version.js";
import { type DemoModelCard, type DemoModelSpec, demoModelDir } from "./demo-models.js";

export interface TrainDemoOptions {
  /** Where to write the model (default: the shipped demo folder, `packages/core/models/NAME`). */
  outDir?: string;
  /** Overrides the recipe's epochs, e.g. for a quick smoke run (the card records what was used). */
  epochs?: number;
  /** Writes the model even if it misses the recipe's minimum test accuracy. */
  allowBelowTarget?: boolean;
}

export interface TrainDemoResult {
  card: DemoModelCard;
  history: EpochRecord[];
  outDir: string;
}

function architectureText(model: tfl.LayersModel): string {
  return describeModel(model)
    .layers.map((l) => {
      const detail =
        l.filters !== null ? `(${l.filters}${l.kernelSize ? `, ${l.kernelSize.join("×")}` : ""})` : "";
      return `${l.className}${detail}`;
    })
    .join(" → ");
}

/**
 * Trains one demo model by its recipe, evaluates it on the test split and saves it with a model card
 * (`card.json` and a readable `README.md`). Deterministic given the recipe's seed on one backend; different
 * backends round differently, so the card names the backend used.
 */
export async function trainDemoModel(
  spec: DemoModelSpec,
  splits: DatasetSplits,
  options: TrainDemoOptions = {},
  control: OperationControl = {},
): Promise<TrainDemoResult> {
  const outDir = options.outDir ?? demoModelDir(spec.name);
  const epochs = options.epochs ?? spec.epochs;
  const model = spec.build(spec.seed);
  try {
    const started = performance.now();
    const history = await trainModel(
      model,
      splits.train,
      {
        epochs,
        batchSize: spec.batchSize,
        learningRate: spec.learningRate,
        optimizer: spec.optimizer,
        seed: spec.seed,
      },
      control,
    );
    const trainSeconds = (performance.now() - started) / 1000;
    const test = await evaluate(model, splits.test, {}, control);
    if (test.accuracy < spec.minTestAccuracy && !options.allowBelowTarget) {
      throw new CarveError(
        "INVALID_MODEL",
        `demo "${spec.name}" reached ${(test.accuracy * 100).toFixed(2)}% test accuracy, below its target ` +
          `${(spec.minTestAccuracy * 100).toFixed(0)}%; not saved`,
      );
    }
    const saved = await saveModel(model, outDir);
    const summary = describeModel(model);
    const card: DemoModelCard = {
      name: spec.name,
      title: spec.title,
      architecture: architectureText(model),
      dataset: {
        name: spec.dataset,
        train: splits.train.size,
        ...(splits.validation ? { validation: splits.validation.size } : {}),
        test: splits.test.size,
        classes: splits.test.classNames,
      },
      seed: spec.seed,
      epochs,
      batchSize: spec.batchSize,
      optimizer: spec.optimizer,
      learningRate: spec.learningRate,
      backend: tf.getBackend(),
      trainSeconds: Math.round(trainSeconds),
      trainAccuracy: history.at(-1)?.accuracy ?? Number.NaN,
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      params: summary.params,
      flops: summary.flops,
      bytes: saved.bytes,
      carveVersion: CARVE_VERSION,
      trainedAt: new Date().toISOString().slice(0, 10),
    };
    await writeFile(path.join(outDir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
    const hasBatchNorm = summary.layers.some((l) => l.className === "BatchNormalization");
    await writeFile(path.join(outDir, "README.md"), renderCard(card, history, test.perClass, hasBatchNorm));
    return { card, history, outDir };
  } finally {
    model.dispose();
  }
}

function renderCard(
  card: DemoModelCard,
  history: EpochRecord[],
  perClass: Array<{ className: string; accuracy: number; count: number }>,
  hasBatchNorm: boolean,
): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `# Model card: ${card.name}`,
    "",
    card.title + ".",
    "",
    "Made by `carve train-demo " + card.name + "` (deterministic: seeded initializers, shuffles and split).",
    "",
    "| | |",
    "|---|---|",
    `| Architecture | ${card.architecture} |`,
    `| Data | \`${card.dataset.name}\`: ${card.dataset.train} training, ${card.dataset.validation ?? 0} validation (held out of training; they choose filters) and ${card.dataset.test} test images, ${card.dataset.classes.length} classes |`,
    `| Seed | ${card.seed} |`,
    `| Training | ${card.epochs} epochs, batch ${card.batchSize}, ${card.optimizer} lr ${card.learningRate}${hasBatchNorm ? ", BatchNorm statistics recomputed on training data" : ""} |`,
    `| Backend | ${card.backend} (${card.trainSeconds} s) |`,
    `| Parameters | ${card.params.toLocaleString("en")} |`,
    `| FLOPs / image | ${card.flops.toLocaleString("en")} |`,
    `| Size on disk | ${(card.bytes / 1024).toFixed(1)} KiB |`,
    `| Training accuracy (last epoch, training mode) | ${pct(card.trainAccuracy)} |`,
    `| **Test accuracy** | **${pct(card.testAccuracy)}** (loss ${card.testLoss.toFixed(4)}) |`,
    "",
    "## Per-epoch training",
    "",
    "| epoch | loss | accuracy | seconds |",
    "|---|---|---|---|",
    ...history.map(
      (h) => `| ${h.epoch} | ${h.loss.toFixed(4)} | ${pct(h.accuracy)} | ${h.seconds.toFixed(1)} |`,
    ),
    "",
    "## Test accuracy per class",
    "",
    "| class | images | accuracy |",
    "|---|---|---|",
    ...perClass.map((c) => `| ${c.className} | ${c.count} | ${pct(c.accuracy)} |`),
    "",
  ].join("\n");
}
