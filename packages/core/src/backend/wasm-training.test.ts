import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../util/random.js";
import { initBackend } from "./select-backend.js";
import { maxScaledDifference, randomInt, randomValues, valuesOn } from "./test-utils/compare-backends.js";

// Batch statistics divide by the batch's standard deviation, which magnifies the float32 differences between
// XNNPACK's and plain JavaScript's summation order; 1e-4 of the largest gradient is still far below any bug.
const TOLERANCE = 1e-4;

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  await initBackend({ backend: "wasm" });
});

const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);

/** Gives every weight of `model` seeded values (batch-norm scales near 1, variances positive). */
function setSeededWeights(model: tfl.LayersModel, seed: number): void {
  const weights = model.weights.map((w, i) => {
    const values = randomValues(size(w.shape), seed + i);
    if (w.name.includes("gamma") || w.name.includes("moving_variance")) {
      for (let j = 0; j < values.length; j++) values[j] = 1 + 0.5 * values[j]!;
    }
    return tf.tensor(values, w.shape as number[]);
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

/**
 * Gradients of L = Σ model(x, training) · r with respect to every trainable weight, in `model.trainableWeights`
 * order. Builds, uses and disposes the model on whichever backend is active.
 */
function trainableGradients(
  build: () => tfl.LayersModel,
  inputShape: number[],
  seed: number,
): () => tf.Tensor[] {
  return () => {
    const model = build();
    try {
      setSeededWeights(model, seed);
      const x = tf.tensor(randomValues(size(inputShape), seed + 100), inputShape);
      const outShape = (model.apply(x) as tf.Tensor).shape;
      const r = tf.tensor(randomValues(size(outShape), seed + 200), outShape);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar,
        variables,
      );
      return variables.map((v) => grads[v.name]!);
    } finally {
      model.dispose();
    }
  };
}

async function expectSameGradients(build: () => tfl.LayersModel, inputShape: number[], seed: number) {
  const cpu = await valuesOn("cpu", trainableGradients(build, inputShape, seed));
  const wasm = await valuesOn("wasm", trainableGradients(build, inputShape, seed));
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((gradient, i) => {
    expect(
      maxScaledDifference(gradient, cpu[i]!),
      `weight ${i} of ${JSON.stringify(inputShape)}`,
    ).toBeLessThanOrEqual(TOLERANCE);
  });
}

describe("training on wasm", () => {
  const cases: Array<[1 | 2, "same" | "valid", boolean, number]> = [];
  for (const stride of [1, 2] as const) {
    for (const padding of ["same", "valid"] as const) {
      for (const useBias of [true, false]) {
        for (const channels of [1, 3, 5]) cases.push([stride, padding, useBias, channels]);
      }
    }
  }

  it.each(cases)(
    "gives the cpu gradients for conv2d (stride %i, %s padding, bias %s, %i channels) + batch norm",
    async (stride, padding, useBias, channels) => {
      for (let trial = 0; trial < 2; trial++) {
        const seed =
          10_000 +
          1000 * stride +
          100 * channels +
          10 * trial +
          (useBias ? 1 : 0) +
          (padding === "same" ? 2 : 4);
        const rng = createRng(seed);
        const kernelSize = [randomInt(rng, 1, 3), randomInt(rng, 1, 3)];
        const inputShape = [randomInt(rng, 2, 4), randomInt(rng, 4, 9), randomInt(rng, 4, 9), channels];
        const filters = randomInt(rng, 1, 5);
        const build = () =>
          tfl.sequential({
            layers: [
              tfl.layers.conv2d({
                inputShape: inputShape.slice(1),
                filters,
                kernelSize,
                strides: stride,
                padding,
                useBias,
                activation: "linear",
              }),
              tfl.layers.batchNormalization(),
            ],
          });
        await expectSameGradients(build, inputShape, seed);
      }
    },
  );

  const smallCnn = (depthwise: boolean) => () =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 6,
          kernelSize: 3,
          padding: "same",
          useBias: false,
        }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: "relu" }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        ...(depthwise
          ? [tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "same", depthMultiplier: 2 })]
          : []),
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "valid", activation: "relu" }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, activation: "softmax" }),
      ],
    });

  it("gives the cpu gradients for conv → batch norm → relu → max-pool → conv → dense → softmax", async () => {
    await expectSameGradients(smallCnn(false), [4, 12, 12, 3], 321);
  });

  it("gives the cpu gradients for the same network with a depthwise convolution in it", async () => {
    await expectSameGradients(smallCnn(true), [4, 12, 12, 3], 654);
  });

  it("runs an Adam step of a small CNN without leaking tensors, and lowers the loss", async () => {
    await initBackend({ backend: "wasm" });
    const model = smallCnn(true)();
    setSeededWeights(model, 987);
    const optimizer = tf.train.adam(0.01);
    // Two separable classes: bright top half vs bright bottom half, plus noise; labels as one-hot rows.
    const x = tf.tidy(() => {
      const rows = tf.reshape(tf.range(0, 12), [1, 12, 1, 1]);
      const top = tf.cast(tf.less(rows, 6), "float32");
      const images = tf.concat([tf.tile(top, [4, 1, 12, 3]), tf.tile(tf.sub(1, top), [4, 1, 12, 3])]);
      return tf.add(images, tf.mul(0.1, tf.tensor(randomValues(8 * 12 * 12 * 3, 55), [8, 12, 12, 3])));
    });
    const y = tf.oneHot(tf.tensor1d([0, 0, 0, 0, 1, 1, 1, 1], "int32"), 3);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () =>
      tf.tidy(() => {
        const cost = optimizer.minimize(
          () =>
            tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
          variables,
        );
        return cost!.dataSync()[0]!;
      });

    // The first step creates Adam's moment variables, so the count is taken after it.
    const firstLoss = step();
    const kernelBefore = variables[0]!.dataSync().slice();
    const tensorsBefore = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(maxScaledDifference(variables[0]!.dataSync(), kernelBefore)).toBeGreaterThan(0);

    let lastLoss = firstLoss;
    for (let i = 0; i < 15; i++) lastLoss = step();
    expect(lastLoss).toBeLessThan(firstLoss);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
