import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

export interface LatencyMeasurement {
  /** Median milliseconds per batch over the timed runs. */
  msPerBatch: number;
  msPerImage: number;
  batchSize: number;
  runs: number;
}

/**
 * Measured inference latency on random input of the model's shape: a warm-up run (kernels compile, buffers
 * allocate), then the median of `runs` timed runs, each waiting for the result to be read back. The median,
 * because a shared machine adds outliers.
 */
export async function measureLatency(
  model: tfl.LayersModel,
  options: { batchSize?: number; runs?: number } = {},
): Promise<LatencyMeasurement> {
  const batchSize = options.batchSize ?? 32;
  const runs = options.runs ?? 10;
  const shape = model.inputs[0]!.shape.slice(1).map((d) => d ?? 1);
  const input = tf.randomUniform([batchSize, ...shape], 0, 1, "float32", 0);
  try {
    const once = async () => {
      const output = model.predict(input) as tf.Tensor;
      await output.data();
      output.dispose();
    };
    await once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await once();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const msPerBatch = times[Math.floor(times.length / 2)]!;
    return { msPerBatch, msPerImage: msPerBatch / batchSize, batchSize, runs };
  } finally {
    input.dispose();
  }
}
