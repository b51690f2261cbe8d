import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does, on import.
import "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../util/random.js";
import { initBackend } from "../select-backend.js";
import { maxScaledDifference, randomInt, randomValues, valuesOn } from "../test-utils/compare-backends.js";

const TOLERANCE = 1e-5;

beforeAll(async () => {
  // Load both backends once; each test switches between them through initBackend.
  await initBackend({ backend: "cpu" });
  await initBackend({ backend: "wasm" });
});

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: 1 | 2;
  pad: "same" | "valid";
}

/** Random spatial sizes (odd and even, so stride remainders occur) for a fixed stride/padding/channel count. */
function randomCase(seed: number, stride: 1 | 2, pad: "same" | "valid", inChannels: number): ConvCase {
  const rng = createRng(seed);
  const kernel: [number, number] = [randomInt(rng, 1, 4), randomInt(rng, 1, 4)];
  return {
    batch: randomInt(rng, 1, 3),
    height: randomInt(rng, kernel[0], 9),
    width: randomInt(rng, kernel[1], 9),
    inChannels,
    outChannels: randomInt(rng, 1, 4),
    kernel,
    stride,
    pad,
  };
}

/**
 * Gradients of L = Σ conv2d(x, w) · r with respect to w (Conv2DBackpropFilter) and x (Conv2DBackpropInput),
 * where r is a fixed random weighting so every output position matters differently.
 */
function convGradients(c: ConvCase, seed: number): () => tf.Tensor[] {
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const wShape: [number, number, number, number] = [...c.kernel, c.inChannels, c.outChannels];
  const xValues = randomValues(
    xShape.reduce((a, b) => a * b),
    seed,
  );
  const wValues = randomValues(
    wShape.reduce((a, b) => a * b),
    seed + 1,
  );
  return () => {
    const x = tf.tensor4d(xValues, xShape);
    const w = tf.tensor4d(wValues, wShape);
    const outShape = tf.conv2d(x, w, c.stride, c.pad).shape;
    const r = tf.tensor(
      randomValues(
        outShape.reduce((a, b) => a * b),
        seed + 2,
      ),
      outShape,
    );
    const loss = (xs: tf.Tensor, ws: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad), r));
    return tf.grads(loss)([x, w]);
  };
}

describe("Conv2DBackpropFilter on wasm", () => {
  const cases: Array<[1 | 2, "same" | "valid", number]> = [];
  for (const stride of [1, 2] as const) {
    for (const pad of ["same", "valid"] as const) {
      for (const channels of [1, 3, 5]) cases.push([stride, pad, channels]);
    }
  }

  it.each(cases)(
    "matches the cpu filter gradient for stride %i, %s padding, %i input channels, on random shapes",
    async (stride, pad, channels) => {
      for (let trial = 0; trial < 4; trial++) {
        const seed = 1000 * stride + 100 * channels + 10 * trial + (pad === "same" ? 1 : 2);
        const c = randomCase(seed, stride, pad, channels);
        const [dxCpu, dwCpu] = await valuesOn("cpu", convGradients(c, seed));
        const [dxWasm, dwWasm] = await valuesOn("wasm", convGradients(c, seed));
        expect(maxScaledDifference(dwWasm!, dwCpu!), JSON.stringify(c)).toBeLessThanOrEqual(TOLERANCE);
        expect(maxScaledDifference(dxWasm!, dxCpu!), JSON.stringify(c)).toBeLessThanOrEqual(TOLERANCE);
      }
    },
  );

  it.each([
    [
      "explicit pads",
      [
        [0, 0],
        [2, 0],
        [1, 3],
        [0, 0],
      ] as tf.backend_util.ExplicitPadding,
      2,
      undefined,
    ],
    ["a numeric pad rounded down", 1, 2, "floor" as const],
    ["a numeric pad rounded up", 1, 2, "ceil" as const],
  ])("matches the cpu kernel called directly with %s", async (_label, pad, stride, dimRoundingMode) => {
    const xShape = [2, 7, 8, 3];
    const filterShape: [number, number, number, number] = [3, 2, 3, 4];
    const run = () => {
      const x = tf.tensor4d(randomValues(2 * 7 * 8 * 3, 7), xShape as [number, number, number, number]);
      const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, stride, 1, pad, dimRoundingMode);
      const dyShape = [2, info.outHeight, info.outWidth, 4];
      const dy = tf.tensor(
        randomValues(
          dyShape.reduce((a, b) => a * b),
          8,
        ),
        dyShape,
      );
      const attrs = { strides: stride, pad, dataFormat: "NHWC", dimRoundingMode, filterShape };
      return tf
        .engine()
        .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    };
    const [cpu] = await valuesOn("cpu", run);
    const [wasm] = await valuesOn("wasm", run);
    expect(maxScaledDifference(wasm!, cpu!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("matches the cpu kernel for channels-first (NCHW) input", async () => {
    const filterShape: [number, number, number, number] = [3, 3, 2, 3];
    const run = () => {
      const x = tf.tensor4d(randomValues(2 * 2 * 6 * 5, 11), [2, 2, 6, 5]);
      const dy = tf.tensor4d(randomValues(2 * 3 * 3 * 3, 12), [2, 3, 3, 3]);
      const attrs = { strides: 2, pad: "same", dataFormat: "NCHW", filterShape };
      return tf
        .engine()
        .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    };
    const [cpu] = await valuesOn("cpu", run);
    const [wasm] = await valuesOn("wasm", run);
    expect(maxScaledDifference(wasm!, cpu!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("agrees with a finite-difference estimate on a tiny stride-2 case", async () => {
    // L(w) = Σ (conv2d(x, w) · r)² is quadratic in w, so the central difference (L(w+ε) − L(w−ε)) / 2ε is exact
    // up to float32 rounding of L (about 1e-6 · |L| / ε).
    await initBackend({ backend: "wasm" });
    const epsilon = 1e-2;
    const x = tf.tensor4d(randomValues(1 * 5 * 5 * 2, 21), [1, 5, 5, 2]);
    const w0 = randomValues(3 * 3 * 2 * 2, 22);
    const r = tf.tensor4d(randomValues(1 * 3 * 3 * 2, 23), [1, 3, 3, 2]);
    const loss = (w: tf.Tensor) => tf.sum(tf.square(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 2, "same"), r)));
    const analytic = tf.tidy(() => tf.grad(loss)(tf.tensor4d(w0, [3, 3, 2, 2]))).dataSync();
    const numeric = w0.map((_, i) => {
      const lossAt = (delta: number) =>
        tf.tidy(() => {
          const w = Float32Array.from(w0);
          w[i] = w[i]! + delta;
          return loss(tf.tensor4d(w, [3, 3, 2, 2])).dataSync()[0]!;
        });
      return (lossAt(epsilon) - lossAt(-epsilon)) / (2 * epsilon);
    });
    tf.dispose([x, r]);
    expect(maxScaledDifference(analytic, numeric)).toBeLessThanOrEqual(1e-3);
  });

  it("leaves no tensor or backend data behind, even under the engine's own leak check", async () => {
    await initBackend({ backend: "wasm" });
    const x = tf.tensor4d(randomValues(2 * 6 * 6 * 3, 31), [2, 6, 6, 3]);
    const dy = tf.tensor4d(randomValues(2 * 3 * 3 * 4, 32), [2, 3, 3, 4]);
    const attrs = { strides: 2, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 3, 4] };
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    // IS_TEST makes the engine compare the backend's data ids before and after each kernel and throw on a leak.
    tf.env().set("IS_TEST", true);
    try {
      const dW = tf
        .engine()
        .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      expect(dW.shape).toEqual([3, 3, 3, 4]);
      expect(tf.memory().numTensors).toBe(tensorsBefore + 1);
      dW.dispose();
    } finally {
      tf.env().set("IS_TEST", false);
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    tf.dispose([x, dy]);
  });
});
