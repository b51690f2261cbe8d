import { runInWorker, type WorkerRunOptions } from "./worker-client.js";
import type {
  AnalysisResult,
  AnalysisTask,
  EvaluateResult,
  EvaluateTask,
  InspectDatasetResult,
  InspectDatasetTask,
  InspectDemosResult,
  InspectDemosTask,
  InspectResult,
  InspectTask,
  TopPatchesResult,
  TopPatchesTask,
  WhatIfResult,
  WhatIfTask,
} from "./worker-protocol.js";

/**
 * How services hand TF.js work off the main thread. The default runs each task in a fresh worker thread;
 * tests may pass another (e.g. one that never finishes, to test cancellation deterministically).
 */
export interface WorkerRunner {
  inspect(task: InspectTask, options: WorkerRunOptions): Promise<InspectResult>;
  inspectDemos(task: InspectDemosTask, options: WorkerRunOptions): Promise<InspectDemosResult>;
  analyse(task: AnalysisTask, options: WorkerRunOptions): Promise<AnalysisResult>;
  inspectDataset(task: InspectDatasetTask, options: WorkerRunOptions): Promise<InspectDatasetResult>;
  evaluate(task: EvaluateTask, options: WorkerRunOptions): Promise<EvaluateResult>;
  whatIf(task: WhatIfTask, options: WorkerRunOptions): Promise<WhatIfResult>;
  topPatches(task: TopPatchesTask, options: WorkerRunOptions): Promise<TopPatchesResult>;
}

export const threadWorkerRunner: WorkerRunner = {
  inspect: (task, options) => runInWorker<InspectResult>(task, options),
  inspectDemos: (task, options) => runInWorker<InspectDemosResult>(task, options),
  analyse: (task, options) => runInWorker<AnalysisResult>(task, options),
  inspectDataset: (task, options) => runInWorker<InspectDatasetResult>(task, options),
  evaluate: (task, options) => runInWorker<EvaluateResult>(task, options),
  whatIf: (task, options) => runInWorker<WhatIfResult>(task, options),
  topPatches: (task, options) => runInWorker<TopPatchesResult>(task, options),
};
