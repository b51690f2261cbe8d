/**
 * End to end: the built API in its own process, over real HTTP and WebSocket, against a real SQLite file,
 * with CAR computed by @carve/core's built dist/ in worker threads — then killed in the middle of an
 * analysis and started again.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type ApiProcess, ensureApiBuilt, startApiProcess } from "./api-process.js";

const ANALYSIS = "id status images progress { done total fraction } error { code message }";

interface Analysis {
  id: string;
  status: string;
  images: number | null;
  progress: { done: number; total: number; fraction: number };
  error: { code: string; message: string } | null;
}

interface Filter {
  index: number;
  weightImage: string | null;
  carScore: { drop: number; rank: number; ci95Low: number; ci95High: number } | null;
  classImportances: Array<{ className: string; drop: number }>;
}

describe("the built API, end to end", () => {
  let dataDir: string;
  let api: ApiProcess;
  let modelId: string;
  let modelCount = 0;

  beforeAll(async () => {
    ensureApiBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), "carve-e2e-"));
    api = await startApiProcess(dataDir);
  });

  afterAll(async () => {
    await api?.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts with the mnist demo registered, its layers and filters ready to query", async () => {
    const { models } = await api.query<{
      models: {
        totalCount: number;
        nodes: Array<{ id: string; name: string; layers: Array<{ name: string; prunable: boolean }> }>;
      };
    }>("{ models { totalCount nodes { id name layers { name prunable } } } }");
    modelCount = models.totalCount;
    const mnist = models.nodes.find((m) => m.name === "mnist")!;
    expect(mnist.layers.filter((l) => l.prunable).map((l) => l.name)).toEqual(["conv1", "conv2"]);
    modelId = mnist.id;
  });

  it("scores conv1 by CAR while a graphql-ws client follows it, then ranks its filters and their classes", async () => {
    const { startAnalysis } = await api.query<{ startAnalysis: Analysis }>(
      `mutation ($modelId: ID!) {
        startAnalysis(input: { modelId: $modelId, layers: ["conv1"], maxImages: 200 }) { ${ANALYSIS} }
      }`,
      { modelId },
    );
    const events = await api.subscribe<{ analysisProgress: Analysis }>(
      `subscription ($id: ID!) { analysisProgress(id: $id) { ${ANALYSIS} } }`,
      { id: startAnalysis.id },
    );
    const states = events.map((e) => e.data!.analysisProgress);
    expect(states.at(-1)).toMatchObject({ status: "SUCCEEDED", images: 200, progress: { fraction: 1 } });

    const { model } = await api.query<{ model: { layer: { filters: { nodes: Filter[] } } } }>(
      `query ($id: ID!) { model(id: $id) { layer(name: "conv1") {
        filters(orderBy: { field: CAR, direction: ASC }, first: 16) {
          nodes { index weightImage carScore { drop rank ci95Low ci95High } classImportances(first: 2) { className drop } }
        } } } }`,
      { id: modelId },
    );
    const filters = model.layer.filters.nodes;
    expect(filters.map((f) => f.carScore!.rank)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(filters.map((f) => f.index)).size).toBe(16);
    for (const f of filters) {
      expect(f.weightImage).toMatch(/^data:image\/png;base64,/);
      expect(f.classImportances).toHaveLength(2);
      expect(f.classImportances[0]!.drop).toBeGreaterThanOrEqual(f.classImportances[1]!.drop);
    }
  });

  it("marks the analysis it was running INTERRUPTED after being killed and started again", async () => {
    const { startAnalysis } = await api.query<{ startAnalysis: Analysis }>(
      `mutation ($modelId: ID!) {
        startAnalysis(input: { modelId: $modelId, layers: ["conv1", "conv2"], split: TRAIN }) { ${ANALYSIS} }
      }`,
      { modelId },
    );
    let sawRunning: () => void;
    const running = new Promise<void>((resolve) => (sawRunning = resolve));
    void api
      .subscribe<{ analysisProgress: Analysis }>(
        `subscription ($id: ID!) { analysisProgress(id: $id) { ${ANALYSIS} } }`,
        { id: startAnalysis.id },
        (result) => {
          if (result.data?.analysisProgress.status === "RUNNING") sawRunning();
        },
      )
      .catch(() => {}); // the socket dies with the process
    await running;
    expect(await api.stop("SIGKILL")).toBeNull();

    api = await startApiProcess(dataDir);
    expect(api.logs.some((l) => l.msg === "analyses recovered" && l.interrupted === 1)).toBe(true);
    const { analysis } = await api.query<{ analysis: Analysis }>(
      `query ($id: ID!) { analysis(id: $id) { ${ANALYSIS} } }`,
      {
        id: startAnalysis.id,
      },
    );
    expect(analysis).toMatchObject({ status: "INTERRUPTED", error: { code: "INTERRUPTED" } });
    // The demo models are seeded once, not again on a restart.
    const { models } = await api.query<{ models: { totalCount: number; nodes: Array<{ id: string }> } }>(
      "{ models { totalCount nodes { id } } }",
    );
    expect(models.totalCount).toBe(modelCount);
    expect(models.nodes.map((m) => m.id)).toContain(modelId);
  });

  it("stops cleanly on SIGTERM, closing the database", async () => {
    expect(await api.stop("SIGTERM")).toBe(0);
    expect(api.logs.at(-1)).toMatchObject({ msg: "Carve API stopped" });
    // The last connection's close checkpoints the write-ahead log into carve.db and removes it.
    expect(existsSync(path.join(dataDir, "carve.db-wal"))).toBe(false);
  });
});
