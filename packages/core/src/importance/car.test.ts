import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/loaders.js";
import { demoModelDir } from "../demo/demo-models.js";
import { evaluate } from "../eval/evaluate.js";
import { loadModel } from "../model/io.js";
import { createRng, permutation } from "../util/random.js";
import type { FilterScore, ScoreReport } from "./criterion.js";
import { scoreFilters } from "./score-filters.js";
import { cloneModel, silenceConvFilter } from "./test-utils/test-models.js";

/** 400 real test digits: enough for flips to happen, few enough to score 48 filters in seconds. */
const IMAGES = 400;

let model: tfl.LayersModel;
let evalSet: Dataset;
/** CAR with class-wise vectors for conv1 and conv2 of the mnist demo model, computed once. */
let report: ScoreReport;
let leaked: number;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  model = await loadModel(demoModelDir("mnist"));
  const { test } = await loadDataset("mnist");
  // The split is stored class by class: take a seeded random sample, not a prefix.
  const picked = Array.from(permutation(test.size, createRng(7)).subarray(0, IMAGES)).sort((a, b) => a - b);
  evalSet = test.subset(picked, "mnist/test sample");
  const before = tf.memory().numTensors;
  report = await scoreFilters(model, "car", { dataset: evalSet, classwise: true, batchSize: 128 });
  leaked = tf.memory().numTensors - before;
});

afterAll(() => model?.dispose());

const groupScores = (groupId: string) => report.groups.find((g) => g.groupId === groupId)!.filters;
const byDrop = (scores: FilterScore[]) => [...scores].sort((a, b) => b.car!.drop - a.car!.drop);

describe("CAR on the mnist demo model", () => {
  it("scores every filter of conv1 and conv2 without leaking tensors", () => {
    expect(leaked).toBe(0);
    expect(report.criterion).toBe("car");
    expect(report.images).toBe(IMAGES);
    expect(report.groups.map((g) => [g.groupId, g.filters.length])).toEqual([
      ["conv1", 16],
      ["conv2", 32],
    ]);
    for (const group of report.groups) {
      expect(group.filters.map((s) => s.rank).sort((a, b) => a - b)).toEqual(
        Array.from({ length: group.filters.length }, (_, i) => i + 1),
      );
      for (const s of group.filters) {
        expect(s.score).toBe(s.car!.drop);
        expect(s.car!.drop).toBe((s.car!.rightToWrong - s.car!.wrongToRight) / IMAGES);
        expect(s.car!.accuracyWithout).toBeCloseTo(report.baseAccuracy! - s.car!.drop, 12);
      }
    }
    // Some filter matters on real digits.
    expect(Math.max(...groupScores("conv1").map((s) => s.score))).toBeGreaterThan(0);
  });

  it("ranks by accuracy drop and breaks ties by the loss increase", () => {
    for (const group of report.groups) {
      const order = [...group.filters].sort((a, b) => a.rank - b.rank);
      for (let i = 1; i < order.length; i++) {
        const [prev, next] = [order[i - 1]!, order[i]!];
        expect(prev.score).toBeLessThanOrEqual(next.score);
        if (prev.score === next.score) {
          expect(prev.car!.lossIncrease).toBeLessThanOrEqual(next.car!.lossIncrease);
        }
      }
    }
  });

  it("gives CAR exactly 0, a loss increase of exactly 0 and no flips to a filter whose output is always zero", async () => {
    const dead = await cloneModel(model);
    // Kernel 0 and bias −1: ReLU(−1) = 0 at every position of every image.
    silenceConvFilter(dead.getLayer("conv1"), 5, -1);
    const before = tf.memory().numTensors;
    const deadReport = await scoreFilters(dead, "car", { dataset: evalSet, groups: ["conv1"] });
    expect(tf.memory().numTensors).toBe(before);
    const filter = deadReport.groups[0]!.filters[5]!;
    expect(filter.car!.drop).toBe(0);
    expect(filter.car!.lossIncrease).toBe(0);
    expect(filter.car!.rightToWrong).toBe(0);
    expect(filter.car!.wrongToRight).toBe(0);
    expect(filter.car!.ci95).toEqual([0, 0]);
    expect(filter.car!.accuracyWithout).toBe(deadReport.baseAccuracy);
    dead.dispose();
  });

  it("equals the accuracy drop of zeroing the filter's kernel and bias in a clone, evaluated independently", async () => {
    // conv1 and conv2 have ReLU inside and no BatchNormalization: kernel 0 and bias 0 give ReLU(0) = 0,
    // exactly what removal gives, so evaluate() on the edited clone must count the same correct images.
    const baseline = await evaluate(model, evalSet);
    expect(report.baseAccuracy).toBe(baseline.accuracy);
    expect(report.baseLoss).toBeCloseTo(baseline.loss, 6);
    const picks = [
      ...byDrop(groupScores("conv1")).slice(0, 2),
      ...byDrop(groupScores("conv2")).slice(0, 2),
      byDrop(groupScores("conv2")).at(-1)!,
    ];
    for (const pick of picks) {
      const clone = await cloneModel(model);
      silenceConvFilter(clone.getLayer(pick.groupId), pick.filter, 0);
      const without = await evaluate(clone, evalSet);
      clone.dispose();
      expect(pick.car!.accuracyWithout).toBe(without.accuracy);
      expect(pick.car!.drop).toBeCloseTo(baseline.accuracy - without.accuracy, 12);
      expect(pick.car!.lossIncrease).toBeCloseTo(without.loss - baseline.loss, 5);
    }
  });

  it("applies the base removal to both networks it compares", async () => {
    // Remove the most important conv1 filter first, then score conv2 filters on top of that.
    const first = byDrop(groupScores("conv1"))[0]!;
    const base = new Map([["conv1", new Set([first.filter])]]);
    const onBase = await scoreFilters(model, "car", { dataset: evalSet, groups: ["conv2"], base });
    const baseClone = await cloneModel(model);
    silenceConvFilter(baseClone.getLayer("conv1"), first.filter, 0);
    const baseEval = await evaluate(baseClone, evalSet);
    expect(onBase.baseAccuracy).toBe(baseEval.accuracy);
    const pick = byDrop(onBase.groups[0]!.filters)[0]!;
    expect(onBase.groups[0]!.removed).toEqual([]);
    silenceConvFilter(baseClone.getLayer("conv2"), pick.filter, 0);
    const both = await evaluate(baseClone, evalSet);
    baseClone.dispose();
    expect(pick.car!.accuracyWithout).toBe(both.accuracy);
  });

  it("has class-wise CARs whose class-frequency-weighted mean is the overall CAR", () => {
    const labels = evalSet.labels();
    const counts = new Float64Array(10);
    for (const label of labels) counts[label]! += 1;
    for (const group of report.groups) {
      for (const s of group.filters) {
        const classwise = s.classwise!;
        expect(classwise).toHaveLength(10);
        const weighted = classwise.reduce((sum, drop, c) => sum + (counts[c]! / IMAGES) * drop, 0);
        expect(weighted).toBeCloseTo(s.car!.drop, 12);
      }
    }
  });

  it("gives NaN class-wise CAR for a class absent from the set and still averages to the overall CAR", async () => {
    const labels = evalSet.labels();
    const withoutNines = evalSet.subset(
      Array.from(labels.keys()).filter((i) => labels[i] !== 9),
      "no nines",
    );
    const noNines = await scoreFilters(model, "car", {
      dataset: withoutNines,
      groups: ["conv1"],
      classwise: true,
    });
    const counts = new Float64Array(10);
    for (const label of withoutNines.labels()) counts[label]! += 1;
    for (const s of noNines.groups[0]!.filters) {
      expect(s.classwise![9]).toBeNaN();
      const weighted = s.classwise!.reduce(
        (sum, drop, c) => (c === 9 ? sum : sum + (counts[c]! / withoutNines.size) * drop),
        0,
      );
      expect(weighted).toBeCloseTo(s.car!.drop, 12);
    }
  });

  it("reports a 95% interval that contains the CAR and narrows as the evaluation set grows", async () => {
    for (const group of report.groups) {
      for (const s of group.filters) {
        expect(s.car!.ci95[0]).toBeLessThanOrEqual(s.car!.drop);
        expect(s.car!.ci95[1]).toBeGreaterThanOrEqual(s.car!.drop);
      }
    }
    // The same filter on a stratified quarter of the set: the filter that flips the most images there.
    const small = await scoreFilters(model, "car", { dataset: evalSet, groups: ["conv1"], maxImages: 100 });
    expect(small.images).toBe(100);
    const flips = (s: FilterScore) => s.car!.rightToWrong + s.car!.wrongToRight;
    const smallTop = [...small.groups[0]!.filters].sort((a, b) => flips(b) - flips(a))[0]!;
    expect(flips(smallTop)).toBeGreaterThan(0);
    const full = groupScores("conv1")[smallTop.filter]!;
    const width = (s: FilterScore) => s.car!.ci95[1] - s.car!.ci95[0];
    expect(width(full)).toBeLessThan(width(smallTop));
  });
});
