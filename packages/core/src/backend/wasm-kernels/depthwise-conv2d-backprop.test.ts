import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does, on import.
import "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../util/random.js";
import { initBackend } from "../select-backend.js";
import { maxScaledDifference, randomInt, randomValues, valuesOn } from "../test-utils/compare-backends.js";

const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  await initBackend({ backend: "wasm" });
});

type Shape4 = [number, number, number, number];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Gradients of Σ depthwiseConv2d(x, w) · r with respect to x (BackpropInput) and w (BackpropFilter). */
function depthwiseGradients(
  xShape: Shape4,
  wShape: Shape4,
  stride: number,
  pad: "same" | "valid",
  seed: number,
): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(randomValues(size(xShape), seed), xShape);
    const w = tf.tensor4d(randomValues(size(wShape), seed + 1), wShape);
    const outShape = tf.depthwiseConv2d(x, w, stride, pad).shape;
    const r = tf.tensor(randomValues(size(outShape), seed + 2), outShape);
    const loss = (xs: tf.Tensor, ws: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, stride, pad), r));
    return tf.grads(loss)([x, w]);
  };
}

/** Runs both backprop kernels directly, for attributes the public gradient never produces (dilations > 1). */
function backpropKernels(
  xShape: Shape4,
  wShape: Shape4,
  attrs: { strides: number; dilations: number; pad: "same" | "valid" | tf.backend_util.ExplicitPadding },
  seed: number,
): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(randomValues(size(xShape), seed), xShape);
    const filter = tf.tensor4d(randomValues(size(wShape), seed + 1), wShape);
    const pad = attrs.pad as "same" | "valid" | number;
    const outShape = tf.depthwiseConv2d(x, filter, attrs.strides, pad, "NHWC", attrs.dilations).shape;
    const dy = tf.tensor(randomValues(size(outShape), seed + 2), outShape);
    const dx = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, {
      ...attrs,
      inputShape: xShape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
      ...attrs,
      filterShape: wShape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return [dx, dw];
  };
}

describe("DepthwiseConv2dNativeBackpropInput and ...BackpropFilter on wasm", () => {
  const cases: Array<[1 | 2, "same" | "valid", number, number]> = [];
  for (const stride of [1, 2] as const) {
    for (const pad of ["same", "valid"] as const) {
      for (const channels of [1, 3]) {
        for (const multiplier of [1, 2]) cases.push([stride, pad, channels, multiplier]);
      }
    }
  }

  it.each(cases)(
    "match the cpu gradients for stride %i, %s padding, %i channels, multiplier %i, on random shapes",
    async (stride, pad, channels, multiplier) => {
      for (let trial = 0; trial < 3; trial++) {
        const seed =
          5000 + 1000 * stride + 100 * channels + 10 * multiplier + trial + (pad === "same" ? 0 : 5);
        const rng = createRng(seed);
        const kernel = [randomInt(rng, 1, 4), randomInt(rng, 1, 4)];
        const xShape: Shape4 = [
          randomInt(rng, 1, 3),
          randomInt(rng, kernel[0]!, 9),
          randomInt(rng, kernel[1]!, 9),
          channels,
        ];
        const wShape: Shape4 = [kernel[0]!, kernel[1]!, channels, multiplier];
        const label = JSON.stringify({ xShape, wShape });
        const [dxCpu, dwCpu] = await valuesOn("cpu", depthwiseGradients(xShape, wShape, stride, pad, seed));
        const [dxWasm, dwWasm] = await valuesOn(
          "wasm",
          depthwiseGradients(xShape, wShape, stride, pad, seed),
        );
        expect(maxScaledDifference(dxWasm!, dxCpu!), label).toBeLessThanOrEqual(TOLERANCE);
        expect(maxScaledDifference(dwWasm!, dwCpu!), label).toBeLessThanOrEqual(TOLERANCE);
      }
    },
  );

  it("matches the cpu kernels called directly with explicit pads and stride 2", async () => {
    const attrs = {
      strides: 2,
      dilations: 1,
      pad: [
        [0, 0],
        [2, 1],
        [0, 2],
        [0, 0],
      ] as tf.backend_util.ExplicitPadding,
    };
    const xShape: Shape4 = [2, 9, 8, 3];
    const wShape: Shape4 = [3, 2, 3, 2];
    const [dxCpu, dwCpu] = await valuesOn("cpu", backpropKernels(xShape, wShape, attrs, 77));
    const [dxWasm, dwWasm] = await valuesOn("wasm", backpropKernels(xShape, wShape, attrs, 77));
    expect(maxScaledDifference(dxWasm!, dxCpu!)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxScaledDifference(dwWasm!, dwCpu!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(["same", "valid"] as const)(
    "handles dilation 2 with %s padding like an undilated kernel with zeros between the taps",
    async (pad) => {
      // tfjs-backend-cpu 4.22's depthwise backprop kernels ignore `dilations` (tfjs's gradients never pass one),
      // so the reference is the identity "dilation d = a d-times spread filter with zeros, at dilation 1":
      // dx must equal the undilated input gradient for the spread filter, and dW must equal every d-th tap of
      // the undilated filter gradient over the spread (effective) kernel.
      const xShape: Shape4 = [2, 9, 8, 3];
      const wShape: Shape4 = [3, 2, 3, 2];
      const spreadShape: Shape4 = [5, 3, 3, 2];
      const filterValues = randomValues(size(wShape), 41);
      const spreadFilter = tf.buffer(spreadShape);
      const taps = tf.buffer(wShape, "float32", filterValues);
      for (let h = 0; h < wShape[0]; h++)
        for (let w = 0; w < wShape[1]; w++)
          for (let c = 0; c < wShape[2]; c++)
            for (let m = 0; m < wShape[3]; m++) spreadFilter.set(taps.get(h, w, c, m), 2 * h, 2 * w, c, m);
      const xValues = randomValues(size(xShape), 42);
      const outShape = tf.backend_util.computeConv2DInfo(xShape, wShape, 1, 2, pad, undefined, true).outShape;
      const dyValues = randomValues(size(outShape), 43);

      const [dxWasm, dwWasm] = await valuesOn("wasm", () => {
        const x = tf.tensor4d(xValues, xShape);
        const filter = tf.tensor4d(filterValues, wShape);
        const dy = tf.tensor(dyValues, outShape);
        const attrs = { strides: 1, dilations: 2, pad };
        return [
          tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, {
            ...attrs,
            inputShape: xShape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
          tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
            ...attrs,
            filterShape: wShape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        ];
      });
      const [dxReference, dwReference] = await valuesOn("cpu", () => {
        const x = tf.tensor4d(xValues, xShape);
        const dy = tf.tensor(dyValues, outShape);
        const attrs = { strides: 1, dilations: 1, pad };
        const dx = tf
          .engine()
          .runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: spreadFilter.toTensor() }, {
            ...attrs,
            inputShape: xShape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dwSpread = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
          ...attrs,
          filterShape: spreadShape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dx, tf.stridedSlice(dwSpread, [0, 0, 0, 0], spreadShape, [2, 2, 1, 1])];
      });
      expect(maxScaledDifference(dxWasm!, dxReference!)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxScaledDifference(dwWasm!, dwReference!)).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it("leave no tensor or backend data behind, even under the engine's own leak check", async () => {
    await initBackend({ backend: "wasm" });
    const x = tf.tensor4d(randomValues(2 * 7 * 7 * 3, 91), [2, 7, 7, 3]);
    const filter = tf.tensor4d(randomValues(3 * 3 * 3 * 2, 92), [3, 3, 3, 2]);
    const dy = tf.tensor4d(randomValues(2 * 4 * 4 * 6, 93), [2, 4, 4, 6]);
    const attrs = { strides: 2, dilations: 1, pad: "same" };
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    // IS_TEST makes the engine compare the backend's data ids before and after each kernel and throw on a leak.
    tf.env().set("IS_TEST", true);
    try {
      const dx = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, {
        ...attrs,
        inputShape: x.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dw = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
        ...attrs,
        filterShape: filter.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      expect(dx.shape).toEqual(x.shape);
      expect(dw.shape).toEqual(filter.shape);
      expect(tf.memory().numTensors).toBe(tensorsBefore + 2);
      tf.dispose([dx, dw]);
    } finally {
      tf.env().set("IS_TEST", false);
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    tf.dispose([x, filter, dy]);
  });
});
