/**
 * @carve/core — CAR filter importance, greedy structural pruning and class importance for TensorFlow.js
 * CNNs. This is the curated public API; importing it has no side effects (no backend is chosen, nothing is
 * read or written) until a function is called.
 */
export { CarveError, isCarveError, type CarveErrorCode } from "./errors.js";
export { CARVE_VERSION } from "./version.js";
export type { OperationControl, Progress } from "./util/operation.js";
export { createRng, permutation } from "./util/random.js";

export {
  BACKEND_NAMES,
  initBackend,
  listBackends,
  parseBackendName,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
  type BackendStatus,
  type InitBackendOptions,
} from "./backend/index.js";

export * from "./data/index.js";

export * from "./contracts/model.js";
export { describeModel } from "./model/describe.js";
export {
  loadModel,
  loadModelFromUpload,
  resolveModelJsonPath,
  saveModel,
  serializeModel,
  type ModelUpload,
  type SavedModel,
} from "./model/io.js";
export { outputsProbabilities } from "./model/outputs.js";
export { measureLatency, type LatencyMeasurement } from "./model/latency.js";
export { buildFashionCnn, buildMnistCnn, buildShapesCnn } from "./model/demo-architectures.js";

export { evaluate, classifyBatch, type BatchOutcome, type EvaluateOptions } from "./eval/evaluate.js";
export {
  recalibrateBatchNorm,
  trainModel,
  type EpochRecord,
  type OptimizerName,
  type TrainOptions,
} from "./train/train.js";

export {
  DEMO_MODELS,
  DEMO_MODEL_NAMES,
  demoModelDir,
  demoModelSpec,
  demoModelsDir,
  isDemoModelName,
  readDemoModelCard,
  type DemoModelCard,
  type DemoModelName,
  type DemoModelSpec,
} from "./demo/demo-models.js";
export { trainDemoModel, type TrainDemoOptions, type TrainDemoResult } from "./demo/train-demo.js";

export * from "./graph/index.js";
export * from "./mask/index.js";
export * from "./surgery/index.js";
export * from "./importance/index.js";
export * from "./prune/index.js";
export * from "./interpret/index.js";
export * from "./compare/index.js";
