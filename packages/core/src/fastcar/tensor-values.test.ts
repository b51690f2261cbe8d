/** readValues: the wasm heap's view of a tensor holds exactly what dataSync copies out, on every backend. */
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { readValues } from "./tensor-values.js";

const initial = tf.getBackend();

afterAll(async () => {
  if (initial) await tf.setBackend(initial);
});

describe.each(["wasm", "cpu"] as const)("readValues on %s", (backend) => {
  it("reads a computed tensor's values, and a reshaped view's, as dataSync does", async () => {
    await initBackend({ backend });
    const x = tf.tidy(() => tf.relu(tf.sub(tf.reshape(tf.range(0, 24 * 5, 1, "float32"), [4, 6, 5]), 30)));
    const view = tf.reshape(x, [24, 5]);
    const expected = Array.from(x.dataSync());
    expect(readValues(x, (values) => Array.from(values))).toEqual(expected);
    expect(readValues(view, (values) => Array.from(values))).toEqual(expected);
    tf.dispose([x, view]);
  });

  it("leaves the tensor intact when the reader copies what it keeps", async () => {
    await initBackend({ backend });
    const x = tf.tensor1d([1.5, -2, 3.25]);
    const kept = readValues(x, (values) => values.slice());
    kept[0] = 99;
    expect(Array.from(x.dataSync())).toEqual([1.5, -2, 3.25]);
    x.dispose();
  });
});
