/**
 * The API on PostgreSQL (CARVE_DATABASE_URL) instead of its embedded SQLite: a demo registered, CAR computed
 * in a worker thread with its progress persisted and streamed, filters served by CAR with class importances,
 * everything still there after a restart, and a delete that takes the model's rows with it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "./test-utils/databases.js";
import { ANALYSIS_PROGRESS, type AnalysisView, START_ANALYSIS } from "./test-utils/graphql-documents.js";
import { type TestServer, startTestServer } from "./test-utils/test-server.js";

const FILTERS_BY_CAR = `
  query Filters($id: ID!) {
    model(id: $id) {
      layer(name: "conv1") {
        filters(orderBy: { field: CAR, direction: ASC }) {
          totalCount
          nodes {
            index l1Norm weightImage
            carScore { drop ci95Low ci95High rank }
            classImportances(first: 3) { classIndex className drop }
          }
        }
      }
    }
  }`;

interface FiltersData {
  model: {
    layer: {
      filters: {
        totalCount: number;
        nodes: Array<{
          index: number;
          l1Norm: number;
          weightImage: string | null;
          carScore: { drop: number; ci95Low: number; ci95High: number; rank: number } | null;
          classImportances: Array<{ classIndex: number; className: string; drop: number }>;
        }>;
      };
    };
  };
}

describe("the API on PostgreSQL", () => {
  let database: TestDatabase;
  let url: string;
  let api: TestServer;
  let modelId: string;

  const start = () =>
    startTestServer({
      env: { CARVE_DATABASE_URL: url, CARVE_SEED_DEMOS: false, CARVE_DATABASE_POOL_SIZE: 4 },
    });

  beforeAll(async () => {
    database = await createTestDatabase("postgres", "server");
    url = (database.config as { url: string }).url;
    api = await start();
  });

  afterAll(async () => {
    await api?.stop({ removeData: true });
    await database?.drop();
  });

  it("registers the mnist demo with its layers and kernel images", async () => {
    const { registerDemoModel } = await api.query<{
      registerDemoModel: { id: string; name: string; classes: string[]; layers: Array<{ name: string }> };
    }>(`mutation { registerDemoModel(name: "mnist") { id name classes layers { name } } }`);
    modelId = registerDemoModel.id;
    expect(registerDemoModel.name).toBe("mnist");
    expect(registerDemoModel.classes).toHaveLength(10);
    expect(registerDemoModel.layers.map((l) => l.name)).toEqual([
      "conv1",
      "pool1",
      "conv2",
      "pool2",
      "flatten",
      "logits",
    ]);
    // Registering it again returns the same model.
    const again = await api.query<{ registerDemoModel: { id: string } }>(
      `mutation { registerDemoModel(name: "mnist") { id } }`,
    );
    expect(again.registerDemoModel.id).toBe(modelId);
  });

  it("computes CAR in a worker, streams the persisted progress, and serves the filters by CAR", async () => {
    const { startAnalysis } = await api.query<{ startAnalysis: AnalysisView }>(START_ANALYSIS, {
      input: { modelId, layers: ["conv1"], maxImages: 200, classwise: true },
    });
    const events = await api.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: startAnalysis.id,
    });
    const states = events.map((e) => e.data!.analysisProgress);
    expect(states.at(-1)).toMatchObject({ status: "SUCCEEDED", images: 200, progress: { fraction: 1 } });
    const done = states.map((s) => s.progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    const { model } = await api.query<FiltersData>(FILTERS_BY_CAR, { id: modelId });
    const filters = model.layer.filters.nodes;
    expect(model.layer.filters.totalCount).toBe(16);
    expect(filters.map((f) => f.carScore!.rank)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const drops = filters.map((f) => f.carScore!.drop);
    expect(drops).toEqual([...drops].sort((a, b) => a - b));
    for (const filter of filters) {
      expect(filter.carScore!.ci95Low).toBeLessThanOrEqual(filter.carScore!.drop);
      expect(filter.carScore!.ci95High).toBeGreaterThanOrEqual(filter.carScore!.drop);
      expect(filter.weightImage).toMatch(/^data:image\/png;base64,/);
      expect(filter.classImportances).toHaveLength(3);
      const most = filter.classImportances.map((c) => c.drop);
      expect(most).toEqual([...most].sort((a, b) => b - a));
    }
  });

  it("finds the model, its analysis and its scores again after a restart", async () => {
    const before = await api.query<FiltersData>(FILTERS_BY_CAR, { id: modelId });
    await api.stop();
    api = await start();
    const after = await api.query<FiltersData>(FILTERS_BY_CAR, { id: modelId });
    expect(after).toEqual(before);
  });

  it("deletes the model with its layers, filters, analyses and scores", async () => {
    const { deleteModel } = await api.query<{
      deleteModel: { deleted: { layers: number; filters: number; analyses: number; carScores: number } };
    }>(`mutation ($id: ID!) { deleteModel(id: $id) { deleted { layers filters analyses carScores } } }`, {
      id: modelId,
    });
    // 16 conv1 + 32 conv2 filters; the analysis scored conv1's 16.
    expect(deleteModel.deleted).toEqual({ layers: 6, filters: 48, analyses: 1, carScores: 16 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const table of ["models", "layers", "filters", "analyses", "car_scores"]) {
        const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
        expect(Number(rows[0]!.n), table).toBe(0);
      }
    } finally {
      await client.end();
    }
  });
});
