// Runs the built CLI (packages/core/dist) as a user would, in a child process: the smoke test of the
// published entry point, its exit codes and its --json contract.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const cli = path.join(path.dirname(require.resolve("@carve/core/package.json")), "dist/cli/main.js");

async function carve(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, CARVE_BACKEND: "wasm" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("the carve CLI (built)", () => {
  it("describes the MNIST demo model as JSON", async () => {
    const { code, stdout } = await carve("info", "mnist", "--json");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.backend).toBe("wasm");
    expect(summary.inputShape).toEqual([28, 28, 1]);
    expect(summary.outputClasses).toBe(10);
    const prunable = summary.layers.filter((l: { prunable: boolean }) => l.prunable);
    expect(prunable.map((l: { name: string }) => l.name)).toEqual(["conv1", "conv2"]);
  });

  it("evaluates the MNIST demo model on its held-out test split at its model card's accuracy", async () => {
    const { code, stdout } = await carve("eval", "mnist", "--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.count).toBe(2000);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(result.perClass).toHaveLength(10);
    expect(result.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(2000);
  });

  it("prints the demo's description and accuracy for the README's first command", async () => {
    const { code, stdout } = await carve("demo");
    expect(code).toBe(0);
    expect(stdout).toMatch(/Model mnist-cnn/);
    expect(stdout).toMatch(/Accuracy on .*: 9\d\.\d\d%/);
    expect(stdout).toMatch(/Backend: WebAssembly/);
  });

  it("exits 2 and names the path when the model does not exist", async () => {
    const { code, stderr } = await carve("info", "/nonexistent/model.json");
    expect(code).toBe(2);
    expect(stderr).toContain("/nonexistent/model.json");
  });

  it("exits 2 and names the file when model.json is not JSON", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "carve-cli-"));
    await writeFile(path.join(dir, "model.json"), "{ not json");
    const { code, stderr } = await carve("info", dir);
    expect(code).toBe(2);
    expect(stderr).toContain(path.join(dir, "model.json"));
    expect(stderr).toMatch(/not valid JSON/);
  });

  it("rejects an unknown backend with the list of valid ones", async () => {
    const { code, stderr } = await carve("info", "mnist", "--backend", "tpu");
    expect(code).toBe(2);
    expect(stderr).toMatch(/wasm/);
  });

  it("scores conv1 of the demo by CAR with class importances, as JSON", async () => {
    const { code, stdout, stderr } = await carve(
      "score",
      "mnist",
      "--layer",
      "conv1",
      "--classwise",
      "--json",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.dataset).toBe("mnist/validation");
    expect(report.groups).toHaveLength(1);
    const filters = report.groups[0].filters;
    expect(filters).toHaveLength(16);
    expect(filters.map((f: { rank: number }) => f.rank).sort((a: number, b: number) => a - b)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    for (const f of filters) {
      expect(f.car.ci95[0]).toBeLessThanOrEqual(f.car.drop);
      expect(f.classwise).toHaveLength(10);
    }
  });

  it("prunes conv1 by CAR, saves a smaller model with its audit trail, and that model loads", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "carve-prune-"));
    const { code, stdout } = await carve("prune", "mnist", "--layer", "conv1", "--keep", "14", "--out", out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/step 1: removed conv1#\d+/);
    expect(stdout).toMatch(/Stopped: target-reached after 2 steps/);
    const report = JSON.parse(await readFile(path.join(out, "prune-report.json"), "utf8"));
    expect(report.steps).toHaveLength(2);
    expect(report.removed.conv1).toHaveLength(2);
    expect(report.size.paramsAfter).toBeLessThan(report.size.paramsBefore);
    expect(report.reproducibility.modelHash).toMatch(/^[0-9a-f]{64}$/);
    const info = await carve("info", out, "--json");
    expect(JSON.parse(info.stdout).filterGroups[0]).toMatchObject({ id: "conv1", filters: 14 });
  });

  it("compares criteria on equal terms and writes an SVG chart", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "carve-compare-"));
    const svg = path.join(dir, "chart.svg");
    const { code, stdout } = await carve(
      "compare",
      "mnist",
      "--layer",
      "conv1",
      "--keep",
      "14",
      "--criteria",
      "l1,random",
      "--svg",
      svg,
      "--json",
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.curves.map((c: { criterion: string }) => c.criterion)).toEqual(["l1", "random"]);
    for (const curve of result.curves)
      expect(curve.points.map((p: { filtersRemoved: number }) => p.filtersRemoved)).toEqual([0, 1, 2]);
    const chart = await readFile(svg, "utf8");
    expect(chart).toMatch(/^<svg/);
    expect(chart).toContain("filters removed");
  });

  it("names the problem when a pruning target is missing or a layer does not exist", async () => {
    const noTarget = await carve("prune", "mnist", "--layer", "conv1");
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/give a target/);
    const noLayer = await carve("score", "mnist", "--layer", "conv9");
    expect(noLayer.code).toBe(2);
    expect(noLayer.stderr).toMatch(/conv9/);
    expect(noLayer.stderr).toMatch(/conv1/);
  });

  it("rejects an unknown command", async () => {
    const { code, stderr } = await carve("frobnicate");
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "frobnicate"/);
  });
});
