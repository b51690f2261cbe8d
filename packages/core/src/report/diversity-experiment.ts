/**
 * Part 4 of the reproduction: filter diversity of each conv layer before and after pruning it to half. The
 * paper reads CAR pruning as removing redundant filters first (Abbasi-Asl & Yu 2021, sec. 4); if so, the
 * filters CAR keeps are less alike than the whole layer, and less alike than what L1 or random pruning keep.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import {
  type FilterDiversity,
  filterDiversity,
  filterWeightVectors,
  layerDiversity,
  readConvKernel,
} from "../interpret/index.js";
import { createRng, permutation } from "../util/random.js";
import type { DiversityRow, LayerDiversityResult, LayerPruning } from "./reproduction-data.js";
import type { ReproductionSettings } from "./reproduction-settings.js";

function row(set: string, d: FilterDiversity): DiversityRow {
  return {
    set,
    filters: d.filters,
    meanAbsCosine: d.meanAbsCosine,
    meanCorrelation: d.meanCorrelation,
    clusters: d.clusters.count,
  };
}

function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * Diversity (mean |cosine|, mean correlation and clusters at |cosine| ≥ 0.5, average linkage; see
 * interpret/diversity.ts) of every layer of `pruning`: all its filters, the filters each criterion's run
 * kept, and `settings.randomSubsets` seeded random subsets of the same size. Reads the original weights: a
 * pruned model without fine-tuning has exactly these weights in its kept filters. Pure apart from reading the
 * model's kernels.
 */
export function runDiversityExperiment(
  model: tfl.LayersModel,
  pruning: readonly LayerPruning[],
  settings: ReproductionSettings,
): LayerDiversityResult[] {
  return pruning.map((layer) => {
    const all = layerDiversity(model, layer.layer);
    const rows: DiversityRow[] = [row("all filters", all)];
    for (const run of layer.runs) {
      const removed = new Set(run.order);
      const keep = all.filterIndices.filter((f) => !removed.has(f));
      rows.push(row(run.criterion, layerDiversity(model, layer.layer, { keep })));
    }
    const keptCount = layer.filters - layer.removed;
    const vectors = filterWeightVectors(readConvKernel(model, layer.layer));
    const rng = createRng(settings.sampleSeed);
    const samples: FilterDiversity[] = [];
    for (let i = 0; i < settings.randomSubsets; i++) {
      const subset = Array.from(permutation(layer.filters, rng).subarray(0, keptCount)).sort((a, b) => a - b);
      samples.push(filterDiversity(subset.map((f) => vectors[f]!)));
    }
    if (samples.length > 0) {
      const car = rows.find((r) => r.set === "car");
      const cosine = meanSd(samples.map((s) => s.meanAbsCosine));
      const clusters = meanSd(samples.map((s) => s.clusters.count));
      rows.push({
        set: "random subsets",
        filters: keptCount,
        meanAbsCosine: cosine.mean,
        meanCorrelation: meanSd(samples.map((s) => s.meanCorrelation)).mean,
        clusters: clusters.mean,
        sdAbsCosine: cosine.sd,
        sdClusters: clusters.sd,
        ...(car
          ? {
              fractionAsDiverseAsCar:
                samples.filter((s) => s.meanAbsCosine <= car.meanAbsCosine).length / samples.length,
            }
          : {}),
      });
    }
    return { layer: layer.layer, measure: all.measure, threshold: all.threshold, rows };
  });
}
