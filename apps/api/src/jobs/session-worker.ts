/**
 * A long-lived worker thread for interactive what-if questions. A dashboard toggles filters of one model on
 * one dataset again and again; a fresh worker per question would start TF.js, load the model and load the
 * dataset every time. This one keeps the last models (with their channel masks), datasets and unpruned
 * accuracies, so a new filter set costs one pass over the sample. Questions are answered one at a time, in
 * order. Imported only as a worker script (session-client.ts starts it).
 */
import { parentPort, workerData } from "node:worker_threads";

import {
  type DatasetSplits,
  MaskedModel,
  evaluate,
  evaluationSet,
  initBackend,
  isCarveError,
  loadDataset,
  loadModel,
  parseBackendName,
  stratifiedSample,
} from "@carve/core";

import { BATCH_SIZE, evaluateRemoval, modelDir, removalOf, summary } from "./evaluation-tasks.js";
import type { EvaluationSummary, WhatIfResult, WhatIfTask } from "./worker-protocol.js";

export interface SessionRequest {
  id: number;
  task: WhatIfTask;
}

export type SessionReply =
  { id: number; result: WhatIfResult } | { id: number; error: { code: string; message: string } };

const port = parentPort;
if (!port) throw new Error("session-worker.js runs as a worker thread (new Worker(...)), not as a script");
const { backend } = workerData as { backend: string };
const ready = initBackend({ backend: backend === "auto" ? "auto" : parseBackendName(backend) });

/** A tiny LRU: Map keeps insertion order, so the first key is the least recently used. */
class Lru<V> {
  private readonly items = new Map<string, V>();
  constructor(
    private readonly max: number,
    private readonly evicted: (value: V) => void = () => {},
  ) {}
  get(key: string): V | undefined {
    const value = this.items.get(key);
    if (value !== undefined) {
      this.items.delete(key);
      this.items.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    while (this.items.size > this.max) {
      const [oldest, old] = this.items.entries().next().value as [string, V];
      this.items.delete(oldest);
      this.evicted(old);
    }
  }
  delete(key: string): void {
    this.items.delete(key);
  }
}

/** Loaded models with their masks; an evicted one is disposed (questions run one at a time, so none uses it). */
const models = new Lru<MaskedModel>(2, (masked) => {
  masked.dispose();
  masked.model.dispose();
});
/** Loaded datasets (Fashion-MNIST is about 55 MB of pixels): two at most. */
const datasets = new Lru<Promise<DatasetSplits>>(2);
/** Unpruned accuracy per model and sample. */
const bases = new Lru<EvaluationSummary>(64);

async function answer(task: WhatIfTask): Promise<WhatIfResult> {
  await ready;
  const started = performance.now();
  const modelKey = JSON.stringify(task.source);
  let masked = models.get(modelKey);
  if (!masked) {
    masked = new MaskedModel(await loadModel(modelDir(task.source)));
    models.set(modelKey, masked);
  }
  const removal = removalOf(masked, task);
  const [, h, w, c] = masked.model.inputs[0]!.shape;
  const imageShape = task.imageShape ?? (h && w && c ? ([h, w, c] as [number, number, number]) : undefined);
  const dataKey = JSON.stringify([task.dataset, imageShape ?? null]);
  let loading = datasets.get(dataKey);
  if (!loading) {
    loading = loadDataset(task.dataset, imageShape ? { imageShape } : {});
    datasets.set(dataKey, loading);
    loading.catch(() => datasets.delete(dataKey));
  }
  const split = evaluationSet(await loading, task.split, { seed: task.seed });
  const images = task.maxImages !== undefined ? stratifiedSample(split, task.maxImages, task.seed) : split;
  const baseKey = JSON.stringify([modelKey, dataKey, task.split, task.maxImages ?? null, task.seed]);
  let base = bases.get(baseKey);
  if (!base) {
    base = summary(await evaluate(masked.model, images, { batchSize: BATCH_SIZE }));
    bases.set(baseKey, base);
  }
  const pruned = await evaluateRemoval(masked, images, removal, {});
  return { kind: "what-if", base, pruned, seconds: (performance.now() - started) / 1000 };
}

let queue: Promise<void> = Promise.resolve();
port.on("message", (request: SessionRequest) => {
  queue = queue.then(() =>
    answer(request.task).then(
      (result) => port.postMessage({ id: request.id, result } satisfies SessionReply),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          error: isCarveError(error)
            ? { code: error.code, message: error.message }
            : {
                code: "INTERNAL",
                message: error instanceof Error ? (error.stack ?? error.message) : String(error),
              },
        } satisfies SessionReply),
    ),
  );
});
