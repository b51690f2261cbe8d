/**
 * The adaptive race: its statistics checked by hand, then the race itself on real data (a slice of the MNIST
 * test split with the MNIST demo model) against the exact engine's scores of the same filters. Greedy pruning
 * with `adaptive` is exercised in importance/car-steps.test.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import type { FilterRemoval } from "../mask/index.js";
import { loadModel } from "../model/io.js";
import { createRng, permutation } from "../util/random.js";
import { maskFlops } from "./floor.js";
import { logBinomialTail, normalQuantile, raceLowestCar, showsHigherCar } from "./race.js";
import { CarSession, type FilterTally, raceEnds } from "./session.js";

/** e with `positive` entries +1, `negative` entries −1, the rest 0, `n` in all. */
function differences(n: number, positive: number, negative: number): Int8Array {
  const e = new Int8Array(n);
  for (let i = 0; i < positive; i++) e[i] = 1;
  for (let i = 0; i < negative; i++) e[positive + i] = -1;
  return e;
}

describe("race statistics", () => {
  it("computes the binomial upper tail", () => {
    expect(Math.exp(logBinomialTail(10, 10))).toBeCloseTo(2 ** -10, 15);
    // P(Bin(4, 1/2) ≥ 2) = (6 + 4 + 1) / 16.
    expect(Math.exp(logBinomialTail(4, 2))).toBeCloseTo(11 / 16, 14);
    expect(logBinomialTail(7, 0)).toBe(0);
    // Below the middle, by symmetry: P(Bin(4, 1/2) ≥ 1) = 15/16; and no overflow for a large K.
    expect(Math.exp(logBinomialTail(4, 1))).toBeCloseTo(15 / 16, 14);
    expect(logBinomialTail(10_000, 3)).toBeCloseTo(0, 12);
    expect(() => logBinomialTail(5, 6)).toThrow(/0 ≤ u ≤ K/);
  });

  it("bounds the hypergeometric tail the race meets by the binomial one (what makes the sign test exact)", () => {
    // K discordant images sampled from D, of which D/2 are positive (the worst case the test guards against).
    const logChoose = (n: number, k: number) => {
      let sum = 0;
      for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
      return sum;
    };
    for (const [d, k] of [
      [40, 30],
      [400, 60],
      [61, 17],
    ] as const) {
      const positive = Math.floor(d / 2);
      for (let u = Math.ceil(k / 2 + 1); u <= k; u++) {
        let tail = 0;
        for (let j = u; j <= Math.min(k, positive); j++) {
          tail += Math.exp(logChoose(positive, j) + logChoose(d - positive, k - j) - logChoose(d, k));
        }
        expect(tail).toBeLessThanOrEqual(Math.exp(logBinomialTail(k, u)) * (1 + 1e-12));
      }
    }
  });

  it("inverts the standard normal distribution", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 8);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424308822899, 7);
    expect(() => normalQuantile(1)).toThrow(/p must be in \(0, 1\)/);
  });

  it("eliminates by the sign test once the binomial tail is below δ", () => {
    const delta = 1e-3;
    // All K discordant images positive: 2^−K ≤ 1/1000 needs K ≥ 10.
    expect(showsHigherCar(differences(500, 9, 0), 500, 10_000, delta, "sign")).toBe(false);
    expect(showsHigherCar(differences(500, 10, 0), 500, 10_000, delta, "sign")).toBe(true);
    // 44 of 60: P(Bin(60, 1/2) ≥ 44) = 2.0e−4, where a Chernoff bound (60·KL(44/60 ‖ 1/2) = 6.79 < ln 1000)
    // would not yet eliminate.
    expect(showsHigherCar(differences(500, 44, 16), 500, 10_000, delta, "sign")).toBe(true);
    expect(showsHigherCar(differences(500, 42, 18), 500, 10_000, delta, "sign")).toBe(false);
    // A balanced sample or a lower sum never eliminates.
    expect(showsHigherCar(differences(500, 40, 40), 500, 10_000, delta, "sign")).toBe(false);
    expect(showsHigherCar(differences(500, 3, 30), 500, 10_000, delta, "normal")).toBe(false);
  });

  it("gives the normal bound a finite-population correction: the whole set is the exact answer", () => {
    // Sum +1 over all 1000 images is certain once every image is seen, however small.
    expect(showsHigherCar(differences(1000, 6, 5), 1000, 1000, 1e-6, "normal")).toBe(true);
    expect(showsHigherCar(differences(100, 6, 5), 100, 1000, 1e-6, "normal")).toBe(false);
  });
});

let model: tfl.LayersModel;
let data: Dataset;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  model = await loadModel(demoModelDir("mnist"));
  const { test } = await loadDataset("mnist");
  const picked = Array.from(permutation(test.size, createRng(5)).subarray(0, 1000)).sort((a, b) => a - b);
  data = test.subset(picked, "mnist/test[1000 random]");
});

afterAll(() => model?.dispose());

const net = (t: FilterTally) => t.rightToWrong - t.wrongToRight;

/** The exact rule of greedy pruning within one group: lowest b − c, then loss increase, then index. */
function exactLowest(tallies: readonly FilterTally[]): FilterTally {
  return tallies.reduce((best, t) =>
    (net(t) - net(best) || t.lossDelta - best.lossDelta || t.filter - best.filter) < 0 ? t : best,
  );
}

describe("race schedule", () => {
  it("ends segments at N/32, N/16, then every N/16, the first at least firstCheckImages, visiting each image once", () => {
    expect(raceEnds(10_000, 250)).toEqual([
      313, 625, 1250, 1875, 2500, 3125, 3750, 4375, 5000, 5625, 6250, 6875, 7500, 8125, 8750, 9375, 10_000,
    ]);
    expect(raceEnds(2000, 250)).toEqual([
      250, 375, 500, 625, 750, 875, 1000, 1125, 1250, 1375, 1500, 1625, 1750, 1875, 2000,
    ]);
    expect(raceEnds(300, 250)).toEqual([263, 281, 300]);
    expect(raceEnds(200, 250)).toEqual([200]);
    const session = new CarSession(model, {
      dataset: data,
      schedule: "race",
      firstCheckImages: 100,
      maxChunkImages: 200,
    });
    try {
      const seen = session.checkpoints.map((j) =>
        session.chunks.slice(0, j + 1).reduce((sum, c) => sum + c.indices.length, 0),
      );
      expect(seen).toEqual([125, 188, 250, 313, 375, 438, 500, 563, 625, 688, 750, 813, 875, 938, 1000]);
      expect(Math.max(...session.chunks.map((c) => c.indices.length))).toBeLessThanOrEqual(200);
      const visited = session.chunks.flatMap((c) => Array.from(c.indices)).sort((a, b) => a - b);
      expect(visited).toEqual(Array.from({ length: data.size }, (_, i) => i));
    } finally {
      session.dispose();
    }
  });
});

describe("raceLowestCar on real data", () => {
  /** Races `groupId` under `base` and scores the same filters exactly, on sessions of the same order. */
  async function raceAndExact(m: tfl.LayersModel, groupId: string, base: FilterRemoval, confidence: number) {
    const before = tf.memory().numTensors;
    const racing = new CarSession(m, {
      dataset: data,
      classwise: true,
      schedule: "race",
      firstCheckImages: 100,
    });
    const exact = new CarSession(m, { dataset: data, classwise: true });
    try {
      const race = await raceLowestCar(racing, [groupId], base, { confidence });
      const scored = await exact.score([groupId], base);
      return { race, tallies: scored.groups[0]!.filters };
    } finally {
      racing.dispose();
      exact.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  }

  it("chooses the exact lowest-CAR filter with its exact statistics, and eliminates only higher-CAR filters", async () => {
    const { race, tallies } = await raceAndExact(model, "conv2", new Map(), 0.95);
    const want = exactLowest(tallies);
    expect(race.choice?.filter).toBe(want.filter);
    // The choice was scored on every image: the same flips as the exact engine's, loss to float rounding.
    const got = race.choice!.tally;
    expect([got.images, got.rightToWrong, got.wrongToRight]).toEqual([
      want.images,
      want.rightToWrong,
      want.wrongToRight,
    ]);
    expect(Math.abs(got.lossDelta - want.lossDelta) / data.size).toBeLessThan(1e-5);
    expect(got.classRightToWrong).toEqual(want.classRightToWrong);
    // The bound held: every eliminated filter's CAR on the whole set is above the winner's.
    const byFilter = new Map(tallies.map((t) => [t.filter, t]));
    const eliminated = race.candidates.filter((c) => c.eliminatedAfter !== undefined);
    for (const c of eliminated) expect(net(byFilter.get(c.filter)!)).toBeGreaterThan(net(want));
    // Survivors were scored on every image, eliminated filters on the images seen before their test.
    for (const c of race.candidates) {
      expect(c.tally.images).toBe(c.eliminatedAfter ?? data.size);
    }
    expect(race.filterImageEvaluations).toBe(race.candidates.reduce((sum, c) => sum + c.tally.images, 0));
  });

  it("finds a clear winner on a fraction of the exact method's filter·images", async () => {
    // Keep 4 of conv1's 16 filters and silence filter 0 (zero kernel and bias: relu(0) = 0, so removing it
    // changes no output, CAR exactly 0). The other three then carry the whole layer: removing one costs many
    // images, and a few hundred images show it.
    const silenced = await loadModel(demoModelDir("mnist"));
    try {
      const conv1 = silenced.getLayer("conv1");
      const [kernel, bias] = conv1.getWeights();
      const mask = tf.concat([tf.zeros([1]), tf.ones([15])]);
      const zeroed = tf.tidy(() => [tf.mul(kernel!, tf.reshape(mask, [1, 1, 1, 16])), tf.mul(bias!, mask)]);
      conv1.setWeights(zeroed);
      for (const t of [...zeroed, mask]) t.dispose();
      const base: FilterRemoval = new Map([["conv1", new Set(Array.from({ length: 12 }, (_, i) => i + 4))]]);
      const { race, tallies } = await raceAndExact(silenced, "conv1", base, 0.95);
      expect(tallies.map((t) => t.filter)).toEqual([0, 1, 2, 3]);
      expect(net(tallies[0]!)).toBe(0);
      expect(tallies.slice(1).every((t) => net(t) > 100)).toBe(true);
      expect(race.choice?.filter).toBe(0);
      const exactEvaluations = tallies.length * data.size;
      expect(race.filterImageEvaluations).toBeLessThan(0.5 * exactEvaluations);
      expect(race.tests).toBeGreaterThan(0);
    } finally {
      silenced.dispose();
    }
  });
});

describe("floor", () => {
  it("counts the FLOPs a mask cannot avoid, per plan", () => {
    const [conv1, conv2] = maskFlops(model);
    // conv1 → next-linear: one of conv2's 16 input channels, 2·(3·3·1)·(14·14·32) = 112,896 FLOPs, plus the
    // layers after conv2: the Dense head, 2·1568·10 = 31,360 (pooling and flatten count 0).
    expect(conv1).toMatchObject({ groupId: "conv1", plan: "next-linear", flopsPerFilterImage: 144_256 });
    // conv2 → head: the filter's 7·7 positions of the 1568 Dense inputs, 2·49·10 = 980.
    expect(conv2).toMatchObject({ groupId: "conv2", plan: "head", flopsPerFilterImage: 980 });
    // The whole network: conv1 2·9·1·28·28·16 + conv2 2·9·16·14·14·32 + Dense 2·1568·10.
    expect(conv1!.networkFlops).toBe(225_792 + 1_806_336 + 31_360);
  });
});
