import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { CarveError } from "../errors.js";
import { buildFashionCnn, buildMnistCnn } from "../model/demo-architectures.js";
import { filterLayerNames, findLayer, removalPointLayer } from "./model-layers.js";

let mnist: tfl.Sequential;
let fashion: tfl.Sequential;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnist = buildMnistCnn({ seed: 1 });
  fashion = buildFashionCnn({ seed: 1 });
});

afterAll(() => {
  mnist.dispose();
  fashion.dispose();
});

describe("findLayer", () => {
  it("names the convolution layers when the requested layer does not exist", () => {
    expect(filterLayerNames(mnist)).toEqual(["conv1", "conv2"]);
    expect(() => findLayer(mnist, "conv3")).toThrow(CarveError);
    expect(() => findLayer(mnist, "conv3")).toThrow(
      /has no layer named "conv3"; its convolution layers are "conv1", "conv2"/,
    );
  });
});

describe("removalPointLayer", () => {
  it("is the convolution itself when its activation is built in and pooling follows", () => {
    expect(removalPointLayer(mnist, "conv2").name).toBe("conv2");
  });

  it("passes BatchNormalization and a ReLU layer that directly follow the convolution", () => {
    expect(removalPointLayer(fashion, "conv1").name).toBe("conv1_relu");
    expect(removalPointLayer(fashion, "conv2").name).toBe("conv2_relu");
  });

  it("stops where the convolution's output branches, since later layers are no longer its alone", () => {
    const input = tfl.input({ shape: [8, 8, 1] });
    const conv = tfl.layers
      .conv2d({ name: "c", filters: 2, kernelSize: 3 })
      .apply(input) as tfl.SymbolicTensor;
    const a = tfl.layers.reLU({ name: "a" }).apply(conv) as tfl.SymbolicTensor;
    const b = tfl.layers.reLU({ name: "b" }).apply(conv) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor });
    expect(removalPointLayer(model, "c").name).toBe("c");
    model.dispose();
  });

  it("passes dropout (the identity at inference) but not a softmax over channels", () => {
    const model = tfl.sequential();
    model.add(tfl.layers.conv2d({ name: "c", inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }));
    model.add(tfl.layers.dropout({ name: "drop", rate: 0.5 }));
    model.add(tfl.layers.activation({ name: "relu", activation: "relu" }));
    model.add(tfl.layers.activation({ name: "softmax", activation: "softmax" }));
    expect(removalPointLayer(model, "c").name).toBe("relu");
    model.dispose();
  });

  it("refuses a layer that has no filters", () => {
    expect(() => removalPointLayer(mnist, "pool1")).toThrow(
      /needs a Conv2D or DepthwiseConv2D or SeparableConv2D layer, but "pool1" is a MaxPooling2D/,
    );
  });
});
