/**
 * A worker thread that does one piece of TF.js work and exits: reading a model's static facts (inspect) or
 * scoring filters by CAR (analysis). TF.js kernels are synchronous, so on the main thread they would stall
 * HTTP and the WebSocket keep-alive; here they only stall this thread. This is the only module of the API that
 * imports @carve/core's TF.js side.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";

import {
  DEMO_MODEL_NAMES,
  type DemoModelName,
  buildChannelGraph,
  demoModelDir,
  demoModelSpec,
  describeModel,
  encodePng,
  evaluate,
  evaluationSet,
  filterImage,
  filterL1Norms,
  initBackend,
  isCarveError,
  loadDataset,
  loadModel,
  parseBackendName,
  readConvKernel,
  readDemoModelCard,
  resolveModelJsonPath,
  scoreFilters,
} from "@carve/core";

import { evaluateTask, inspectDataset, topPatches, whatIf } from "./evaluation-tasks.js";
import type {
  AnalysisResult,
  AnalysisTask,
  InspectDemosResult,
  InspectDemosTask,
  InspectResult,
  InspectTask,
  InspectedFilter,
  MainMessage,
  ModelSource,
  WorkerInput,
  WorkerMessage,
  WorkerResult,
} from "./worker-protocol.js";

/** Kernel images are drawn at least this many pixels wide, so a 3×3 kernel is visible without zooming. */
const WEIGHT_IMAGE_MIN_PIXELS = 48;

const port = parentPort;
if (!port) throw new Error("carve-worker.js runs as a worker thread (new Worker(...)), not as a script");
const input = workerData as WorkerInput;
const controller = new AbortController();
port.on("message", (message: MainMessage) => {
  if (message.type === "cancel") controller.abort();
});

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

function modelDir(source: ModelSource): string {
  // demoModelSpec throws NOT_FOUND listing the demo names for an unknown one.
  return source.kind === "demo" ? demoModelDir(demoModelSpec(source.name).name) : source.path;
}

type LayersModel = Awaited<ReturnType<typeof loadModel>>;

function imageShapeOf(model: LayersModel): [number, number, number] | undefined {
  const [, h, w, c] = model.inputs[0]!.shape;
  return h && w && c ? [h, w, c] : undefined;
}

/** model.json plus its weight shards, as stored. */
async function modelSizeBytes(dir: string): Promise<number> {
  const file = await resolveModelJsonPath(dir);
  const json = JSON.parse(await readFile(file, "utf8")) as { weightsManifest?: Array<{ paths: string[] }> };
  const shards = (json.weightsManifest ?? []).flatMap((group) => group.paths);
  const files = [file, ...shards.map((p) => path.resolve(path.dirname(file), p))];
  const sizes = await Promise.all(files.map((f) => stat(f)));
  return sizes.reduce((sum, s) => sum + s.size, 0);
}

async function inspect(task: InspectTask): Promise<InspectResult> {
  const dir = modelDir(task.source);
  // A demo's card first: for an untrained demo its error says how to train it.
  const card =
    task.source.kind === "demo" ? await readDemoModelCard(task.source.name as DemoModelName) : undefined;
  const model = await loadModel(dir);
  try {
    const summary = describeModel(model);
    const graph = buildChannelGraph(model);
    const producerGroup = new Map(graph.groups.flatMap((g) => g.producers.map((p) => [p, g.id] as const)));

    const filters: InspectedFilter[] = [];
    for (const group of graph.groups) {
      const norms = filterL1Norms(model, group);
      for (const layerName of group.producers) {
        const kernel =
          model.getLayer(layerName).getClassName() === "Conv2D"
            ? readConvKernel(model, layerName)
            : undefined;
        for (let f = 0; f < group.size; f++) {
          let weightPng: Uint8Array | null = null;
          if (kernel) {
            const image = filterImage(kernel, f);
            const scale = Math.max(
              1,
              Math.ceil(WEIGHT_IMAGE_MIN_PIXELS / Math.max(image.width, image.height)),
            );
            weightPng = encodePng(image, { scale });
          }
          filters.push({ layerName, groupId: group.id, index: f, l1Norm: norms[f]!, weightPng });
        }
      }
    }

    let name = path.basename(path.resolve(dir));
    let description = "";
    let classNames = Array.from({ length: summary.outputClasses }, (_, i) => String(i));
    let testAccuracy: number | null = null;
    let dataset = task.dataset ?? null;
    if (card) {
      name = card.name;
      description = `${card.title}. ${card.architecture}.`;
      classNames = [...card.dataset.classes];
      testAccuracy = card.testAccuracy;
      dataset ??= demoModelSpec(card.name).dataset;
    }
    if (task.dataset !== undefined) {
      const imageShape = imageShapeOf(model);
      const splits = await loadDataset(task.dataset, imageShape ? { imageShape } : {}, {
        signal: controller.signal,
      });
      classNames = [...splits.test.classNames];
      testAccuracy = (await evaluate(model, splits.test, {}, { signal: controller.signal })).accuracy;
    }
    return {
      kind: "inspect",
      name,
      description,
      topology: summary.topology,
      inputShape: summary.inputShape,
      classNames,
      params: summary.params,
      flops: summary.flops,
      sizeBytes: await modelSizeBytes(dir),
      testAccuracy,
      dataset,
      layers: summary.layers.map((l) => ({
        index: l.index,
        name: l.name,
        className: l.className,
        outputShape: l.outputShape,
        filters: l.filters,
        kernelSize: l.kernelSize,
        activation: l.activation,
        params: l.params,
        flops: l.flops,
        prunable: l.prunable,
        groupId: producerGroup.get(l.name) ?? null,
      })),
      filters,
    };
  } finally {
    model.dispose();
  }
}

async function inspectDemos(task: InspectDemosTask): Promise<InspectDemosResult> {
  const result: InspectDemosResult = { kind: "inspect-demos", models: [], skipped: [] };
  for (const demo of task.names ?? DEMO_MODEL_NAMES) {
    try {
      result.models.push({
        demo,
        model: await inspect({ kind: "inspect", source: { kind: "demo", name: demo } }),
      });
    } catch (error) {
      if (task.names || !isCarveError(error, "NOT_FOUND")) throw error;
      result.skipped.push({ demo, reason: error.message });
    }
  }
  return result;
}

async function analyse(task: AnalysisTask): Promise<AnalysisResult> {
  const model = await loadModel(modelDir(task.source));
  try {
    const imageShape = imageShapeOf(model);
    const splits = await loadDataset(task.dataset, imageShape ? { imageShape } : {}, {
      signal: controller.signal,
    });
    const dataset = evaluationSet(splits, task.split, { seed: task.seed });
    const report = await scoreFilters(
      model,
      "car",
      {
        groups: task.groups,
        dataset,
        classwise: task.classwise,
        seed: task.seed,
        ...(task.maxImages !== undefined ? { maxImages: task.maxImages } : {}),
      },
      {
        signal: controller.signal,
        onProgress: (progress) => post({ type: "progress", progress }),
      },
    );
    return {
      kind: "analysis",
      images: report.images,
      baseAccuracy: report.baseAccuracy ?? null,
      filters: report.groups.flatMap((group) =>
        group.filters.map((f) => ({
          groupId: f.groupId,
          filter: f.filter,
          rank: f.rank,
          car: f.car
            ? {
                drop: f.car.drop,
                ci95: [f.car.ci95[0], f.car.ci95[1]] as [number, number],
                rightToWrong: f.car.rightToWrong,
                wrongToRight: f.car.wrongToRight,
                lossIncrease: f.car.lossIncrease,
                accuracyWithout: f.car.accuracyWithout,
              }
            : null,
          classwise: f.classwise ?? null,
        })),
      ),
    };
  } finally {
    model.dispose();
  }
}

async function run(): Promise<WorkerResult> {
  await initBackend({ backend: input.backend === "auto" ? "auto" : parseBackendName(input.backend) });
  switch (input.task.kind) {
    case "inspect":
      return inspect(input.task);
    case "inspect-demos":
      return inspectDemos(input.task);
    case "analysis":
      return analyse(input.task);
    case "inspect-dataset":
      return inspectDataset(input.task, { signal: controller.signal });
    case "evaluate":
      return evaluateTask(input.task, { signal: controller.signal });
    case "what-if":
      return whatIf(input.task, { signal: controller.signal });
    case "top-patches":
      return topPatches(input.task, { signal: controller.signal });
  }
}

run().then(
  (result) => post({ type: "result", result }),
  (error: unknown) =>
    post({
      type: "error",
      error: isCarveError(error)
        ? { code: error.code, message: error.message }
        : {
            code: "INTERNAL",
            message: error instanceof Error ? (error.stack ?? error.message) : String(error),
          },
    }),
);
