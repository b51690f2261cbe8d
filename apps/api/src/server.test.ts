/**
 * The API as clients use it: HTTP for queries and mutations, graphql-ws over WebSocket for subscriptions,
 * a real SQLite file, and CAR analyses computed by @carve/core in worker threads on the shipped MNIST demo.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ApiError } from "./errors.js";
import { threadWorkerRunner } from "./jobs/worker-runner.js";
import {
  ANALYSIS_PROGRESS,
  type AnalysisView,
  CANCEL_ANALYSIS,
  GET_ANALYSIS,
  START_ANALYSIS,
} from "./test-utils/graphql-documents.js";
import {
  type GraphQLResponse,
  type TestServer,
  endOf,
  makeDataDir,
  startTestServer,
} from "./test-utils/test-server.js";

const MNIST_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@carve/core/package.json")),
  "models",
  "mnist",
);

interface FilterView {
  index: number;
  l1Norm: number;
  weightImage: string | null;
  carScore: { drop: number; ci95Low: number; ci95High: number; rank: number; lossIncrease: number } | null;
  most: Array<{ classIndex: number; className: string; drop: number }>;
  least: Array<{ classIndex: number; className: string; drop: number }>;
}

const FILTERS = `
  query Filters($id: ID!, $layer: String!, $first: Int, $after: String, $orderBy: FilterOrder) {
    model(id: $id) {
      layer(name: $layer) {
        filters(first: $first, after: $after, orderBy: $orderBy) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes {
            index l1Norm weightImage
            carScore { drop ci95Low ci95High rank lossIncrease }
            most: classImportances(first: 3) { classIndex className drop }
            least: classImportances(order: LEAST_IMPORTANT, first: 3) { classIndex className drop }
          }
        }
      }
    }
  }`;

type FiltersData = {
  model: {
    layer: {
      filters: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        nodes: FilterView[];
      };
    };
  };
};

async function mnistId(api: TestServer): Promise<string> {
  const data = await api.query<{ models: { nodes: Array<{ id: string; name: string; source: string }> } }>(
    "{ models { nodes { id name source } } }",
  );
  const mnist = data.models.nodes.find((m) => m.name === "mnist" && m.source === "DEMO");
  if (!mnist) throw new Error(`the mnist demo was not seeded: ${JSON.stringify(data)}`);
  return mnist.id;
}

async function startAnalysis(api: TestServer, input: Record<string, unknown>): Promise<AnalysisView> {
  return (await api.query<{ startAnalysis: AnalysisView }>(START_ANALYSIS, { input })).startAnalysis;
}

async function getAnalysis(api: TestServer, id: string): Promise<AnalysisView> {
  return (await api.query<{ analysis: AnalysisView }>(GET_ANALYSIS, { id })).analysis;
}

/** Polls until the analysis satisfies `done` (e.g. it is RUNNING and has made progress). */
async function waitForAnalysis(
  api: TestServer,
  id: string,
  done: (a: AnalysisView) => boolean,
  timeoutMs = 60_000,
): Promise<AnalysisView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const analysis = await getAnalysis(api, id);
    if (done(analysis)) return analysis;
    if (Date.now() > deadline) throw new Error(`analysis ${id} never got there: ${JSON.stringify(analysis)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const running = (a: AnalysisView) => a.status === "RUNNING";

/**
 * Work that takes far longer than any test waits (both layers over the 7,001 training digits), for tests that
 * cancel or stop an analysis while it runs, however fast the CAR engine becomes.
 */
const LONG_ANALYSIS = { layers: ["conv1", "conv2"], split: "TRAIN", classwise: true };

function errorOf(response: GraphQLResponse<unknown>) {
  expect(response.errors, JSON.stringify(response)).toHaveLength(1);
  return response.errors![0]!;
}

describe("the API over HTTP and WebSocket", () => {
  let api: TestServer;
  let modelId: string;

  beforeAll(async () => {
    api = await startTestServer();
    modelId = await mnistId(api);
  });

  afterAll(async () => {
    await api?.stop({ removeData: true });
  });

  it("registers the demo models on first start, with their layers, size and accuracy", async () => {
    const { model } = await api.query<{
      model: Record<string, unknown> & { layers: Array<Record<string, unknown>> };
    }>(
      `query ($id: ID!) { model(id: $id) {
          name source location dataset inputShape classes params flops sizeBytes accuracy
          layers { index name className outputShape filterCount params prunable filterGroupId }
        } }`,
      { id: modelId },
    );
    expect(model).toMatchObject({
      name: "mnist",
      source: "DEMO",
      location: "mnist",
      dataset: "mnist",
      inputShape: [28, 28, 1],
      classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      params: 20490,
      flops: 2063488,
      sizeBytes: 84523,
      accuracy: 0.975,
    });
    expect(model.layers.map((l) => [l.name, l.prunable, l.filterGroupId])).toEqual([
      ["conv1", true, "conv1"],
      ["pool1", false, null],
      ["conv2", true, "conv2"],
      ["pool2", false, null],
      ["flatten", false, null],
      ["logits", false, null],
    ]);
    // 3×3×1×16 kernel + 16 biases.
    expect(model.layers[0]).toMatchObject({
      className: "Conv2D",
      outputShape: [28, 28, 16],
      filterCount: 16,
      params: 160,
    });
  });

  it("pages through a layer's filters, each with its L1 norm and kernel image, without CAR before any analysis", async () => {
    const first = await api.query<FiltersData>(FILTERS, { id: modelId, layer: "conv1", first: 5 });
    const page = first.model.layer.filters;
    expect(page.totalCount).toBe(16);
    expect(page.nodes.map((f) => f.index)).toEqual([0, 1, 2, 3, 4]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    for (const filter of page.nodes) {
      expect(filter.carScore).toBeNull();
      expect(filter.most).toEqual([]);
      expect(filter.l1Norm).toBeGreaterThan(0);
      const png = Buffer.from(filter.weightImage!.replace(/^data:image\/png;base64,/, ""), "base64");
      expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    }
    const second = await api.query<FiltersData>(FILTERS, {
      id: modelId,
      layer: "conv1",
      first: 5,
      after: page.pageInfo.endCursor,
    });
    expect(second.model.layer.filters.nodes.map((f) => f.index)).toEqual([5, 6, 7, 8, 9]);

    const byNorm = await api.query<FiltersData>(FILTERS, {
      id: modelId,
      layer: "conv1",
      orderBy: { field: "L1_NORM", direction: "DESC" },
    });
    const norms = byNorm.model.layer.filters.nodes.map((f) => f.l1Norm);
    expect(norms).toEqual([...norms].sort((a, b) => b - a));
  });

  it("streams an analysis's progress until it succeeds, then serves filters by CAR with class importances", async () => {
    const started = await startAnalysis(api, { modelId, layers: ["conv1"], maxImages: 200, classwise: true });
    expect(started).toMatchObject({
      status: "QUEUED",
      layers: ["conv1"],
      split: "SELECTION",
      maxImages: 200,
    });

    const events = await api.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: started.id,
    });
    const states = events.map((e) => e.data!.analysisProgress);
    expect(states[0]!.status).toMatch(/QUEUED|RUNNING/);
    expect(states.at(-1)).toMatchObject({ status: "SUCCEEDED", images: 200, progress: { fraction: 1 } });
    // Progress as the engine reports it (per batch of work); it only grows, and every state is a new revision.
    expect(states.filter((s) => s.status === "RUNNING").length).toBeGreaterThanOrEqual(1);
    const done = states.map((s) => s.progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(states.map((s) => JSON.stringify(s))).size).toBe(states.length);

    const { model } = await api.query<FiltersData>(FILTERS, {
      id: modelId,
      layer: "conv1",
      orderBy: { field: "CAR", direction: "ASC" },
    });
    const filters = model.layer.filters.nodes;
    expect(filters.map((f) => f.carScore!.rank)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const drops = filters.map((f) => f.carScore!.drop);
    expect(drops).toEqual([...drops].sort((a, b) => a - b));
    for (const filter of filters) {
      const car = filter.carScore!;
      expect(car.ci95Low).toBeLessThanOrEqual(car.drop);
      expect(car.ci95High).toBeGreaterThanOrEqual(car.drop);
      expect(filter.most).toHaveLength(3);
      const most = filter.most.map((c) => c.drop);
      expect(most).toEqual([...most].sort((a, b) => b - a));
      expect(filter.least[0]!.drop).toBeLessThanOrEqual(filter.most[0]!.drop);
      for (const c of [...filter.most, ...filter.least]) {
        expect(c.className).toBe(String(c.classIndex));
        expect(Math.abs(c.drop)).toBeLessThanOrEqual(1);
      }
    }

    const descending = await api.query<FiltersData>(FILTERS, {
      id: modelId,
      layer: "conv1",
      first: 3,
      orderBy: { field: "CAR", direction: "DESC" },
    });
    expect(descending.model.layer.filters.nodes.map((f) => f.carScore!.rank)).toEqual([16, 15, 14]);

    // conv2 was not analysed: its filters still have no score.
    const conv2 = await api.query<FiltersData>(FILTERS, { id: modelId, layer: "conv2", first: 1 });
    expect(conv2.model.layer.filters.nodes[0]!.carScore).toBeNull();

    // A late subscriber gets the final state once, and the stream ends.
    const late = await api.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: started.id,
    });
    expect(late.map((e) => e.data!.analysisProgress.status)).toEqual(["SUCCEEDED"]);

    const listed = await api.query<{
      model: { analyses: { totalCount: number; nodes: Array<{ id: string }> } };
    }>("query ($id: ID!) { model(id: $id) { analyses(first: 1) { totalCount nodes { id } } } }", {
      id: modelId,
    });
    expect(listed.model.analyses.nodes[0]!.id).toBe(started.id);
  });

  it("keeps answering queries in well under a second while an analysis computes", async () => {
    const analysis = await startAnalysis(api, { modelId, ...LONG_ANALYSIS });
    const latencies: number[] = [];
    let state: AnalysisView | undefined;
    // Three seconds of queries from the start of the job: TF.js loading, the data and the scoring itself.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const t0 = performance.now();
      const data = await api.query<{ analysis: AnalysisView }>(
        `query ($id: ID!, $model: ID!) { analysis(id: $id) { status } model(id: $model) { layers { name } } }`,
        { id: analysis.id, model: modelId },
      );
      latencies.push(performance.now() - t0);
      state = data.analysis;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Still computing: the queries were answered while it ran, not after.
    expect(state!.status).toBe("RUNNING");
    expect(latencies.length).toBeGreaterThan(20);
    expect(Math.max(...latencies)).toBeLessThan(500);
    await api.query(CANCEL_ANALYSIS, { id: analysis.id });
  });

  it("cancels a running analysis: it ends CANCELLED and its subscribers hear so", async () => {
    const analysis = await startAnalysis(api, { modelId, ...LONG_ANALYSIS });
    let cancelled: Promise<unknown> | undefined;
    const events = await api.subscribe<{ analysisProgress: AnalysisView }>(
      ANALYSIS_PROGRESS,
      { id: analysis.id },
      (result) => {
        if (!cancelled && running(result.data!.analysisProgress)) {
          cancelled = api.query(CANCEL_ANALYSIS, { id: analysis.id });
        }
      },
    );
    const answer = (await cancelled) as { cancelAnalysis: AnalysisView };
    expect(answer.cancelAnalysis.status).toBe("CANCELLED");
    expect(events.at(-1)!.data!.analysisProgress.status).toBe("CANCELLED");
    // The worker's last messages after the cancel change nothing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await getAnalysis(api, analysis.id);
    expect(after).toMatchObject({ status: "CANCELLED", images: null });
    expect(after.finishedAt).not.toBeNull();
  });

  it("stops an analysis's events to a member removed from its workspace", async () => {
    const analysis = await startAnalysis(api, { modelId, ...LONG_ANALYSIS });
    const viewer = await api.addMember("removed-viewer@example.com", "VIEWER");
    let removed: Promise<unknown> | undefined;
    const ended = endOf(
      api.subscribe(ANALYSIS_PROGRESS, { id: analysis.id }, () => (removed ??= api.removeMember(viewer)), {
        token: viewer,
      }),
    );
    expect(await ended).toBe("NOT_FOUND");
    await removed;
    // Still computing for those who may read it.
    expect((await getAnalysis(api, analysis.id)).status).toMatch(/^(QUEUED|RUNNING)$/);
    await api.query(CANCEL_ANALYSIS, { id: analysis.id });
  });

  it("cancels a queued analysis before it starts", async () => {
    const first = await startAnalysis(api, { modelId, ...LONG_ANALYSIS });
    const second = await startAnalysis(api, { modelId, layers: ["conv1"], maxImages: 50 });
    const { cancelAnalysis } = await api.query<{ cancelAnalysis: AnalysisView }>(CANCEL_ANALYSIS, {
      id: second.id,
    });
    expect(cancelAnalysis).toMatchObject({ status: "CANCELLED", startedAt: null });
    await api.query(CANCEL_ANALYSIS, { id: first.id });
    // Cancelling a finished analysis returns it unchanged.
    const again = await api.query<{ cancelAnalysis: AnalysisView }>(CANCEL_ANALYSIS, { id: second.id });
    expect(again.cancelAnalysis.status).toBe("CANCELLED");
  });

  it("rejects bad input with codes and messages that say what is wrong", async () => {
    const unknownModel = errorOf(await api.request(START_ANALYSIS, { input: { modelId: "no-such-model" } }));
    expect(unknownModel.extensions).toMatchObject({ code: "NOT_FOUND", argument: "input.modelId" });

    const badLayer = errorOf(await api.request(START_ANALYSIS, { input: { modelId, layers: ["conv9"] } }));
    expect(badLayer.extensions).toMatchObject({ code: "INVALID_ARGUMENT", layer: "conv9" });
    expect(badLayer.message).toBe('no layer "conv9" in model "mnist" (prunable layers: conv1, conv2)');

    const notPrunable = errorOf(await api.request(START_ANALYSIS, { input: { modelId, layers: ["pool1"] } }));
    expect(notPrunable.message).toMatch(
      /layer "pool1" of model "mnist" is a MaxPooling2D without removable filters/,
    );

    const noImages = errorOf(await api.request(START_ANALYSIS, { input: { modelId, maxImages: 0 } }));
    expect(noImages.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "input.maxImages" });

    expect(errorOf(await api.request('{ model(id: "x") { id } }')).extensions!.code).toBe("NOT_FOUND");
    expect(errorOf(await api.request('{ analysis(id: "x") { id } }')).extensions!.code).toBe("NOT_FOUND");
    const cursor = errorOf(await api.request(FILTERS, { id: modelId, layer: "conv1", after: "garbage" }));
    expect(cursor.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "after" });
    expect(errorOf(await api.request("{ nope }")).extensions!.code).toBe("GRAPHQL_VALIDATION_FAILED");

    const subscription = await api.subscribe(ANALYSIS_PROGRESS, { id: "no-such-analysis" });
    expect(subscription).toHaveLength(1);
    expect(errorOf(subscription[0]!).extensions).toMatchObject({ code: "NOT_FOUND" });
  });

  it("registers a model from a server path with its measured test accuracy; renames it; deletes it with its analyses", async () => {
    const { registerModel: model } = await api.query<{
      registerModel: { id: string; name: string; source: string; accuracy: number; dataset: string };
    }>(
      `mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id name source accuracy dataset } }`,
      { input: { path: MNIST_DIR, name: "my digits", dataset: "mnist" } },
    );
    // Measured on the same 2,000 test digits as the model card's 97.5%.
    expect(model).toMatchObject({ name: "my digits", source: "PATH", dataset: "mnist", accuracy: 0.975 });

    const renamed = await api.query<{ renameModel: { name: string } }>(
      `mutation ($id: ID!) { renameModel(id: $id, name: "  digits v2 ") { name } }`,
      { id: model.id },
    );
    expect(renamed.renameModel.name).toBe("digits v2");
    const blank = errorOf(
      await api.request(`mutation ($id: ID!) { renameModel(id: $id, name: " ") { name } }`, { id: model.id }),
    );
    expect(blank.extensions!.code).toBe("INVALID_ARGUMENT");

    const analysis = await startAnalysis(api, { modelId: model.id, layers: ["conv1"], maxImages: 50 });
    await api.subscribe(ANALYSIS_PROGRESS, { id: analysis.id });
    const deleted = await api.query<{ deleteModel: { id: string; deleted: Record<string, number> } }>(
      `mutation ($id: ID!) { deleteModel(id: $id) { id deleted { layers filters analyses carScores } } }`,
      { id: model.id },
    );
    // 6 layers; 16 + 32 filters in conv1 and conv2; one analysis that scored conv1's 16.
    expect(deleted.deleteModel.deleted).toEqual({ layers: 6, filters: 48, analyses: 1, carScores: 16 });
    expect(errorOf(await api.request(GET_ANALYSIS, { id: analysis.id })).extensions!.code).toBe("NOT_FOUND");
  });

  it("refuses a path that is missing or not a model, and stores nothing", async () => {
    const count = async () =>
      (await api.query<{ models: { totalCount: number } }>("{ models { totalCount } }")).models.totalCount;
    const before = await count();
    const REGISTER = `mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id } }`;

    // Server paths are read only under CARVE_ALLOWED_PATHS (by default the data directory and the demos).
    const forbidden = errorOf(await api.request(REGISTER, { input: { path: "/no/such/model" } }));
    expect(forbidden.extensions!.code).toBe("FORBIDDEN_PATH");
    const absent = path.join(api.dataDir, "no", "such", "model");
    const missing = errorOf(await api.request(REGISTER, { input: { path: absent } }));
    expect(missing.extensions!.code).toBe("NOT_FOUND");
    expect(missing.message).toContain(`nothing at ${absent}`);

    const junk = mkdtempSync(path.join(api.dataDir, "carve-junk-"));
    writeFileSync(path.join(junk, "model.json"), JSON.stringify({ hello: "world" }));
    const invalid = errorOf(await api.request(REGISTER, { input: { path: junk } }));
    expect(invalid.extensions!.code).toBe("INVALID_MODEL");
    expect(invalid.message).toMatch(/could not register/);

    // The model loads but the dataset does not fit it: 28×28×1 digits against 32×32×3 shapes.
    const mismatch = errorOf(
      await api.request(REGISTER, { input: { path: MNIST_DIR, dataset: "shapes-tint" } }),
    );
    expect(mismatch.extensions!.code).toBe("SHAPE_MISMATCH");

    const unknownDemo = errorOf(await api.request(`mutation { registerDemoModel(name: "imagenet") { id } }`));
    expect(unknownDemo.extensions!.code).toBe("NOT_FOUND");
    expect(unknownDemo.message).toMatch(/available: mnist/);

    expect(await count()).toBe(before);
    const again = await api.query<{ registerDemoModel: { id: string } }>(
      `mutation { registerDemoModel(name: "mnist") { id } }`,
    );
    expect(again.registerDemoModel.id).toBe(modelId);
  });
});

describe("analyses across a server restart", () => {
  it("marks an analysis that a stopped server left RUNNING as INTERRUPTED at the next start", async () => {
    const dataDir = makeDataDir();
    const first = await startTestServer({ dataDir });
    const modelId = await mnistId(first);
    const analysis = await startAnalysis(first, { modelId, layers: ["conv1"], maxImages: 50 });
    await first.subscribe(ANALYSIS_PROGRESS, { id: analysis.id });
    await first.stop();
    // What a killed process leaves behind: the row still says RUNNING.
    const db = new Database(path.join(dataDir, "carve.db"));
    db.prepare("UPDATE analyses SET status = 'RUNNING', finished_at = NULL WHERE id = ?").run(analysis.id);
    db.close();

    const second = await startTestServer({ dataDir });
    const after = await getAnalysis(second, analysis.id);
    expect(after.status).toBe("INTERRUPTED");
    expect(after.error).toMatchObject({ code: "INTERRUPTED" });
    expect(after.error!.message).toMatch(/server stopped/);
    // A stream of an interrupted analysis is its final state.
    const events = await second.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: analysis.id,
    });
    expect(events.map((e) => e.data!.analysisProgress.status)).toEqual(["INTERRUPTED"]);
    await second.stop({ removeData: true });
  });

  it("on a graceful stop marks the running analysis INTERRUPTED, and runs the queued one at the next start", async () => {
    const dataDir = makeDataDir();
    const first = await startTestServer({ dataDir });
    const modelId = await mnistId(first);
    const runningOne = await startAnalysis(first, { modelId, ...LONG_ANALYSIS });
    const queuedOne = await startAnalysis(first, { modelId, layers: ["conv1"], maxImages: 50 });
    await waitForAnalysis(first, runningOne.id, running);
    let subscribed: () => void;
    const firstEvent = new Promise<void>((resolve) => (subscribed = resolve));
    const heard = first.subscribe<{ analysisProgress: AnalysisView }>(
      ANALYSIS_PROGRESS,
      { id: runningOne.id },
      () => subscribed(),
    );
    await firstEvent;
    await first.stop();
    expect((await heard).at(-1)!.data!.analysisProgress.status).toBe("INTERRUPTED");

    const second = await startTestServer({ dataDir, env: { CARVE_SEED_DEMOS: false } });
    expect((await getAnalysis(second, runningOne.id)).status).toBe("INTERRUPTED");
    const events = await second.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: queuedOne.id,
    });
    expect(events.at(-1)!.data!.analysisProgress).toMatchObject({ status: "SUCCEEDED", images: 50 });
    await second.stop({ removeData: true });
  });
});

describe("a failing analysis", () => {
  it("records a Carve error's code and message, and hides an unexpected error's details", async () => {
    let failure: Error = new ApiError(
      "SHAPE_MISMATCH",
      "model expects [28, 28, 1] but dataset has [32, 32, 3]",
    );
    const api = await startTestServer({
      worker: { ...threadWorkerRunner, analyse: async () => Promise.reject(failure) },
    });
    const modelId = await mnistId(api);
    const known = await startAnalysis(api, { modelId, layers: ["conv1"] });
    const knownEvents = await api.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: known.id,
    });
    expect(knownEvents.at(-1)!.data!.analysisProgress).toMatchObject({
      status: "FAILED",
      error: { code: "SHAPE_MISMATCH", message: "model expects [28, 28, 1] but dataset has [32, 32, 3]" },
    });

    failure = new TypeError("secret internals at worker.js:42");
    const unknown = await startAnalysis(api, { modelId, layers: ["conv1"] });
    const unknownEvents = await api.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
      id: unknown.id,
    });
    const final = unknownEvents.at(-1)!.data!.analysisProgress;
    expect(final).toMatchObject({ status: "FAILED", error: { code: "INTERNAL" } });
    expect(final.error!.message).not.toMatch(/secret/);
    await api.stop({ removeData: true });
  });
});
