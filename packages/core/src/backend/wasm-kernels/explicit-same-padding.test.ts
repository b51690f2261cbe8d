import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../select-backend.js";
import { maxScaledDifference, randomValues, valuesOn } from "../test-utils/compare-backends.js";
import { registerWasmKernels } from "./register-wasm-kernels.js";

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  await initBackend({ backend: "wasm" });
});

type Shape4 = [number, number, number, number];

/** Every stride-2/3 "same" case over small kernels and inputs: where unwrapped wasm got 64 of 270 wrong. */
function sameCases(): Array<{ stride: number; kernel: [number, number]; input: Shape4 }> {
  const cases = [];
  for (const stride of [2, 3])
    for (const kh of [1, 2, 3])
      for (const kw of [1, 2, 3])
        for (const h of [4, 5, 6, 7, 8])
          for (const w of [4, 5, 7])
            cases.push({ stride, kernel: [kh, kw] as [number, number], input: [1, h, w, 2] as Shape4 });
  return cases;
}

const OPS: Record<string, (x: tf.Tensor4D, filter: tf.Tensor4D, stride: number) => tf.Tensor> = {
  conv2d: (x, filter, stride) => tf.conv2d(x, filter, stride, "same"),
  "fused conv2d with bias and relu": (x, filter, stride) =>
    tf.fused.conv2d({
      x,
      filter,
      strides: stride,
      pad: "same",
      bias: tf.tensor1d([0.5, -0.25]),
      activation: "relu",
    }),
  depthwiseConv2d: (x, filter, stride) => tf.depthwiseConv2d(x, filter, stride, "same"),
  "fused depthwiseConv2d with bias": (x, filter, stride) =>
    tf.fused.depthwiseConv2d({
      x,
      filter,
      strides: stride,
      pad: "same",
      bias: tf.tensor1d([0.5, -0.25, 0.1, 0.2]),
    }),
};

describe("wasm convolutions with same padding", () => {
  it.each(Object.keys(OPS))(
    "%s gives the cpu result for every small strided shape (tensorflow/tfjs#6629)",
    async (name) => {
      const op = OPS[name]!;
      const wrong: string[] = [];
      for (const { stride, kernel, input } of sameCases()) {
        const xValues = randomValues(
          input.reduce((a, b) => a * b),
          input[1] * 10 + input[2],
        );
        const filterValues = randomValues(kernel[0] * kernel[1] * 4, 5);
        const run = () =>
          op(tf.tensor4d(xValues, input), tf.tensor4d(filterValues, [...kernel, 2, 2]), stride);
        const [cpu] = await valuesOn("cpu", run);
        const [wasm] = await valuesOn("wasm", run);
        if (maxScaledDifference(wasm!, cpu!) > 1e-5) wrong.push(JSON.stringify({ stride, kernel, input }));
      }
      expect(wrong).toEqual([]);
    },
  );

  it("changes nothing when registered a second time", async () => {
    await initBackend({ backend: "wasm" });
    const before = tf.getKernel(tf.Conv2D, "wasm");
    expect(registerWasmKernels()).toEqual({ added: [], wrapped: [] });
    expect(tf.getKernel(tf.Conv2D, "wasm")).toBe(before);
  });
});
