/**
 * A worker thread that runs one pruning run with @carve/core's greedyPrune and exits. Every step is posted
 * as soon as it is made (after its checkpoint, with fine-tuning each step, is on disk), so the main thread
 * persists it while the next step is computed. A resumed run replays the persisted steps (core's
 * `resume`), which makes the same choices an uninterrupted run would have made.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";

import {
  type Dataset,
  type GreedyPruneOptions,
  type PruneStep,
  demoModelDir,
  demoModelSpec,
  describeModel,
  evaluate,
  evaluationSet,
  greedyPrune,
  initBackend,
  isCarveError,
  isCriterionName,
  loadDataset,
  loadModel,
  parseBackendName,
  saveModel,
  stratifiedSample,
} from "@carve/core";

import type { MainMessage } from "./worker-protocol.js";
import type {
  ModelSource,
  PruningResult,
  PruningTask,
  PruningWorkerInput,
  PruningWorkerMessage,
} from "./pruning-protocol.js";

const port = parentPort;
if (!port) throw new Error("pruning-worker.js runs as a worker thread (new Worker(...)), not as a script");
const input = workerData as PruningWorkerInput;
const controller = new AbortController();
port.on("message", (message: MainMessage) => {
  if (message.type === "cancel") controller.abort();
});

function post(message: PruningWorkerMessage): void {
  port!.postMessage(message);
}

function modelDir(source: ModelSource): string {
  return source.kind === "demo" ? demoModelDir(demoModelSpec(source.name).name) : source.path;
}

/** JSON turns NaN (a class without images) into null; core compares numbers, so it gets NaN back. */
function revive(step: PruneStep): PruneStep {
  const nan = (values: ReadonlyArray<number | null>) => values.map((v) => (v === null ? Number.NaN : v));
  const snapshot = <T extends { perClassAccuracy: Array<number | null> } | undefined>(s: T): T =>
    s ? { ...s, perClassAccuracy: nan(s.perClassAccuracy) } : s;
  return {
    ...step,
    removed: step.removed.map((r) => (r.classwise ? { ...r, classwise: nan(r.classwise) } : r)),
    evaluation: snapshot(step.evaluation),
    ...(step.test ? { test: snapshot(step.test) } : {}),
  };
}

async function sizeOfSavedModel(dir: string): Promise<number> {
  const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as {
    weightsManifest?: Array<{ paths: string[] }>;
  };
  const files = ["model.json", ...(json.weightsManifest ?? []).flatMap((g) => g.paths)];
  const sizes = await Promise.all(files.map((f) => stat(path.join(dir, f))));
  return sizes.reduce((sum, s) => sum + s.size, 0);
}

async function prune(task: PruningTask): Promise<PruningResult> {
  if (!isCriterionName(task.criterion)) {
    throw new Error(`unknown criterion "${task.criterion}" reached the pruning worker`);
  }
  const signal = controller.signal;
  const model = await loadModel(modelDir(task.source));
  const checkpoint = task.resume?.checkpoint ? await loadModel(task.resume.checkpoint) : undefined;
  try {
    const [, h, w, c] = model.inputs[0]!.shape;
    const splits = await loadDataset(task.dataset, h && w && c ? { imageShape: [h, w, c] } : {}, { signal });
    let evaluation: Dataset = evaluationSet(splits, task.selection.split, { seed: task.seed });
    if (task.selection.maxImages !== undefined && task.selection.maxImages < evaluation.size) {
      evaluation = stratifiedSample(evaluation, task.selection.maxImages, task.seed);
    }
    let test: Dataset = splits.test;
    if (task.maxTestImages !== undefined && task.maxTestImages < test.size) {
      test = stratifiedSample(test, task.maxTestImages, task.seed);
    }
    if (!task.resume) {
      // The unpruned network's accuracy, so a client sees the baseline before the first step (greedyPrune
      // measures it again inside; one pass over small sets is the price of showing it early).
      const snapshot = async (dataset: Dataset) => {
        const e = await evaluate(model, dataset, {}, { signal });
        return {
          dataset: dataset.name,
          accuracy: e.accuracy,
          loss: e.loss,
          perClassAccuracy: e.perClass.map((k) => k.accuracy),
        };
      };
      const summary = describeModel(model);
      post({
        type: "started",
        original: {
          evaluation: await snapshot(evaluation),
          test: await snapshot(test),
          params: summary.params,
          flops: summary.flops,
        },
      });
    }
    const options: GreedyPruneOptions = {
      criterion: task.criterion,
      scope: task.scope,
      target: task.target,
      stepSize: task.stepSize,
      evaluation,
      test,
      seed: task.seed,
      ...(task.protect ? { protect: task.protect } : {}),
      ...(task.fineTune.when !== "none"
        ? {
            fineTune: {
              when: task.fineTune.when,
              train:
                task.fineTune.maxImages !== undefined && task.fineTune.maxImages < splits.train.size
                  ? stratifiedSample(splits.train, task.fineTune.maxImages, task.seed)
                  : splits.train,
              epochs: task.fineTune.epochs,
              ...(task.fineTune.learningRate !== undefined
                ? { learningRate: task.fineTune.learningRate }
                : {}),
            },
          }
        : {}),
      ...(task.resume
        ? { resume: { steps: task.resume.steps.map(revive), ...(checkpoint ? { model: checkpoint } : {}) } }
        : {}),
    };
    const result = await greedyPrune(model, options, {
      signal,
      onProgress: (progress) => post({ type: "progress", progress }),
      onStep: async (step, current) => {
        let saved: string | undefined;
        if (task.checkpointDir) {
          saved = path.join(task.checkpointDir, `step-${step.step}`);
          await saveModel(current, saved);
        }
        post({ type: "step", step, ...(saved ? { checkpoint: saved } : {}) });
      },
    });
    try {
      await saveModel(result.model, task.outputDir);
    } finally {
      result.model.dispose();
    }
    return {
      kind: "pruning",
      stopReason: result.stopReason,
      original: result.original,
      final: result.final,
      steps: result.steps.length,
      sizeBytes: await sizeOfSavedModel(task.outputDir),
      reproducibility: JSON.parse(JSON.stringify(result.reproducibility)) as unknown,
    };
  } finally {
    model.dispose();
    checkpoint?.dispose();
  }
}

async function run(): Promise<PruningResult> {
  await initBackend({ backend: input.backend === "auto" ? "auto" : parseBackendName(input.backend) });
  return prune(input.task);
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
