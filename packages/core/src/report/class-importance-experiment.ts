/**
 * Part 2 of the reproduction: class-wise CAR (Abbasi-Asl & Yu 2021, sec. 4.3) of the most important filters
 * of the first conv layer — each filter's weight picture next to the classes whose accuracy falls most and
 * least when it alone is removed.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { scoreFilters } from "../importance/index.js";
import { encodePng, filterImage, rankClasses, readConvKernel } from "../interpret/index.js";
import type { ClassImportance, FilterClassImportance } from "./reproduction-data.js";
import type { ReportControl } from "./report-control.js";
import type { ReproductionSettings } from "./reproduction-settings.js";

export interface ClassImportanceArgs {
  /** Filter group id of the layer (its Conv2D's name for the demo models). */
  group: string;
  layer: string;
  selection: Dataset;
  settings: ReproductionSettings;
  /** Prefix of the asset paths, e.g. "mnist/". */
  assetPrefix: string;
}

/** Weight pictures are enlarged to about this many pixels across, so a 3×3 kernel is visible. */
const IMAGE_PIXELS = 80;

/**
 * Scores every filter of `args.group` by class-wise CAR on the selection images and describes the
 * `settings.classImportanceFilters` highest-CAR ones. Returns plain data plus the weight images as PNG bytes
 * keyed by their asset path. The model is only read.
 */
export async function runClassImportance(
  model: tfl.LayersModel,
  args: ClassImportanceArgs,
  control: ReportControl = {},
): Promise<{ result: ClassImportance; assets: Map<string, Uint8Array> }> {
  const { settings, selection } = args;
  const report = await scoreFilters(
    model,
    "car",
    {
      groups: [args.group],
      dataset: selection,
      classwise: true,
      batchSize: settings.batchSize,
      seed: settings.sampleSeed,
    },
    control,
  );
  const scores = report.groups[0]!.filters;
  const kernel = readConvKernel(model, args.layer);
  const scale = Math.max(1, Math.ceil(IMAGE_PIXELS / kernel.kernelWidth));
  const imageMode = kernel.inChannels === 3 ? "color" : "grayscale";
  const k = Math.min(settings.classesShown, Math.floor(selection.classNames.length / 2));
  const assets = new Map<string, Uint8Array>();
  const top: FilterClassImportance[] = [...scores]
    .sort((a, b) => b.rank - a.rank)
    .slice(0, settings.classImportanceFilters)
    .map((score) => {
      const ranking = rankClasses(score.classwise!, selection.classNames, k);
      const image = `${args.assetPrefix}${args.layer}-filter-${score.filter}.png`;
      assets.set(image, encodePng(filterImage(kernel, score.filter, { mode: imageMode }), { scale }));
      const entry = (c: { className: string; score: number }) => ({ className: c.className, drop: c.score });
      return {
        filter: score.filter,
        car: score.car!.drop,
        carInterval: [score.car!.ci95[0], score.car!.ci95[1]],
        rank: score.rank,
        most: ranking.most.map(entry),
        least: ranking.least.map(entry),
        classwise: Array.from(score.classwise!),
        image,
        imageMode,
      };
    });
  return {
    result: {
      layer: args.layer,
      filters: scores.length,
      images: report.images,
      imageScale: scale,
      car: scores.map((s) => s.car!.drop),
      top,
    },
    assets,
  };
}
