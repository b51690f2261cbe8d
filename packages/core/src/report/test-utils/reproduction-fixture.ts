/**
 * A hand-made {@link ModelReproduction} for testing the pure parts of the report (findings, markdown) without
 * running a model. Numbers are chosen so each verdict is known in advance; see the comments.
 */
import type { CriterionName } from "../../importance/index.js";
import type { LayerPruning, ModelReproduction, PruningRun } from "../reproduction-data.js";
import { REPRODUCTION_SCHEMA } from "../reproduction-data.js";
import { FULL_SETTINGS } from "../reproduction-settings.js";

/** A straight-line curve from `start` to `end` test accuracy over `removed` steps. */
export function run(
  criterion: CriterionName,
  start: number,
  end: number,
  removed: number,
  fineTuned?: number,
): PruningRun {
  return {
    criterion,
    points: Array.from({ length: removed + 1 }, (_, i) => {
      const accuracy = start + ((end - start) * i) / removed;
      return { removed: i, selectionAccuracy: accuracy, testAccuracy: accuracy };
    }),
    order: Array.from({ length: removed }, (_, i) => i),
    ...(fineTuned !== undefined
      ? { fineTuned: { testAccuracy: fineTuned, selectionAccuracy: fineTuned } }
      : {}),
    seconds: 1,
  };
}

export function layer(name: string, filters: number, runs: PruningRun[]): LayerPruning {
  return { group: name, layer: name, filters, removed: filters / 2, runs };
}

/**
 * "shapes-tint"-like: conv1 (8 filters, 4 removed) where CAR ends at 0.95 and the best other (L1) at 0.80 —
 * CAR ahead by 15 points — and CAR's first 4 removed are filters 0–3, the 4 most chromatic ones (count 4 of
 * 4, P(≥ 4) = 1 / C(8, 4) = 1/70).
 */
export function fixtureModel(overrides: Partial<ModelReproduction> = {}): ModelReproduction {
  const chromaticity = [0.9, 0.85, 0.8, 0.75, 0.2, 0.15, 0.1, 0.05];
  return {
    schema: REPRODUCTION_SCHEMA,
    model: "shapes-tint",
    title: "A fixture",
    architecture: "Conv2D(8, 5×5) → Dense(5)",
    computedAt: "2026-11-28T10:00:00.000Z",
    settings: { ...FULL_SETTINGS },
    environment: {
      backend: "WebAssembly (SIMD, 1 thread)",
      cpu: "Test CPU",
      cpus: 2,
      versions: { carve: "0.1.0", tfjsCore: "4.22.0", tfjsLayers: "4.22.0", node: "v20.0.0" },
    },
    data: {
      source: "shapes-tint",
      classNames: ["circle", "square", "triangle", "cross", "ring"],
      imageShape: [32, 32, 3],
      train: { name: "shapes-tint/train", size: 5000 },
      selectionSplit: { name: "shapes-tint/validation", size: 1000 },
      selection: { name: "shapes-tint/validation", size: 1000 },
      testSplit: { name: "shapes-tint/test", size: 1000 },
      test: { name: "shapes-tint/test", size: 1000 },
      fineTune: { name: "shapes-tint/train", size: 5000 },
    },
    originalTestAccuracy: 0.98,
    cardTestAccuracy: 0.981,
    pruning: [
      layer("conv1", 8, [
        run("car", 0.98, 0.95, 4, 0.975),
        run("l1", 0.98, 0.8, 4, 0.97),
        run("random", 0.98, 0.7, 4, 0.96),
      ]),
    ],
    classImportance: {
      layer: "conv1",
      filters: 8,
      images: 1000,
      imageScale: 16,
      car: [0.001, 0.002, 0, 0, 0.05, 0.03, 0.02, 0.01],
      top: [
        {
          filter: 4,
          car: 0.05,
          carInterval: [0.03, 0.07],
          rank: 8,
          most: [
            { className: "ring", drop: 0.2 },
            { className: "circle", drop: 0.05 },
          ],
          least: [
            { className: "square", drop: -0.01 },
            { className: "cross", drop: 0 },
          ],
          classwise: [0.05, -0.01, 0.01, 0, 0.2],
          image: "shapes-tint/conv1-filter-4.png",
          imageMode: "color",
        },
      ],
    },
    colour: {
      layer: "conv1",
      filters: 8,
      chromaticity,
      mostChromatic: [0, 1, 2, 3],
      threshold: 0.75,
      drawn: 4,
      expected: 2,
      orders: [
        {
          criterion: "car",
          firstRemoved: [0, 1, 2, 3],
          count: 4,
          probabilityAtLeast: 1 / 70,
          probabilityAtMost: 1,
          meanChromaticityRemoved: 0.825,
          meanChromaticityKept: 0.125,
        },
      ],
      random: { orders: 1000, seed: 2021, mean: 2, sd: 0.87, min: 0, max: 4, atLeastCar: 0.014 },
      sheets: {
        removedByCar: "shapes-tint/conv1-removed-by-car.png",
        keptByCar: "shapes-tint/conv1-kept-by-car.png",
      },
    },
    diversity: [
      {
        layer: "conv1",
        measure: "abs-cosine",
        threshold: 0.5,
        rows: [
          { set: "all filters", filters: 8, meanAbsCosine: 0.3, meanCorrelation: 0.1, clusters: 5 },
          { set: "car", filters: 4, meanAbsCosine: 0.2, meanCorrelation: 0.05, clusters: 4 },
          { set: "l1", filters: 4, meanAbsCosine: 0.35, meanCorrelation: 0.1, clusters: 3 },
          {
            set: "random subsets",
            filters: 4,
            meanAbsCosine: 0.3,
            meanCorrelation: 0.1,
            clusters: 3.2,
            sdAbsCosine: 0.04,
            sdClusters: 0.5,
            fractionAsDiverseAsCar: 0.01,
          },
        ],
      },
    ],
    timings: [
      { part: "data and baseline", seconds: 2 },
      { part: "1. pruning curves", seconds: 600 },
    ],
    totalSeconds: 602,
    ...overrides,
  };
}
