import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../backend/index.js";
import { beforeAll, describe, expect, it } from "vitest";

import { buildMnistCnn } from "./demo-architectures.js";
import { describeModel } from "./describe.js";

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

describe("describeModel", () => {
  it("counts parameters and FLOPs of the MNIST demo CNN as derived by hand", () => {
    const model = buildMnistCnn({ seed: 1 });
    const summary = describeModel(model);
    const byName = Object.fromEntries(summary.layers.map((l) => [l.name, l]));
    // conv1: 3·3·1·16 weights + 16 biases; FLOPs 2·(3·3·1)·(28·28·16) multiply-accumulates.
    expect(byName.conv1!.params).toBe(160);
    expect(byName.conv1!.flops).toBe(2 * 9 * 28 * 28 * 16);
    // conv2 sees 14×14×16 after pooling: 3·3·16·32 + 32 parameters, 2·(3·3·16)·(14·14·32) FLOPs.
    expect(byName.conv2!.params).toBe(4640);
    expect(byName.conv2!.flops).toBe(2 * 9 * 16 * 14 * 14 * 32);
    // logits: 7·7·32 = 1568 inputs → 10 units.
    expect(byName.logits!.params).toBe(15690);
    expect(byName.logits!.flops).toBe(2 * 1568 * 10);
    expect(summary.params).toBe(160 + 4640 + 15690);
    expect(summary.flops).toBe(byName.conv1!.flops + byName.conv2!.flops + byName.logits!.flops);
    expect(summary.topology).toBe("Sequential");
    expect(summary.inputShape).toEqual([28, 28, 1]);
    expect(summary.outputClasses).toBe(10);
    model.dispose();
  });

  it("marks convolutions and hidden Dense layers prunable but not the output layer", () => {
    const model = buildMnistCnn({ seed: 1 });
    const summary = describeModel(model);
    expect(summary.layers.filter((l) => l.prunable).map((l) => l.name)).toEqual(["conv1", "conv2"]);
    expect(summary.prunableFilters).toBe(16 + 32);
    model.dispose();
  });

  it("describes a functional model with a residual Add and a depthwise convolution", () => {
    const input = tfl.input({ shape: [8, 8, 3], name: "image" });
    const a = tfl.layers.conv2d({ name: "a", filters: 4, kernelSize: 3, padding: "same" }).apply(input);
    const d = tfl.layers
      .depthwiseConv2d({ name: "dw", kernelSize: 3, padding: "same", depthMultiplier: 1 })
      .apply(a) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: "sum" }).apply([a, d] as tfl.SymbolicTensor[]);
    const flat = tfl.layers.flatten({ name: "flat" }).apply(sum);
    const hidden = tfl.layers.dense({ name: "hidden", units: 5, activation: "relu" }).apply(flat);
    const out = tfl.layers.dense({ name: "out", units: 2, activation: "softmax" }).apply(hidden);
    const model = tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
    const summary = describeModel(model);
    const byName = Object.fromEntries(summary.layers.map((l) => [l.name, l]));
    expect(summary.topology).toBe("Functional");
    expect(byName.sum!.inbound).toEqual(["a", "dw"]);
    expect(byName.dw!.filters).toBe(4);
    // Depthwise: one 3×3 kernel per channel, 2·9 FLOPs per output element of 8·8·4.
    expect(byName.dw!.flops).toBe(2 * 9 * 8 * 8 * 4);
    expect(byName.dw!.params).toBe(9 * 4 + 4);
    expect(summary.layers.filter((l) => l.prunable).map((l) => l.name)).toEqual(["a", "dw", "hidden"]);
    model.dispose();
  });
});
