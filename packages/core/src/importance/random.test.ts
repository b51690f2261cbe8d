import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { buildChannelGraph } from "../graph/index.js";
import { scoreFilters } from "./score-filters.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

function twoConvModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      name: "conv1",
      inputShape: [6, 6, 1],
      filters: 8,
      kernelSize: 3,
      activation: "relu",
    }),
  );
  model.add(tfl.layers.conv2d({ name: "conv2", filters: 5, kernelSize: 3, activation: "relu" }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ name: "out", units: 3, activation: "softmax" }));
  return model;
}

const scoresOf = (report: Awaited<ReturnType<typeof scoreFilters>>, index: number) =>
  report.groups[index]!.filters.map((s) => s.score);

describe("the random criterion", () => {
  it("gives the same scores for the same seed and different scores for another seed", async () => {
    const model = twoConvModel();
    const first = await scoreFilters(model, "random", { seed: 7 });
    const again = await scoreFilters(model, "random", { seed: 7 });
    const other = await scoreFilters(model, "random", { seed: 8 });
    expect(first.groups.map((g) => g.filters)).toEqual(again.groups.map((g) => g.filters));
    expect(scoresOf(first, 0)).not.toEqual(scoresOf(other, 0));
    for (const group of first.groups) {
      for (const s of group.filters) {
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThan(1);
      }
      expect(new Set(group.filters.map((s) => s.rank)).size).toBe(group.filters.length);
    }
    model.dispose();
  });

  it("gives a filter the same score whichever groups are scored and whatever was removed", async () => {
    const model = twoConvModel();
    const graph = buildChannelGraph(model);
    const conv1 = graph.groupOfLayer("conv1")!.id;
    const conv2 = graph.groupOfLayer("conv2")!.id;
    const all = await scoreFilters(model, "random", { seed: 3, graph });
    const alone = await scoreFilters(model, "random", {
      seed: 3,
      graph,
      groups: [conv2],
      base: new Map([
        [conv1, new Set([0, 1])],
        [conv2, new Set([4])],
      ]),
    });
    const conv2Index = all.groups.findIndex((g) => g.groupId === conv2);
    expect(alone.groups[0]!.filters.map((s) => s.score)).toEqual(scoresOf(all, conv2Index).slice(0, 4));
    // Groups draw from different streams even at the same seed.
    expect(scoresOf(all, 0).slice(0, 5)).not.toEqual(scoresOf(all, 1));
    model.dispose();
  });
});
