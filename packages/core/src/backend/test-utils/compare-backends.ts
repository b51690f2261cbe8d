import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../../util/random.js";
import { initBackend } from "../select-backend.js";

/** Seeded uniform values in [-1, 1). */
export function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

/** Seeded integer in [low, high]. */
export function randomInt(rng: () => number, low: number, high: number): number {
  return low + Math.floor(rng() * (high - low + 1));
}

/**
 * Switches tfjs to `backend`, runs `compute` in a tidy and returns its outputs as plain arrays, so the same
 * computation can be compared across backends without tensors crossing between them. Throws if `compute` left
 * tensors behind, so every comparison is also a leak check.
 */
export async function valuesOn(
  backend: "cpu" | "wasm",
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await initBackend({ backend });
  const tensorsBefore = tf.memory().numTensors;
  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) throw new Error(`valuesOn(${backend}): the computation left ${leaked} tensor(s) behind`);
  return values;
}

/** max |actual − expected| divided by max(1, max |expected|): an absolute error for small values, relative for big. */
export function maxScaledDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`maxScaledDifference: lengths differ (${actual.length} vs ${expected.length})`);
  }
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return worst / scale;
}
