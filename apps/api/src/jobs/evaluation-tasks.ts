/**
 * Worker-side work on datasets: reading a dataset's facts, evaluating a model, answering a what-if (accuracy
 * with some filters removed) and finding top-activating patches. Imported only by the worker thread
 * (carve-worker.ts): it loads TF.js through @carve/core.
 */
import {
  CarveError,
  type Dataset,
  type FilterRemoval,
  MaskedModel,
  type OperationControl,
  classifyBatch,
  demoModelDir,
  demoModelSpec,
  detectDatasetKind,
  encodePng,
  evaluate,
  evaluationSet,
  loadDataset,
  loadModel,
  outputsProbabilities,
  patchImage,
  stratifiedSample,
  topActivatingPatches,
  validateRemoval,
} from "@carve/core";

import type {
  ClassAccuracySummary,
  EvaluateResult,
  EvaluateTask,
  EvaluationSummary,
  ImageSample,
  InspectDatasetResult,
  InspectDatasetTask,
  ModelSource,
  TopPatchesResult,
  TopPatchesTask,
  WhatIfResult,
  WhatIfTask,
} from "./worker-protocol.js";

/** Patches are drawn at least this many pixels wide, so a 5×5 receptive field is visible without zooming. */
const PATCH_MIN_PIXELS = 48;
export const BATCH_SIZE = 256;

type LayersModel = Awaited<ReturnType<typeof loadModel>>;

export function modelDir(source: ModelSource): string {
  return source.kind === "demo" ? demoModelDir(demoModelSpec(source.name).name) : source.path;
}

function inputImageShape(model: LayersModel): [number, number, number] | undefined {
  const [, h, w, c] = model.inputs[0]!.shape;
  return h && w && c ? [h, w, c] : undefined;
}

/** The images a task names: the split of its dataset, sampled down to maxImages (stratified, seeded). */
export async function sampleOf(
  task: ImageSample,
  model: LayersModel | undefined,
  control: OperationControl,
): Promise<Dataset> {
  const imageShape = task.imageShape ?? (model ? inputImageShape(model) : undefined);
  const splits = await loadDataset(task.dataset, imageShape ? { imageShape } : {}, control);
  const split = evaluationSet(splits, task.split, { seed: task.seed });
  return task.maxImages !== undefined ? stratifiedSample(split, task.maxImages, task.seed) : split;
}

export function summary(result: {
  count: number;
  correct: number;
  accuracy: number;
  loss: number;
  perClass: Array<{
    classIndex: number;
    className: string;
    count: number;
    correct: number;
    accuracy: number;
  }>;
}): EvaluationSummary {
  return {
    images: result.count,
    correct: result.correct,
    accuracy: result.accuracy,
    loss: result.loss,
    perClass: result.perClass.map((c): ClassAccuracySummary => ({
      ...c,
      accuracy: Number.isFinite(c.accuracy) ? c.accuracy : null,
    })),
  };
}

export async function inspectDataset(
  task: InspectDatasetTask,
  control: OperationControl,
): Promise<InspectDatasetResult> {
  const sourceKind = await detectDatasetKind(task.dataset);
  const splits = await loadDataset(
    task.dataset,
    task.imageShape ? { imageShape: task.imageShape } : {},
    control,
  );
  const [h, w, c] = splits.test.imageShape;
  return {
    kind: "inspect-dataset",
    sourceKind,
    classNames: [...splits.test.classNames],
    imageShape: [h, w, c],
    trainSize: splits.train.size,
    validationSize: splits.validation?.size ?? null,
    testSize: splits.test.size,
  };
}

export async function evaluateTask(task: EvaluateTask, control: OperationControl): Promise<EvaluateResult> {
  const started = performance.now();
  const model = await loadModel(modelDir(task.source));
  try {
    const images = await sampleOf(task, model, control);
    const result = await evaluate(model, images, { batchSize: BATCH_SIZE }, control);
    return { kind: "evaluate", evaluation: summary(result), seconds: (performance.now() - started) / 1000 };
  } finally {
    model.dispose();
  }
}

/**
 * The model with and without the removed filters on the same images, in one pass over them. Removal is
 * virtual (channel masks, the same convention as CAR scoring), so nothing is rebuilt per question; a test
 * checks it against physical removal (removeFilters) and evaluate.
 */
export async function whatIf(task: WhatIfTask, control: OperationControl): Promise<WhatIfResult> {
  const started = performance.now();
  const model = await loadModel(modelDir(task.source));
  const masked = new MaskedModel(model);
  try {
    const removal = removalOf(masked, task);
    const images = await sampleOf(task, model, control);
    // evaluate() checks shapes and class counts with clear errors before anything runs.
    const base = summary(await evaluate(model, images, { batchSize: BATCH_SIZE }, control));
    const pruned = await evaluateRemoval(masked, images, removal, control);
    return { kind: "what-if", base, pruned, seconds: (performance.now() - started) / 1000 };
  } finally {
    masked.dispose();
    model.dispose();
  }
}

/** The task's removal, validated against the model's filter groups (INVALID_ARGUMENT naming the group). */
export function removalOf(masked: MaskedModel, task: Pick<WhatIfTask, "removed">): FilterRemoval {
  const removal = new Map(task.removed.map((r) => [r.groupId, new Set(r.filters)]));
  validateRemoval(masked.graph, removal);
  return removal;
}

/** Accuracy, loss and per-class accuracy of the masked model with `removal` applied, on `images`. */
export async function evaluateRemoval(
  masked: MaskedModel,
  images: Dataset,
  removal: FilterRemoval,
  control: OperationControl,
): Promise<EvaluationSummary> {
  const classes = images.classNames.length;
  const count = new Array<number>(classes).fill(0);
  const correct = new Array<number>(classes).fill(0);
  const probabilities = outputsProbabilities(masked.model);
  let lossSum = 0;
  let done = 0;
  for (const batch of images.batches({ batchSize: BATCH_SIZE })) {
    let outcome;
    try {
      if (control.signal?.aborted) throw new CarveError("ABORTED", "the what-if was cancelled");
      outcome = await classifyBatch(
        (x) => masked.predict(x, removal),
        batch.images,
        batch.labels,
        probabilities,
      );
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
    for (let i = 0; i < outcome.predicted.length; i++) {
      const label = images.label(batch.indices[i]!);
      count[label]! += 1;
      if (outcome.predicted[i] === label) correct[label]! += 1;
      lossSum += outcome.loss[i]!;
    }
    done += outcome.predicted.length;
    control.onProgress?.({ phase: "what-if", done, total: images.size });
  }
  const totalCorrect = correct.reduce((a, b) => a + b, 0);
  return {
    images: done,
    correct: totalCorrect,
    accuracy: totalCorrect / done,
    loss: lossSum / done,
    perClass: images.classNames.map((className, classIndex) => ({
      classIndex,
      className,
      count: count[classIndex]!,
      correct: correct[classIndex]!,
      accuracy: count[classIndex]! > 0 ? correct[classIndex]! / count[classIndex]! : null,
    })),
  };
}

export async function topPatches(task: TopPatchesTask, control: OperationControl): Promise<TopPatchesResult> {
  const model = await loadModel(modelDir(task.source));
  try {
    const images = await sampleOf(task, model, control);
    const result = await topActivatingPatches(
      model,
      images,
      { layerName: task.layerName, filters: task.filters, k: task.k },
      control,
    );
    return {
      kind: "top-patches",
      images: result.images,
      filters: result.filters.map((f) => ({
        filter: f.filter,
        patches: f.patches.map((p) => {
          const image = patchImage(p, result.channels);
          const scale = Math.max(1, Math.ceil(PATCH_MIN_PIXELS / Math.max(image.width, image.height)));
          return {
            rank: p.rank,
            imageIndex: p.imageIndex,
            label: p.label,
            className: p.className,
            activation: p.activation,
            row: p.row,
            column: p.column,
            box: { ...p.box },
            png: encodePng(image, { scale }),
          };
        }),
      })),
    };
  } finally {
    model.dispose();
  }
}
