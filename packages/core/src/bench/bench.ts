/**
 * The fast-CAR benchmark: for each demo model, whole-model CAR and greedy pruning by the exact engine, the
 * naive method and the adaptive selection, in one process (see run.ts for the command line).
 */
import { initBackend } from "../backend/index.js";
import { loadDataset } from "../data/loaders.js";
import { type DemoModelName, demoModelDir } from "../demo/demo-models.js";
import type { RaceBound } from "../fastcar/index.js";
import { loadModel } from "../model/io.js";
import { benchWholeModelCar } from "./car-bench.js";
import { benchGreedy } from "./greedy-bench.js";
import { machineInfo } from "./measure.js";
import { measureThroughput } from "./throughput.js";
import type { BenchReport, ModelBench } from "./report.js";

export interface BenchOptions {
  models: DemoModelName[];
  /** Model folders to use instead of the shipped demo models, by name. */
  modelDirs: Partial<Record<DemoModelName, string>>;
  tasks: Array<"car" | "greedy">;
  memoryBudgetMB: number;
  naiveSeconds: number;
  naiveStepsPerLayer: number;
  batchSize: number;
  adaptive: Array<{ confidence: number; bound: RaceBound }>;
  command: string;
  log: (line: string) => void;
}

/** Evaluation data per model: the demo model's own test split (10,000 images for Fashion-MNIST). */
const DATASETS: Partial<Record<DemoModelName, string>> = {
  mnist: "mnist",
  "fashion-mnist": "fashion-mnist",
};

export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const backend = await initBackend({ backend: "wasm" });
  const machine = machineInfo();
  // The machine is shared: the 1-minute load average is watched through the run, not only at its ends.
  const os = await import("node:os");
  machine.loadAverage.peak = machine.loadAverage.start;
  const loadWatch = setInterval(() => {
    machine.loadAverage.peak = Math.max(machine.loadAverage.peak ?? 0, os.loadavg()[0]!);
  }, 5000);
  loadWatch.unref();
  const throughput = await measureThroughput();
  options.log(
    `backend throughput: conv2d ${throughput.conv2dGflops.toFixed(1)} GFLOP/s, ` +
      `matMul ${throughput.matMulGflops.toFixed(1)} GFLOP/s`,
  );
  const models: ModelBench[] = [];
  for (const name of options.models) {
    const datasetName = DATASETS[name] ?? name;
    let model;
    try {
      model = await loadModel(options.modelDirs[name] ?? demoModelDir(name));
    } catch (error) {
      models.push({
        name,
        dataset: datasetName,
        images: 0,
        skipped: `model not found (${(error as Error).message})`,
      });
      options.log(`${name}: skipped, no model`);
      continue;
    }
    try {
      const { test } = await loadDataset(datasetName);
      options.log(`${name}: ${test.size} test images`);
      const entry: ModelBench = { name, dataset: `${datasetName} test split`, images: test.size };
      if (options.tasks.includes("car")) {
        entry.car = await benchWholeModelCar({
          model,
          dataset: test,
          memoryBudgetMB: options.memoryBudgetMB,
          naiveSeconds: options.naiveSeconds,
          batchSize: options.batchSize,
          gflops: throughput.gflops,
          log: options.log,
        });
      }
      if (options.tasks.includes("greedy")) {
        entry.greedy = await benchGreedy({
          model,
          dataset: test,
          memoryBudgetMB: options.memoryBudgetMB,
          naiveSeconds: options.naiveSeconds,
          naiveStepsPerLayer: options.naiveStepsPerLayer,
          adaptive: options.adaptive,
          gflops: throughput.gflops,
          log: options.log,
        });
      }
      models.push(entry);
    } finally {
      model.dispose();
    }
  }
  clearInterval(loadWatch);
  machine.loadAverage.end = os.loadavg()[0];
  return {
    command: options.command,
    date: new Date().toISOString(),
    machine,
    backend,
    throughput,
    memoryBudgetMB: options.memoryBudgetMB,
    naiveSeconds: options.naiveSeconds,
    models,
  };
}
