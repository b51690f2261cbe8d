/**
 * The WebAssembly kernel of the next-linear plan against the same plan on tfjs ops: which chains it takes,
 * and the same flips (and losses to rounding) on real images — on both demo models (Winograd's path, a
 * folded BatchNormalization, dropout), on a chain that takes its direct path (5 × 5 kernel, 3 × 3 pooling,
 * channels that are not a multiple of 32), after removals (greedy pruning's in-place update), when it hands
 * the next layer its states, and in memories reused from disposed states.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import { resolveAnalysis } from "../graph/channel-graph.js";
import { setSeededWeights } from "../graph/test-utils/test-models.js";
import type { FilterRemoval } from "../mask/index.js";
import { loadModel } from "../model/io.js";
import { Executor } from "./executor.js";
import { fusedChain, kernelMemory, kernelModule } from "./next-linear-kernel.js";
import { planGroup } from "./plan.js";
import { CarSession, type SessionScore } from "./session.js";

let mnist: tfl.LayersModel;
let fashion: tfl.LayersModel;
let mnistData: Dataset;
let fashionData: Dataset;

const first = (data: Dataset, count: number) =>
  data.subset(
    Array.from({ length: count }, (_, i) => i),
    `${data.name}[:${count}]`,
  );

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  mnist = await loadModel(demoModelDir("mnist"));
  fashion = await loadModel(demoModelDir("fashion-mnist"));
  mnistData = first((await loadDataset("mnist")).test, 300);
  fashionData = first((await loadDataset("fashion-mnist")).test, 300);
});

afterAll(() => {
  mnist?.dispose();
  fashion?.dispose();
});

function chainOf(model: tfl.LayersModel, groupId: string) {
  const analysis = resolveAnalysis(model);
  const g = analysis.groups.findIndex((group) => group.id === groupId);
  const spec = planGroup(analysis, new Executor(analysis), g);
  return spec.kind === "next-linear" ? fusedChain(analysis, spec) : undefined;
}

/** Flips and losses of `groups` under `base`, with and without the kernel. */
async function bothWays(model: tfl.LayersModel, data: Dataset, groups: string[], bases: FilterRemoval[]) {
  const withKernel = new CarSession(model, { dataset: data, classwise: true, wasmKernel: true });
  const withOps = new CarSession(model, { dataset: data, classwise: true, wasmKernel: false });
  try {
    for (const base of bases) {
      const a = await withKernel.score(groups, base);
      const b = await withOps.score(groups, base);
      expect(a.groups.map((g) => g.kernel)).toContain("wasm-simd");
      expect(b.groups.map((g) => g.kernel)).not.toContain("wasm-simd");
      expectSame(a, b);
    }
  } finally {
    withKernel.dispose();
    withOps.dispose();
  }
}

function expectSame(a: SessionScore, b: SessionScore): void {
  expect(a.baseRight).toBe(b.baseRight);
  expect(Math.abs(a.baseLossSum - b.baseLossSum) / a.images).toBeLessThan(1e-5);
  a.groups.forEach((group, g) => {
    const other = b.groups[g]!;
    expect(group.filters.map((t) => [t.filter, t.images, t.rightToWrong, t.wrongToRight])).toEqual(
      other.filters.map((t) => [t.filter, t.images, t.rightToWrong, t.wrongToRight]),
    );
    group.filters.forEach((t, k) => {
      expect(Math.abs(t.lossDelta - other.filters[k]!.lossDelta) / t.images).toBeLessThan(1e-5);
      expect(Array.from(t.classRightToWrong ?? [])).toEqual(
        Array.from(other.filters[k]!.classRightToWrong ?? []),
      );
    });
  });
}

describe("the next-linear plan's WebAssembly kernel", () => {
  it("is built and takes the demo models' conv1 → conv2 → pool → Dense chains", () => {
    expect(kernelModule()).toBeDefined();
    const m = chainOf(mnist, "conv1")!;
    expect(m.geometry).toMatchObject({ height: 14, width: 14, filters: 16, channels: 32, classes: 10 });
    expect(m.geometry).toMatchObject({ kernelHeight: 3, padTop: 1, poolHeight: 2, pooledHeight: 7 });
    expect(m.kind).toBe("softmax-logits");
    // Fashion-MNIST: conv2 → BatchNormalization (folded) → ReLU layer → pool → Flatten → Dropout → Dense.
    const f = chainOf(fashion, "conv1")!;
    expect(f.geometry).toMatchObject({ filters: 32, channels: 64, pooledWidth: 7 });
    expect(f.channelSteps.length).toBe(3);
    // conv2's next linear layer is the output Dense: the head plan, no kernel.
    expect(chainOf(mnist, "conv2")).toBeUndefined();
  });

  it("leaves chains it does not compute exactly to tfjs", () => {
    const build = (
      after: tfl.layers.Layer[],
      conv2: Partial<Parameters<typeof tfl.layers.conv2d>[0]> = {},
    ) => {
      const model = tfl.sequential();
      model.add(
        tfl.layers.conv2d({
          name: "conv1",
          inputShape: [12, 12, 1],
          filters: 4,
          kernelSize: 3,
          activation: "relu",
        }),
      );
      model.add(
        tfl.layers.conv2d({ name: "conv2", filters: 8, kernelSize: 3, activation: "relu", ...conv2 }),
      );
      for (const layer of after) model.add(layer);
      model.add(tfl.layers.dense({ name: "logits", units: 3, activation: "softmax" }));
      return model;
    };
    const cases: Array<[string, tfl.LayersModel]> = [
      ["stride 2", build([tfl.layers.flatten()], { strides: 2 })],
      ["average pooling", build([tfl.layers.averagePooling2d({ poolSize: 2 }), tfl.layers.flatten()])],
      ["relu6", build([tfl.layers.flatten()], { activation: "relu6" })],
      ["a hidden Dense", build([tfl.layers.flatten(), tfl.layers.dense({ units: 5, activation: "relu" })])],
      [
        "'same' pooling",
        build([tfl.layers.maxPooling2d({ poolSize: 2, padding: "same" }), tfl.layers.flatten()]),
      ],
    ];
    for (const [name, model] of cases) {
      expect(chainOf(model, "conv1"), name).toBeUndefined();
      model.dispose();
    }
    const plain = build([tfl.layers.flatten()]);
    expect(chainOf(plain, "conv1")?.geometry).toMatchObject({ poolHeight: 1, pooledHeight: 8, channels: 8 });
    plain.dispose();
  });

  it("gives the tfjs ops' flips on the MNIST demo, before and after removals", async () => {
    await bothWays(
      mnist,
      mnistData,
      ["conv1", "conv2"],
      [
        new Map(),
        new Map([["conv1", new Set([3])]]),
        new Map([["conv1", new Set([3, 8, 11])]]),
        new Map([
          ["conv1", new Set([3, 8, 11])],
          ["conv2", new Set([0, 5, 6, 30])],
        ]),
      ],
    );
  });

  it("gives the tfjs ops' flips on the Fashion-MNIST demo (folded BatchNormalization, dropout)", async () => {
    await bothWays(
      fashion,
      fashionData,
      ["conv1"],
      [
        new Map(),
        new Map([
          ["conv1", new Set([1, 2])],
          ["conv2", new Set([7])],
        ]),
      ],
    );
  });

  it("takes its direct path for other shapes: 5 × 5 valid convolution, 3 × 3 pooling, 20 channels", async () => {
    const model = tfl.sequential();
    model.add(
      tfl.layers.conv2d({
        name: "conv1",
        inputShape: [28, 28, 1],
        filters: 6,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
      }),
    );
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tfl.layers.conv2d({ name: "conv2", filters: 20, kernelSize: 5, useBias: false }));
    model.add(tfl.layers.batchNormalization({ name: "conv2_bn" }));
    model.add(tfl.layers.reLU());
    model.add(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2 }));
    model.add(tfl.layers.flatten());
    model.add(tfl.layers.dense({ name: "logits", units: 10 }));
    try {
      setSeededWeights(model, 11);
      expect(chainOf(model, "conv1")?.geometry).toMatchObject({
        kernelHeight: 5,
        padTop: 0,
        outHeight: 10,
        poolHeight: 3,
        strideHeight: 2,
        pooledHeight: 4,
        channels: 20,
      });
      await bothWays(model, mnistData, ["conv1"], [new Map(), new Map([["conv1", new Set([2])]])]);
    } finally {
      model.dispose();
    }
  });

  it("hands greedy pruning from conv1 to conv2 without a forward pass: conv2's states from conv1's", async () => {
    for (const [model, data] of [
      [mnist, mnistData],
      [fashion, fashionData],
    ] as const) {
      const session = new CarSession(model, { dataset: data, classwise: true, wasmKernel: true });
      const fresh = new CarSession(model, { dataset: data, classwise: true, wasmKernel: true });
      try {
        await session.score(["conv1"], new Map([["conv1", new Set([1])]]));
        // conv1's last removal joins conv2's first step, as in greedy pruning.
        const base = new Map([["conv1", new Set([1, 4])]]);
        const handed = await session.score(["conv2"], base);
        expect(handed.stats.statesBuilt).toBe(0);
        expect(handed.stats.statesReused).toBe(session.chunks.length);
        expect(handed.stats.seconds.forward ?? 0).toBe(0);
        const built = await fresh.score(["conv2"], base);
        expect(built.stats.statesBuilt).toBe(fresh.chunks.length);
        expectSame(handed, built);
      } finally {
        session.dispose();
        fresh.dispose();
      }
    }
  });

  it("keeps disposed states' memories and reuses them with the same results", async () => {
    const score = async () => {
      const session = new CarSession(mnist, { dataset: mnistData, wasmKernel: true });
      try {
        return await session.score(["conv1"], new Map([["conv2", new Set([4])]]));
      } finally {
        session.dispose();
      }
    };
    const before = await score();
    expect(kernelMemory().live).toBe(0);
    const kept = kernelMemory().kept;
    expect(kept).toBeGreaterThan(0);
    const again = await score();
    expectSame(again, before);
    // Reused, not grown.
    expect(kernelMemory().kept).toBe(kept);
    const tensors = tf.memory().numTensors;
    await score();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
