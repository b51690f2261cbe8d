/**
 * The reproduction's experiments for one demo model, run in order and timed: pruning curves (part 1), class
 * importance (part 2), the colour claim (part 3, RGB models) and filter diversity (part 4). Returns plain data
 * and the image assets as bytes; writing them is the caller's business.
 */
import os from "node:os";

import type { Dataset } from "../data/dataset.js";
import { evaluationSet, loadDataset } from "../data/index.js";
import { type DemoModelName, demoModelDir, demoModelSpec, readDemoModelCard } from "../demo/demo-models.js";
import { evaluate } from "../eval/evaluate.js";
import { buildChannelGraph } from "../graph/index.js";
import { stratifiedSample } from "../importance/index.js";
import { layerChromaticity, readConvKernel } from "../interpret/index.js";
import { loadModel } from "../model/io.js";
import { libraryVersions } from "../prune/index.js";
import { runClassImportance } from "./class-importance-experiment.js";
import { colourClaimSheets, colourClaimStatistics } from "./colour-claim.js";
import { runDiversityExperiment } from "./diversity-experiment.js";
import { runPruningExperiment } from "./pruning-experiment.js";
import {
  type ColourClaim,
  type DatasetRef,
  type ModelReproduction,
  type PartTiming,
  REPRODUCTION_SCHEMA,
  type RunEnvironment,
} from "./reproduction-data.js";
import type { ReportControl } from "./report-control.js";
import type { ReproductionSettings } from "./reproduction-settings.js";

/** The environment of this process, given the backend's description (from `initBackend`). */
export function runEnvironment(backend: string): RunEnvironment {
  const cpus = os.cpus();
  return {
    backend,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cpus: cpus.length,
    versions: libraryVersions(),
  };
}

const ref = (d: Dataset): DatasetRef => ({ name: d.name, size: d.size });

export interface ReproduceModelResult {
  result: ModelReproduction;
  /** Image files keyed by path relative to the report's asset folder (PNG bytes). */
  assets: Map<string, Uint8Array>;
}

/**
 * Runs every part of the reproduction on the shipped demo model `name` with `settings`. The backend must
 * already be initialised (`environment.backend` describes it). Throws NOT_FOUND if the model has not been
 * trained. Leaves no tensors behind.
 */
export async function reproduceModel(
  name: DemoModelName,
  settings: ReproductionSettings,
  environment: RunEnvironment,
  control: ReportControl = {},
): Promise<ReproduceModelResult> {
  const started = performance.now();
  const timings: PartTiming[] = [];
  const loads = [os.loadavg()[0]!];
  const timed = async <T>(part: string, run: () => Promise<T> | T): Promise<T> => {
    const partStarted = performance.now();
    control.log?.(`${name}: ${part}…`);
    const value = await run();
    const seconds = (performance.now() - partStarted) / 1000;
    timings.push({ part, seconds });
    loads.push(os.loadavg()[0]!);
    control.log?.(`${name}: ${part} done in ${seconds.toFixed(0)} s`);
    return value;
  };
  const log = (line: string) => control.log?.(`${name}: ${line}`);
  const partControl: ReportControl = { ...control, log };

  const card = await readDemoModelCard(name);
  const spec = demoModelSpec(name);
  const model = await loadModel(demoModelDir(name));
  try {
    const seed = settings.sampleSeed;
    const { splits, selectionSplit, selection, test, fineTune, originalTestAccuracy } = await timed(
      "data and baseline",
      async () => {
        const splits = await loadDataset(spec.dataset, {}, control);
        const selectionSplit = evaluationSet(splits, "selection", { images: settings.selectionImages, seed });
        const selection = stratifiedSample(selectionSplit, settings.selectionImages, seed);
        const test = stratifiedSample(splits.test, settings.testImages, seed);
        const fineTune = stratifiedSample(splits.train, settings.fineTuneImages, seed);
        const original = await evaluate(model, test, { batchSize: settings.batchSize }, control);
        return { splits, selectionSplit, selection, test, fineTune, originalTestAccuracy: original.accuracy };
      },
    );
    const graph = buildChannelGraph(model);
    const convGroups = graph.groups.filter((g) => g.className === "Conv2D");
    const first = convGroups[0]!;

    const pruning = await timed("1. pruning curves", () =>
      runPruningExperiment(
        model,
        { groups: convGroups, selection, test, fineTuneTrain: fineTune, settings },
        partControl,
      ),
    );
    const assets = new Map<string, Uint8Array>();
    const classImportance = await timed("2. class importance", async () => {
      const { result, assets: images } = await runClassImportance(
        model,
        { group: first.id, layer: first.producers[0]!, selection, settings, assetPrefix: `${name}/` },
        partControl,
      );
      for (const [path, bytes] of images) assets.set(path, bytes);
      return result;
    });
    const firstLayer = pruning[0]!;
    const kernel = readConvKernel(model, firstLayer.layer);
    let colour: ColourClaim | undefined;
    if (kernel.inChannels === 3) {
      colour = await timed("3. colour claim", () => {
        const statistics = colourClaimStatistics({
          layer: firstLayer.layer,
          chromaticity: layerChromaticity(model, firstLayer.layer),
          orders: firstLayer.runs.map((run) => ({ criterion: run.criterion, order: run.order })),
          drawn: firstLayer.removed,
          randomOrders: settings.randomOrders,
          seed,
        });
        const carOrder = firstLayer.runs.find((r) => r.criterion === "car")?.order ?? [];
        const sheets = colourClaimSheets(kernel, carOrder, firstLayer.removed);
        const removedByCar = `${name}/${firstLayer.layer}-removed-by-car.png`;
        const keptByCar = `${name}/${firstLayer.layer}-kept-by-car.png`;
        assets.set(removedByCar, sheets.removed);
        assets.set(keptByCar, sheets.kept);
        return { ...statistics, sheets: { removedByCar, keptByCar } };
      });
    }
    const diversity = await timed("4. filter diversity", () =>
      runDiversityExperiment(model, pruning, settings),
    );

    const result: ModelReproduction = {
      schema: REPRODUCTION_SCHEMA,
      model: name,
      title: card.title,
      architecture: card.architecture,
      computedAt: new Date().toISOString(),
      settings: { ...settings },
      environment,
      data: {
        source: spec.dataset,
        classNames: [...splits.test.classNames],
        imageShape: [...splits.test.imageShape],
        train: ref(splits.train),
        selectionSplit: ref(selectionSplit),
        selection: ref(selection),
        testSplit: ref(splits.test),
        test: ref(test),
        fineTune: ref(fineTune),
      },
      originalTestAccuracy,
      cardTestAccuracy: card.testAccuracy,
      pruning,
      classImportance,
      ...(colour ? { colour } : {}),
      diversity,
      timings,
      totalSeconds: (performance.now() - started) / 1000,
      meanLoadAverage: loads.reduce((a, b) => a + b, 0) / loads.length,
    };
    return { result, assets };
  } finally {
    model.dispose();
  }
}
