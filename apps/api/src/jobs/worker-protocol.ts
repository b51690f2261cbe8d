/**
 * The messages between the API's main thread and a Carve worker thread. Plain data only (structured clone):
 * typed arrays travel as copies, errors as `{ code, message }`.
 */
import type { ModelSummary } from "@carve/core/contracts";

/** Where a model's files are: a shipped demo (resolved by @carve/core) or a path on the server. */
export type ModelSource = { kind: "demo"; name: string } | { kind: "path"; path: string };

/** Reads everything static about a model once: its layers, filter groups, L1 norms and kernel images. */
export interface InspectTask {
  kind: "inspect";
  source: ModelSource;
  /** Dataset whose test split gives the model's accuracy and whose class names label its outputs. */
  dataset?: string;
}

/** CAR scoring of some filter groups of a model. */
export interface AnalysisTask {
  kind: "analysis";
  source: ModelSource;
  dataset: string;
  groups: string[];
  split: string;
  classwise: boolean;
  maxImages?: number;
  seed: number;
}

/**
 * Inspects shipped demo models: the named ones (an unknown or untrained name is an error), or every demo that
 * has been trained (the others are skipped with the reason).
 */
export interface InspectDemosTask {
  kind: "inspect-demos";
  names?: string[];
}

/** Reads a dataset's facts: what kind of source it is, its classes, image shape and split sizes. */
export interface InspectDatasetTask {
  kind: "inspect-dataset";
  /** A built-in name or an absolute directory. */
  dataset: string;
  /** Size to resize an image folder's images to (required for image folders). */
  imageShape?: [number, number, number];
}

/** Which images of a dataset: a split, optionally a seeded class-stratified sample of it. */
export interface ImageSample {
  dataset: string;
  /** Image size for an image-folder dataset (the model's input). */
  imageShape?: [number, number, number];
  /** selection, train, validation or test. */
  split: string;
  /** Sample this many images of the split (class-stratified, seeded); default all. */
  maxImages?: number;
  seed: number;
}

/** Accuracy and per-class accuracy of a model on a dataset split. */
export interface EvaluateTask extends ImageSample {
  kind: "evaluate";
  source: ModelSource;
}

/** Filters to remove, by filter group (a layer's group; coupled layers share one). */
export interface RemovedFilters {
  groupId: string;
  filters: number[];
}

/** Accuracy of a model with some filters removed, next to the unpruned model's, on the same images. */
export interface WhatIfTask extends ImageSample {
  kind: "what-if";
  source: ModelSource;
  removed: RemovedFilters[];
}

/** Top-activating image patches of some filters of one convolution. */
export interface TopPatchesTask extends ImageSample {
  kind: "top-patches";
  source: ModelSource;
  layerName: string;
  filters: number[];
  /** Patches per filter. */
  k: number;
}

export type WorkerTask =
  | InspectTask
  | InspectDemosTask
  | AnalysisTask
  | InspectDatasetTask
  | EvaluateTask
  | WhatIfTask
  | TopPatchesTask;

export interface WorkerInput {
  task: WorkerTask;
  /** CARVE_BACKEND as the main thread read it ("auto" when unset). */
  backend: string;
}

export interface InspectedLayer {
  index: number;
  name: string;
  className: string;
  outputShape: Array<number | null>;
  filters: number | null;
  kernelSize: number[] | null;
  activation: string | null;
  params: number;
  flops: number;
  prunable: boolean;
  groupId: string | null;
}

export interface InspectedFilter {
  layerName: string;
  groupId: string;
  index: number;
  l1Norm: number;
  /** PNG bytes of the kernel, for Conv2D layers. */
  weightPng: Uint8Array | null;
}

export interface InspectResult {
  kind: "inspect";
  /** The demo's title, else the model's own name. */
  name: string;
  description: string;
  topology: ModelSummary["topology"];
  inputShape: Array<number | null>;
  classNames: string[];
  params: number;
  flops: number;
  sizeBytes: number;
  /** Accuracy on the dataset's test split: the model card's for a demo, measured for a model with a dataset. */
  testAccuracy: number | null;
  /** The dataset analyses of this model read by default (a demo's own, or the one given). */
  dataset: string | null;
  layers: InspectedLayer[];
  filters: InspectedFilter[];
}

export interface ScoredFilter {
  groupId: string;
  filter: number;
  rank: number;
  car: {
    drop: number;
    ci95: [number, number];
    rightToWrong: number;
    wrongToRight: number;
    lossIncrease: number;
    accuracyWithout: number;
  } | null;
  /** Class-wise CAR per class (NaN for a class absent from the images), when asked for. */
  classwise: Float64Array | null;
}

export interface AnalysisResult {
  kind: "analysis";
  images: number;
  baseAccuracy: number | null;
  filters: ScoredFilter[];
}

export interface InspectDemosResult {
  kind: "inspect-demos";
  models: Array<{ demo: string; model: InspectResult }>;
  skipped: Array<{ demo: string; reason: string }>;
}

export interface InspectDatasetResult {
  kind: "inspect-dataset";
  /** builtin, idx, cifar10 or image-folder. */
  sourceKind: string;
  classNames: string[];
  imageShape: [number, number, number];
  trainSize: number;
  validationSize: number | null;
  testSize: number;
}

export interface ClassAccuracySummary {
  classIndex: number;
  className: string;
  count: number;
  correct: number;
  /** null when the class has no image among those evaluated. */
  accuracy: number | null;
}

export interface EvaluationSummary {
  images: number;
  correct: number;
  accuracy: number;
  /** Mean cross-entropy per image. */
  loss: number;
  perClass: ClassAccuracySummary[];
}

export interface EvaluateResult {
  kind: "evaluate";
  evaluation: EvaluationSummary;
  seconds: number;
}

export interface WhatIfResult {
  kind: "what-if";
  base: EvaluationSummary;
  pruned: EvaluationSummary;
  seconds: number;
}

export interface PatchSummary {
  rank: number;
  imageIndex: number;
  label: number;
  className: string;
  activation: number;
  row: number;
  column: number;
  /** The receptive field in input pixels (it may reach past the border). */
  box: { top: number; left: number; height: number; width: number };
  /** The patch as PNG bytes (padding transparent). */
  png: Uint8Array;
}

export interface TopPatchesResult {
  kind: "top-patches";
  images: number;
  filters: Array<{ filter: number; patches: PatchSummary[] }>;
}

export type WorkerResult =
  | InspectResult
  | InspectDemosResult
  | AnalysisResult
  | InspectDatasetResult
  | EvaluateResult
  | WhatIfResult
  | TopPatchesResult;

export interface WorkerProgress {
  phase: string;
  done: number;
  total: number;
  etaSeconds?: number;
}

export type WorkerMessage =
  | { type: "progress"; progress: WorkerProgress }
  | { type: "result"; result: WorkerResult }
  | { type: "error"; error: { code: string; message: string } };

/** From the main thread: stop at the next unit of work. */
export type MainMessage = { type: "cancel" };
