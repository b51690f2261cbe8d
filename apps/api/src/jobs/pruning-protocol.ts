/**
 * The messages between the API's main thread and a pruning worker thread (pruning-worker.ts). Plain data only
 * (structured clone). A pruning run reports every step as soon as it is made, so the main thread can persist
 * it before the next one; see run.service.ts for how the steps are stored and replayed on resume.
 */
// Types only: erased at build time, so the main thread loads no TF.js through this file.
import type { AccuracySnapshot, PruneStep } from "@carve/core";

import type { ModelSource, WorkerProgress } from "./worker-protocol.js";

export type { ModelSource, WorkerProgress };

/** A pruning step as the worker reports it and the API stores it: core's PruneStep as JSON. */
export type PruneStepRecord = PruneStep;

export interface PruningTask {
  kind: "pruning";
  runId: string;
  source: ModelSource;
  dataset: string;
  /** A core criterion name: car, l1, mean-activation, apoz, taylor, random. */
  criterion: string;
  scope:
    | { kind: "layer"; group: string }
    | { kind: "sequential"; groups: string[] }
    | { kind: "global"; groups: string[] };
  target: { keep?: number; removeFraction?: number; minAccuracy?: number };
  stepSize: number;
  fineTune: {
    when: "none" | "each-step" | "end";
    epochs: number;
    learningRate?: number;
    /** Train on a seeded class-stratified sample of this many training images (default: all). */
    maxImages?: number;
  };
  protect?: { classes: number[]; maxDrop: number };
  /** The images that choose filters: a split (default selection), optionally a seeded class-stratified sample. */
  selection: { split: string; maxImages?: number };
  /** Sample of the test split reported after every step (default: all of it). */
  maxTestImages?: number;
  seed: number;
  /**
   * Steps already persisted (a resumed run), in order; the run continues after the last. With fine-tuning
   * after each step, `checkpoint` is the folder of the network saved after that step.
   */
  resume?: { steps: PruneStepRecord[]; checkpoint?: string };
  /**
   * With fine-tuning after each step: the network after step N is saved to `${checkpointDir}/step-N` before
   * the step is reported, so a resumed run continues from exactly that network.
   */
  checkpointDir?: string;
  /** Where the compressed model is saved (TF.js layers format: model.json + weights). */
  outputDir: string;
}

export interface PruningResult {
  kind: "pruning";
  /** Why pruning stopped: target-reached, accuracy-floor, class-protection, nothing-left. */
  stopReason: string;
  original: { evaluation: AccuracySnapshot; test?: AccuracySnapshot; params: number; flops: number };
  final: { evaluation: AccuracySnapshot; test?: AccuracySnapshot; params: number; flops: number };
  /** Steps in the whole run, the resumed ones included. */
  steps: number;
  /** Bytes of the saved model (model.json + weights). */
  sizeBytes: number;
  /** The reproducibility record (model and data hashes, seed, options, versions, backend), as JSON. */
  reproducibility: unknown;
}

export interface PruningWorkerInput {
  task: PruningTask;
  /** CARVE_BACKEND as the main thread read it. */
  backend: string;
}

export type PruningWorkerMessage =
  | { type: "progress"; progress: WorkerProgress }
  /** The run's unpruned network on the selection and test images (before step 1). */
  | { type: "started"; original: PruningResult["original"] }
  /** One step, its checkpoint (if any) already saved. */
  | { type: "step"; step: PruneStepRecord; checkpoint?: string }
  | { type: "result"; result: PruningResult }
  | { type: "error"; error: { code: string; message: string } };
