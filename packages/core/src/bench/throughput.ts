/**
 * What the backend computes per second on large kernels, measured in the benchmark's own process: the
 * denominator of the floor (fastcar/floor.ts). Large shapes keep call overheads out of it, so it is about the
 * best rate the backend reaches; dividing the unavoidable FLOPs by it gives a lower bound on the time.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface Throughput {
  /** GFLOP/s of a 3×3 Conv2D, 64 images of 28×28×32 → 64 channels ("same"). */
  conv2dGflops: number;
  /** GFLOP/s of a 1024×1024 by 1024×1024 matMul. */
  matMulGflops: number;
  /** The larger of the two: the rate the floor assumes. */
  gflops: number;
}

/** Best of `repeats` timed runs of `op` (after one warm-up), in GFLOP/s. */
async function rate(op: () => tf.Tensor, flops: number, repeats: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r <= repeats; r++) {
    const started = performance.now();
    const out = op();
    await out.data();
    const seconds = (performance.now() - started) / 1000;
    out.dispose();
    if (r > 0) best = Math.min(best, seconds);
  }
  return flops / best / 1e9;
}

export async function measureThroughput(repeats = 5): Promise<Throughput> {
  const x = tf.randomNormal([64, 28, 28, 32], 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 32, 64], 0, 1, "float32", 2) as tf.Tensor4D;
  const a = tf.randomNormal([1024, 1024], 0, 1, "float32", 3) as tf.Tensor2D;
  const b = tf.randomNormal([1024, 1024], 0, 1, "float32", 4) as tf.Tensor2D;
  try {
    const conv2dGflops = await rate(
      () => tf.conv2d(x, w, 1, "same"),
      2 * 64 * 28 * 28 * 64 * 3 * 3 * 32,
      repeats,
    );
    const matMulGflops = await rate(() => tf.matMul(a, b), 2 * 1024 ** 3, repeats);
    return { conv2dGflops, matMulGflops, gflops: Math.max(conv2dGflops, matMulGflops) };
  } finally {
    for (const t of [x, w, a, b]) t.dispose();
  }
}
