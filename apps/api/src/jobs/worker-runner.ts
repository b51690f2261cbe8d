import { runInWorker, type WorkerRunOptions } from "./worker-client.js";
import type {
  AnalysisResult,
  AnalysisTask,
  InspectDemosResult,
  InspectDemosTask,
  InspectResult,
  InspectTask,
} from "./worker-protocol.js";

/**
 * How services hand TF.js work off the main thread. The default runs each task in a fresh worker thread;
 * tests may pass another (e.g. one that never finishes, to test cancellation deterministically).
 */
export interface WorkerRunner {
  inspect(task: InspectTask, options: WorkerRunOptions): Promise<InspectResult>;
  inspectDemos(task: InspectDemosTask, options: WorkerRunOptions): Promise<InspectDemosResult>;
  analyse(task: AnalysisTask, options: WorkerRunOptions): Promise<AnalysisResult>;
}

export const threadWorkerRunner: WorkerRunner = {
  inspect: (task, options) => runInWorker<InspectResult>(task, options),
  inspectDemos: (task, options) => runInWorker<InspectDemosResult>(task, options),
  analyse: (task, options) => runInWorker<AnalysisResult>(task, options),
};
