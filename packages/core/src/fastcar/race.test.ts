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
import { bernoulliKl, normalQuantile, raceLowestCar, showsHigherCar } from "./race.js";
import { CarSession, type FilterTally, doublingEnds } from "./session.js";

/** e with `positive` entries +1, `negative` entries −1, the rest 0, `n` in all. */
function differences(n: number, positive: number, negative: number): Int8Array {
  const e = new Int8Array(n);
  for (let i = 0; i < positive; i++) e[i] = 1;
  for (let i = 0; i < negative; i++) e[positive + i] = -1;
  return e;
}

describe("race statistics", () => {
  it("computes the Bernoulli KL divergence", () => {
    expect(bernoulliKl(0.5, 0.5)).toBe(0);
    // KL(1 ‖ 1/2) = ln 2: every discordant image on one side.
    expect(bernoulliKl(1, 0.5)).toBeCloseTo(Math.LN2, 15);
    // KL(0.7 ‖ 0.5) = 0.7 ln 1.4 + 0.3 ln 0.6.
    expect(bernoulliKl(0.7, 0.5)).toBeCloseTo(0.7 * Math.log(1.4) + 0.3 * Math.log(0.6), 15);
  });

  it("inverts the standard normal distribution", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 8);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424308822899, 7);
    expect(() => normalQuantile(1)).toThrow(/p must be in \(0, 1\)/);
  });

  it("eliminates by the sign test only past ln(1/δ) of evidence", () => {
    const delta = 1e-3;
    // All K discordant images positive: K·ln 2 ≥ ln(1000) = 6.91 needs K ≥ 10.
    expect(showsHigherCar(differences(500, 9, 0), 500, 10_000, delta, "chernoff")).toBe(false);
    expect(showsHigherCar(differences(500, 10, 0), 500, 10_000, delta, "chernoff")).toBe(true);
    // A balanced sample or a lower sum never eliminates.
    expect(showsHigherCar(differences(500, 40, 40), 500, 10_000, delta, "chernoff")).toBe(false);
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

describe("doubling schedule", () => {
  it("ends segments at N/32 … N/2 and N, the first at least firstCheckImages, visiting each image once", () => {
    expect(doublingEnds(10_000, 250)).toEqual([313, 625, 1250, 2500, 5000, 10_000]);
    expect(doublingEnds(2000, 250)).toEqual([250, 500, 1000, 2000]);
    expect(doublingEnds(300, 250)).toEqual([300]);
    const session = new CarSession(model, {
      dataset: data,
      schedule: "doubling",
      firstCheckImages: 100,
      maxChunkImages: 200,
    });
    try {
      const seen = session.checkpoints.map((j) =>
        session.chunks.slice(0, j + 1).reduce((sum, c) => sum + c.indices.length, 0),
      );
      expect(seen).toEqual([125, 250, 500, 1000]);
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
      schedule: "doubling",
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
