import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { isCarveError } from "../errors.js";
import { buildChannelGraph } from "../graph/index.js";
import {
  MNIST_MODEL_DIR,
  SCENARIOS,
  mnistImages,
  setSeededWeights,
} from "../graph/test-utils/test-models.js";
import { buildFashionCnn } from "../model/demo-architectures.js";
import { loadModel } from "../model/io.js";
import { NO_REMOVAL, removalSize, withRemoved } from "./filter-removal.js";
import { MaskedModel } from "./masked-model.js";

let images: tf.Tensor4D;
let mnist: tfl.LayersModel;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  images = await mnistImages(64);
  mnist = await loadModel(MNIST_MODEL_DIR);
});
afterAll(() => {
  images.dispose();
  mnist.dispose();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe("MaskedModel", () => {
  it("equals model.predict when nothing is removed, on the mnist demo model", () => {
    const masked = new MaskedModel(mnist);
    const before = tf.memory().numTensors;
    const diff = tf.tidy(() =>
      maxAbsDiff(masked.predict(images, NO_REMOVAL), mnist.predict(images) as tf.Tensor),
    );
    expect(diff).toBeLessThanOrEqual(1e-6);
    expect(tf.memory().numTensors).toBe(before);
    masked.dispose();
  });

  it("equals model.predict with dropout and BatchNormalization in inference mode", () => {
    const model = buildFashionCnn({ seed: 3 });
    setSeededWeights(model, 3);
    const masked = new MaskedModel(model);
    const diff = tf.tidy(() =>
      maxAbsDiff(masked.predict(images, NO_REMOVAL), model.predict(images) as tf.Tensor),
    );
    expect(diff).toBeLessThanOrEqual(1e-6);
    masked.dispose();
    model.dispose();
  });

  it("zeroes a removed filter's channel at its removal point and nowhere else", () => {
    const masked = new MaskedModel(mnist);
    const removal = withRemoved(NO_REMOVAL, "conv2", [3, 17]);
    tf.tidy(() => {
      const act = masked.activations(images, "conv2", removal);
      const full = masked.activations(images, "conv2");
      expect(act.shape).toEqual([64, 14, 14, 32]);
      const perChannel = tf.sum(tf.abs(act), [0, 1, 2]).arraySync() as number[];
      expect(perChannel[3]).toBe(0);
      expect(perChannel[17]).toBe(0);
      // Channels kept are untouched: conv2's input (conv1) has nothing removed.
      const keep = tf.tensor1d([
        1,
        1,
        1,
        0,
        ...new Array<number>(13).fill(1),
        0,
        ...new Array<number>(14).fill(1),
      ]);
      expect(maxAbsDiff(act, tf.mul(full, keep))).toBe(0);
    });
    masked.dispose();
  });

  it("equals zeroing the channel by hand: conv2 filter 5 removed is conv2's kernel and bias column 5 set to 0", () => {
    // conv2 has a ReLU; relu(0·x + 0) = 0, so zeroing the weights of filter 5 zeroes its channel after the ReLU —
    // an independent route to the same network.
    const masked = new MaskedModel(mnist);
    const [kernel, bias] = mnist.getLayer("conv2").getWeights();
    // getWeights returns the variables themselves: never dispose them.
    const column = tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d([5], "int32"), 32), [32]));
    const hand = tf.tidy(() => {
      const keep = tf.sub(1, column);
      return [tf.mul(kernel!, keep), tf.mul(bias!, keep)];
    });
    const original = [kernel!.clone(), bias!.clone()];
    mnist.getLayer("conv2").setWeights(hand);
    const expected = tf.tidy(() => mnist.predict(images) as tf.Tensor);
    mnist.getLayer("conv2").setWeights(original);
    const diff = tf.tidy(() =>
      maxAbsDiff(masked.predict(images, new Map([["conv2", new Set([5])]])), expected),
    );
    expect(diff).toBeLessThanOrEqual(1e-6);
    tf.dispose([column, ...hand, ...original, expected]);
    masked.dispose();
  });

  it("gives exactly the unmasked output when the removed filter's output is always zero", () => {
    // Filter 2 of c1 has a zero kernel and bias −1 before a ReLU: relu(−1) = 0 everywhere, so removing it
    // changes nothing, to the last bit.
    const m = tfl.sequential({ name: "dead-filter" });
    m.add(
      tfl.layers.conv2d({
        name: "c1",
        inputShape: [28, 28, 1],
        filters: 4,
        kernelSize: 3,
        activation: "relu",
      }),
    );
    m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: "p" }));
    m.add(tfl.layers.conv2d({ name: "c2", filters: 3, kernelSize: 3, activation: "relu" }));
    m.add(tfl.layers.flatten({ name: "f" }));
    m.add(tfl.layers.dense({ name: "out", units: 10 }));
    setSeededWeights(m, 11);
    const [kernel, bias] = m.getLayer("c1").getWeights();
    const dead = tf.tidy(() => {
      const alive = tf.tensor1d([1, 1, 0, 1]);
      return [tf.mul(kernel!, alive), tf.sub(tf.mul(bias!, alive), tf.tensor1d([0, 0, 1, 0]))];
    });
    m.getLayer("c1").setWeights(dead);
    tf.dispose(dead);
    const masked = new MaskedModel(m);
    tf.tidy(() => {
      const a = masked.predict(images, new Map([["c1", new Set([2])]])).dataSync();
      const b = masked.predict(images, NO_REMOVAL).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
    });
    masked.dispose();
    m.dispose();
  });

  it("with 0/1 gates gives the same output as the removal, and batches several removals per image", () => {
    const model = SCENARIOS["Functional Concatenate"]!(5);
    const masked = new MaskedModel(model);
    const removalA = new Map([
      ["left", new Set([1])],
      ["right", new Set([0, 4])],
    ]);
    const removalB = new Map([["stem", new Set([2])]]);
    const gateOf = (removal: ReadonlyMap<string, ReadonlySet<number>>, id: string, size: number) =>
      Array.from({ length: size }, (_, f) => (removal.get(id)?.has(f) ? 0 : 1));
    tf.tidy(() => {
      const x = tf.slice(images, 0, 8);
      const gates = new Map(
        masked.graph.groups.map((g) => [g.id, tf.tensor2d([gateOf(removalA, g.id, g.size)], [1, g.size])]),
      );
      expect(maxAbsDiff(masked.predictWithGates(x, gates), masked.predict(x, removalA))).toBeLessThanOrEqual(
        1e-6,
      );
      // Two removals in one pass: images tiled, gates per image [2N, 1, 1, C].
      const tiled = tf.concat([x, x]) as tf.Tensor4D;
      const perImage = new Map(
        masked.graph.groups.map((g) => {
          const rows = [
            ...new Array<number[]>(8).fill(gateOf(removalA, g.id, g.size)),
            ...new Array<number[]>(8).fill(gateOf(removalB, g.id, g.size)),
          ];
          return [g.id, tf.reshape(tf.tensor2d(rows), [16, 1, 1, g.size])];
        }),
      );
      const both = masked.predictWithGates(tiled, perImage);
      const expected = tf.concat([masked.predict(x, removalA), masked.predict(x, removalB)]);
      expect(maxAbsDiff(both, expected)).toBeLessThanOrEqual(1e-6);
    });
    masked.dispose();
    model.dispose();
  });

  it("returns a group's own channels, in filter order, when its removal point is shared after a Concatenate", () => {
    const model = SCENARIOS["Functional Concatenate"]!(5);
    const masked = new MaskedModel(model);
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer("cat_bn").output as tfl.SymbolicTensor,
    });
    tf.tidy(() => {
      const bn = probe.predict(images) as tf.Tensor4D;
      const left = masked.activations(images, "left");
      expect(left.shape).toEqual([64, 14, 14, 4]);
      expect(maxAbsDiff(left, tf.slice(bn, [0, 0, 0, 0], [-1, -1, -1, 4]))).toBeLessThanOrEqual(1e-6);
      const removed = masked.activations(images, "left", new Map([["left", new Set([2])]]));
      expect(tf.max(tf.abs(tf.slice(removed, [0, 0, 0, 2], [-1, -1, -1, 1]))).dataSync()[0]).toBe(0);
    });
    masked.dispose();
    model.dispose();
  });

  it("aligns per-image gates [N, 1, 1, C] with a Dense layer's [N, C] output", () => {
    const model = SCENARIOS["hidden Dense → Dense"]!(5);
    const masked = new MaskedModel(model);
    tf.tidy(() => {
      const x = tf.slice(images, 0, 4);
      const rows = [0, 1, 2, 3].map((i) => Array.from({ length: 12 }, (_, f) => (f === i ? 0 : 1)));
      const gated = masked.predictWithGates(
        x,
        new Map([["d1", tf.reshape(tf.tensor2d(rows), [4, 1, 1, 12])]]),
      );
      expect(gated.shape).toEqual([4, 10]);
      for (let i = 0; i < 4; i++) {
        const one = masked.predict(tf.slice(x, i, 1), new Map([["d1", new Set([i])]]));
        expect(maxAbsDiff(tf.slice(gated, i, 1), one)).toBeLessThanOrEqual(1e-6);
      }
    });
    masked.dispose();
    model.dispose();
  });

  it("differentiates through gates (the gradient of a filter's gate is d output / d filter scale)", () => {
    const masked = new MaskedModel(mnist);
    const before = tf.memory().numTensors;
    const grads = tf.tidy(() => {
      const gate = tf.ones([1, 32]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(masked.predictWithGates(images, new Map([["conv2", v]]))))(
        gate,
      );
      return g.dataSync();
    });
    expect(grads.length).toBe(32);
    expect(grads.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    masked.dispose();
  });

  it("leaks no tensors from predict or activations inside tidy, and dispose releases its cached masks", () => {
    const masked = new MaskedModel(mnist);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      masked.predict(images, new Map([["conv1", new Set([0])]]));
      masked.activations(images, "conv1", new Map([["conv1", new Set([1])]]));
    });
    // Two masks cached (one per distinct removal at conv1).
    expect(tf.memory().numTensors).toBe(before + 2);
    masked.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects unknown groups, out-of-range filters and removing a whole layer", () => {
    const masked = new MaskedModel(mnist);
    const bad = (removal: Map<string, Set<number>>) => () => tf.tidy(() => masked.predict(images, removal));
    for (const removal of [
      new Map([["conv7", new Set([0])]]),
      new Map([["conv1", new Set([16])]]),
      new Map([["conv1", new Set([-1])]]),
      new Map([["conv1", new Set(Array.from({ length: 16 }, (_, i) => i))]]),
    ]) {
      expect(bad(removal)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    expect(() => tf.tidy(() => masked.activations(images, "nope"))).toThrow(/no filter group "nope"/);
    try {
      bad(new Map([["conv1", new Set([99])]]))();
    } catch (error) {
      expect(isCarveError(error, "INVALID_ARGUMENT")).toBe(true);
      expect((error as Error).message).toMatch(/filter 99 of "conv1": it has filters 0…15/);
    }
    masked.dispose();
  });

  it("counts removed filters and adds to a removal without changing it", () => {
    const a = withRemoved(NO_REMOVAL, "conv1", [1, 2]);
    const b = withRemoved(a, "conv1", [2, 3]);
    expect(removalSize(a)).toBe(2);
    expect(removalSize(b)).toBe(3);
    expect(NO_REMOVAL.size).toBe(0);
  });

  it("accepts a graph built beforehand for the same model and refuses one built for another", () => {
    const graph = buildChannelGraph(mnist);
    const masked = new MaskedModel(mnist, graph);
    expect(masked.graph).toBe(graph);
    masked.dispose();
    const other = buildFashionCnn({ seed: 1 });
    expect(() => new MaskedModel(other, graph)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    other.dispose();
  });
});
