import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { initBackend } from "../backend/index.js";
import { loadDataset } from "../data/index.js";
import type { Dataset } from "../data/dataset.js";
import { demoModelDir } from "../demo/demo-models.js";
import { loadModel } from "../model/io.js";
import { accuracyAt, compareCriteria } from "./compare-criteria.js";
import { niceTicks, renderLineChartSvg } from "./line-chart-svg.js";
import { rankAgreementWithCar } from "./rank-agreement-report.js";

let evaluation: Dataset;
beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  const { test } = await loadDataset("mnist");
  evaluation = test.subset(
    Array.from({ length: 300 }, (_, i) => i),
    "mnist/test[0:300]",
  );
});

describe("niceTicks", () => {
  it("steps by 1, 2 or 5 times a power of ten", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.9, 1)).toEqual([0.9, 0.92, 0.94, 0.96, 0.98, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe("renderLineChartSvg", () => {
  it("draws one path and one legend entry per series, escaping labels", () => {
    const svg = renderLineChartSvg(
      [
        {
          label: "car",
          points: [
            { x: 0, y: 0.9 },
            { x: 1, y: 0.8 },
          ],
        },
        {
          label: "l1 <ft>",
          dashed: true,
          points: [
            { x: 0, y: 0.9 },
            { x: 1, y: 0.7 },
          ],
        },
      ],
      { title: "t", xLabel: "filters removed", yLabel: "accuracy" },
    );
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("l1 &lt;ft&gt;");
    expect(svg).toContain('stroke-dasharray="6 4"');
  });
});

describe("compareCriteria", () => {
  it("runs every criterion on equal terms and starts each curve at the original accuracy", async () => {
    const model = await loadModel(demoModelDir("mnist"));
    const before = tf.memory().numTensors;
    const curves = await compareCriteria(model, {
      criteria: ["car", "l1"],
      scope: { kind: "layer", group: "conv1" },
      target: { keep: 14 },
      evaluation,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(curves.map((c) => c.criterion)).toEqual(["car", "l1"]);
    expect(accuracyAt(curves[0]!, 0)).toBe(accuracyAt(curves[1]!, 0));
    // Greedy CAR picks the filter whose removal costs least on this very set: never worse after one step.
    expect(curves[0]!.points[1]!.evaluationAccuracy).toBeGreaterThanOrEqual(
      curves[1]!.points[1]!.evaluationAccuracy,
    );
    model.dispose();
  });
});

describe("rankAgreementWithCar", () => {
  it("compares CAR with a proxy over every filter of the group, rho within [-1, 1]", async () => {
    const model = await loadModel(demoModelDir("mnist"));
    const [l1] = await rankAgreementWithCar(model, {
      groups: ["conv1"],
      dataset: evaluation,
      proxies: ["l1"],
    });
    expect(l1!.criterion).toBe("l1");
    expect(l1!.groups[0]!.spearman).toBeGreaterThanOrEqual(-1);
    expect(l1!.groups[0]!.spearman).toBeLessThanOrEqual(1);
    expect(l1!.groups[0]!.filters).toBe(16);
    model.dispose();
  });
});
