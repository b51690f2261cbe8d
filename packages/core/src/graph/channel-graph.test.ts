import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { isCarveError } from "../errors.js";
import { buildFashionCnn } from "../model/demo-architectures.js";
import { loadModel } from "../model/io.js";
import { buildChannelGraph } from "./channel-graph.js";
import { MNIST_MODEL_DIR, SCENARIOS } from "./test-utils/test-models.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

function expectUnsupported(build: () => tfl.LayersModel, layerName: string) {
  const model = build();
  try {
    buildChannelGraph(model);
    expect.unreachable("expected UNSUPPORTED_LAYER");
  } catch (error) {
    expect(isCarveError(error, "UNSUPPORTED_LAYER")).toBe(true);
    expect((error as Error).message).toContain(`"${layerName}"`);
  } finally {
    model.dispose();
  }
}

describe("buildChannelGraph", () => {
  it("finds one group per hidden conv of the mnist demo model and leaves the output layer out", async () => {
    const model = await loadModel(MNIST_MODEL_DIR);
    const graph = buildChannelGraph(model);
    expect(graph.groups).toEqual([
      { id: "conv1", producers: ["conv1"], size: 16, removalPoints: ["conv1"], className: "Conv2D" },
      { id: "conv2", producers: ["conv2"], size: 32, removalPoints: ["conv2"], className: "Conv2D" },
    ]);
    expect(graph.groupOfLayer("pool2")?.id).toBe("conv2");
    expect(graph.groupOfLayer("flatten")).toBeUndefined();
    expect(graph.groupOfLayer("logits")).toBeUndefined();
    model.dispose();
  });

  it("reads a conv's filters after its BatchNormalization and ReLU", () => {
    const model = buildFashionCnn({ seed: 1 });
    const graph = buildChannelGraph(model);
    expect(graph.groups.map((g) => [g.id, g.size, g.removalPoints])).toEqual([
      ["conv1", 32, ["conv1_relu"]],
      ["conv2", 64, ["conv2_relu"]],
    ]);
    model.dispose();
  });

  it("names the group ids when a group is not found", () => {
    const model = buildFashionCnn({ seed: 1 });
    expect(() => buildChannelGraph(model).group("conv9")).toThrow(/no filter group "conv9".*conv1, conv2/);
    model.dispose();
  });

  it("couples the producers of a residual chain of Adds into one group", () => {
    const model = SCENARIOS["Functional residual Add"]!(1);
    const graph = buildChannelGraph(model);
    expect(graph.groups.map((g) => g.id)).toEqual(["stem+b1_b+b2_b", "b1_a", "b2_a"]);
    const coupled = graph.group("stem+b1_b+b2_b");
    expect(coupled.producers).toEqual(["stem", "b1_b", "b2_b"]);
    expect(coupled.size).toBe(6);
    expect(coupled.removalPoints).toEqual(["stem", "b1_bn", "b2_b"]);
    expect(graph.groupOfLayer("b1_add")).toBe(coupled);
    model.dispose();
  });

  it("keeps the inputs of a Concatenate as separate groups and zeroes after a BN that follows it", () => {
    const model = SCENARIOS["Functional Concatenate"]!(1);
    const graph = buildChannelGraph(model);
    expect(graph.groups.map((g) => [g.id, g.removalPoints])).toEqual([
      ["stem", ["stem"]],
      ["left", ["cat_bn"]],
      ["right", ["right", "cat_bn"]],
      ["after", ["after"]],
    ]);
    model.dispose();
  });

  it("groups a depthwise conv with the conv feeding it and zeroes after the depthwise bias", () => {
    const model = SCENARIOS["Conv2D → DepthwiseConv2D → Conv2D"]!(1);
    const graph = buildChannelGraph(model);
    expect(graph.group("c2")).toMatchObject({ producers: ["c2", "dw2"], removalPoints: ["dw2_relu"] });
    expect(graph.groupOfLayer("dw2_bn")?.id).toBe("c2");
    expect(graph.group("c1")).toEqual({
      id: "c1",
      producers: ["c1", "dw"],
      size: 6,
      removalPoints: ["dw"],
      className: "Conv2D",
    });
    model.dispose();
  });

  it("zeroes after a BatchNormalization that follows pooling, since it maps a zero channel to a constant", () => {
    const model = SCENARIOS["Conv2D → pool → BN → Conv2D (BN after pooling)"]!(1);
    const graph = buildChannelGraph(model);
    expect(graph.groups.map((g) => [g.id, g.removalPoints])).toEqual([
      ["c1", ["bn"]],
      ["c2", ["c2"]],
    ]);
    model.dispose();
  });

  it("does not offer a conv added to the input image, which no filter produces", () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const c = tfl.layers.conv2d({ name: "c", filters: 2, kernelSize: 3, padding: "same" }).apply(x);
    const sum = tfl.layers.add({}).apply([x, c as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const d = tfl.layers.conv2d({ name: "d", filters: 3, kernelSize: 3 }).apply(sum) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(tfl.layers.flatten({}).apply(d) as tfl.SymbolicTensor);
    const model = tfl.model({ inputs: x, outputs: out as tfl.SymbolicTensor });
    expect(buildChannelGraph(model).groups.map((g) => g.id)).toEqual(["d"]);
    model.dispose();
  });

  it("does not offer a conv whose channels reach the output through global pooling", () => {
    const x = tfl.input({ shape: [8, 8, 1] });
    const c = tfl.layers.conv2d({ name: "c", filters: 4, kernelSize: 3 }).apply(x) as tfl.SymbolicTensor;
    const classes = tfl.layers.conv2d({ name: "classes", filters: 3, kernelSize: 1 }).apply(c);
    const gap = tfl.layers.globalAveragePooling2d({}).apply(classes as tfl.SymbolicTensor);
    const out = tfl.layers
      .softmax({ name: "softmax" })
      .apply(gap as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    expect(buildChannelGraph(model).groups.map((g) => g.id)).toEqual(["c"]);
    model.dispose();
  });

  it("rejects a Reshape between a conv and its consumer, naming the layer", () => {
    expectUnsupported(() => {
      const m = tfl.sequential();
      m.add(tfl.layers.conv2d({ name: "c", inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }));
      m.add(tfl.layers.reshape({ name: "to_rows", targetShape: [36, 4] }));
      m.add(tfl.layers.flatten({}));
      m.add(tfl.layers.dense({ units: 2 }));
      return m;
    }, "to_rows");
  });

  it("rejects a Multiply of prunable channels, naming the layer", () => {
    expectUnsupported(() => {
      const x = tfl.input({ shape: [8, 8, 1] });
      const a = tfl.layers.conv2d({ name: "a", filters: 4, kernelSize: 3 }).apply(x) as tfl.SymbolicTensor;
      const b = tfl.layers.conv2d({ name: "b", filters: 4, kernelSize: 3 }).apply(x) as tfl.SymbolicTensor;
      const m = tfl.layers.multiply({ name: "gate" }).apply([a, b]) as tfl.SymbolicTensor;
      const out = tfl.layers.dense({ units: 2 }).apply(tfl.layers.flatten({}).apply(m) as tfl.SymbolicTensor);
      return tfl.model({ inputs: x, outputs: out as tfl.SymbolicTensor });
    }, "gate");
  });

  it("rejects channels-first convolutions and BatchNormalization on a spatial axis", () => {
    expectUnsupported(() => {
      const m = tfl.sequential();
      m.add(
        tfl.layers.conv2d({
          name: "cf",
          inputShape: [1, 8, 8],
          filters: 4,
          kernelSize: 3,
          dataFormat: "channelsFirst",
        }),
      );
      m.add(tfl.layers.flatten({}));
      m.add(tfl.layers.dense({ units: 2 }));
      return m;
    }, "cf");
    expectUnsupported(() => {
      const m = tfl.sequential();
      m.add(tfl.layers.conv2d({ name: "c", inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }));
      m.add(tfl.layers.batchNormalization({ name: "bn_rows", axis: 1 }));
      m.add(tfl.layers.flatten({}));
      m.add(tfl.layers.dense({ units: 2 }));
      return m;
    }, "bn_rows");
  });

  it("rejects a nested model, naming it", () => {
    expectUnsupported(() => {
      const inner = tfl.sequential({ name: "inner" });
      inner.add(tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }));
      const outer = tfl.sequential();
      outer.add(inner);
      outer.add(tfl.layers.flatten({}));
      outer.add(tfl.layers.dense({ units: 2 }));
      return outer;
    }, "inner");
  });

  it("rejects a depthwise conv with a depth multiplier, but accepts any layer on the input image", () => {
    expectUnsupported(() => {
      const m = tfl.sequential();
      m.add(tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }));
      m.add(tfl.layers.depthwiseConv2d({ name: "dw2", kernelSize: 3, depthMultiplier: 2 }));
      m.add(tfl.layers.flatten({}));
      m.add(tfl.layers.dense({ units: 2 }));
      return m;
    }, "dw2");
    const m = tfl.sequential();
    m.add(tfl.layers.reshape({ inputShape: [64], targetShape: [8, 8, 1] }));
    m.add(tfl.layers.conv2d({ name: "c", filters: 4, kernelSize: 3 }));
    m.add(tfl.layers.flatten({}));
    m.add(tfl.layers.dense({ units: 2 }));
    expect(buildChannelGraph(m).groups.map((g) => g.id)).toEqual(["c"]);
    m.dispose();
  });

  it("allocates no tensors", async () => {
    const model = await loadModel(MNIST_MODEL_DIR);
    const before = tf.memory().numTensors;
    buildChannelGraph(model);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
