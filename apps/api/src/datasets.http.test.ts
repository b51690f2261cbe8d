/**
 * Datasets, uploads, what-if, evaluations, filter lists and limits over real HTTP: multipart uploads of a real
 * saved model and a real IDX folder, a broken upload rejected with nothing left behind, server paths outside
 * CARVE_ALLOWED_PATHS refused, what-if against core's evaluate of removeFilters, depth and complexity limits,
 * CORS.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  demoModelDir,
  evaluate,
  evaluationSet,
  initBackend,
  loadDataset,
  loadModel,
  removeFilters,
  stratifiedSample,
} from "@carve/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mnistIdxFiles, writeFiles } from "./test-utils/idx-files.js";
import { type TestServer, startTestServer } from "./test-utils/test-server.js";

const MNIST_DIR = demoModelDir("mnist");
const MAX_UPLOAD_MB = 2;

let api: TestServer;
let outside: string;
let uploadUrl: string;

interface DatasetView {
  id: string;
  name: string;
  sourceKind: string;
  format: string;
  location: string;
  classes: string[];
  imageShape: number[];
  trainSize: number;
  validationSize: number | null;
  testSize: number;
}
const DATASET_FIELDS =
  "id name sourceKind format location classes imageShape trainSize validationSize testSize";

async function upload(files: Map<string, Buffer | string>): Promise<Response> {
  const form = new FormData();
  for (const [name, bytes] of files) form.append("file", new Blob([bytes]), name);
  return fetch(uploadUrl, { method: "POST", body: form, headers: api.headers() });
}

async function uploadId(files: Map<string, Buffer | string>): Promise<string> {
  const response = await upload(files);
  const body = (await response.json()) as { id: string; error?: unknown };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.id;
}

function mnistModelFiles(): Map<string, Buffer> {
  return new Map([
    ["model.json", readFileSync(path.join(MNIST_DIR, "model.json"))],
    ["weights.bin", readFileSync(path.join(MNIST_DIR, "weights.bin"))],
  ]);
}

async function builtin(name: string): Promise<DatasetView> {
  const data = await api.query<{ registerDataset: DatasetView }>(
    `mutation R($name: String!) { registerDataset(input: { builtin: $name }) { ${DATASET_FIELDS} } }`,
    { name },
  );
  return data.registerDataset;
}

async function mnistModelId(): Promise<string> {
  const data = await api.query<{ models: { nodes: Array<{ id: string; name: string; source: string }> } }>(
    "{ models { nodes { id name source } } }",
  );
  return data.models.nodes.find((m) => m.name === "mnist" && m.source === "DEMO")!.id;
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

beforeAll(async () => {
  await initBackend({ backend: "auto" });
  outside = await mkdtemp(path.join(tmpdir(), "carve-outside-"));
  api = await startTestServer({
    env: {
      CARVE_MAX_UPLOAD_MB: MAX_UPLOAD_MB,
      CARVE_AUTO_EVALUATE: true,
      CARVE_MAX_QUERY_DEPTH: 8,
      CARVE_MAX_QUERY_COMPLEXITY: 20_000,
    },
  });
  uploadUrl = api.url.replace(/\/graphql$/, "/uploads");
});

afterAll(async () => {
  await api?.stop({ removeData: true });
  await rm(outside, { recursive: true, force: true });
});

describe("datasets", () => {
  it("registers the built-in datasets at start, and returns the existing one when asked again", async () => {
    await api.server.services.datasets.seedBuiltins();
    const data = await api.query<{ datasets: { totalCount: number; nodes: DatasetView[] } }>(
      `{ datasets { totalCount nodes { ${DATASET_FIELDS} } } }`,
    );
    const mnist = data.datasets.nodes.find((d) => d.location === "mnist")!;
    const splits = await loadDataset("mnist");
    expect(mnist).toMatchObject({
      sourceKind: "BUILTIN",
      format: "BUILTIN",
      imageShape: [28, 28, 1],
      classes: [...splits.test.classNames],
      trainSize: splits.train.size,
      validationSize: splits.validation!.size,
      testSize: splits.test.size,
    });
    expect(data.datasets.nodes.map((d) => d.location)).toEqual(
      expect.arrayContaining(["mnist", "shapes-tint", "shapes-isoluminant"]),
    );
    expect((await builtin("mnist")).id).toBe(mnist.id);
  });

  it("registers a real IDX folder uploaded as multipart/form-data", async () => {
    const id = await uploadId(await mnistIdxFiles(300, 100));
    const data = await api.query<{ registerDataset: DatasetView }>(
      `mutation R($id: ID!) { registerDataset(input: { uploadId: $id, name: "digits" }) { ${DATASET_FIELDS} } }`,
      { id },
    );
    expect(data.registerDataset).toMatchObject({
      name: "digits",
      sourceKind: "UPLOAD",
      format: "IDX",
      imageShape: [28, 28, 1],
      trainSize: 300,
      testSize: 100,
      validationSize: null,
    });
    expect(data.registerDataset.classes).toHaveLength(10);
    // The files now belong to the dataset; the upload is used up.
    expect(listDir(path.join(api.dataDir, "uploads"))).toEqual([]);
    const again = await api.request(
      `mutation R($id: ID!) { registerDataset(input: { uploadId: $id }) { id } }`,
      {
        id,
      },
    );
    expect(again.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("refuses a server folder outside CARVE_ALLOWED_PATHS with FORBIDDEN_PATH", async () => {
    const dir = await writeFiles(path.join(outside, "idx"), await mnistIdxFiles(50, 20));
    const result = await api.request(
      `mutation R($p: String!) { registerDataset(input: { path: $p }) { id } }`,
      {
        p: dir,
      },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN_PATH", argument: "input.path" });
    const model = await api.request(`mutation R($p: String!) { registerModel(input: { path: $p }) { id } }`, {
      p: outside,
    });
    expect(model.errors?.[0]?.extensions?.code).toBe("FORBIDDEN_PATH");
  });

  it("rejects an upload that is not a dataset, naming why, and deletes its files", async () => {
    const id = await uploadId(new Map([["notes.txt", "not images"]]));
    const result = await api.request(
      `mutation R($id: ID!) { registerDataset(input: { uploadId: $id }) { id } }`,
      {
        id,
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("INVALID_DATA");
    expect(result.errors?.[0]?.message).toMatch(/not a dataset directory/);
    expect(listDir(path.join(api.dataDir, "uploads"))).toEqual([]);
    const owned = listDir(path.join(api.dataDir, "datasets"));
    expect(owned).toHaveLength(1); // only the IDX upload registered above
  });

  it("validates registerDataset's input with codes", async () => {
    const both = await api.request(
      `mutation { registerDataset(input: { builtin: "mnist", path: "/x" }) { id } }`,
    );
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "input" });
    const unknown = await api.request(`mutation { registerDataset(input: { builtin: "imagenet" }) { id } }`);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const missing = await api.request(`{ dataset(id: "nope") { id } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});

describe("uploads and registerModel", () => {
  it("registers a real saved model uploaded as multipart/form-data, with its files kept by the server", async () => {
    const mnist = await builtin("mnist");
    const id = await uploadId(mnistModelFiles());
    const data = await api.query<{
      registerModel: {
        id: string;
        name: string;
        dataset: string;
        uploaded: boolean;
        layers: Array<{ name: string }>;
      };
    }>(
      `mutation R($id: ID!, $d: ID!) {
        registerModel(input: { uploadId: $id, datasetId: $d, name: "uploaded mnist" }) {
          id name dataset uploaded layers { name }
        }
      }`,
      { id, d: mnist.id },
    );
    expect(data.registerModel.name).toBe("uploaded mnist");
    expect(data.registerModel.dataset).toBe("mnist");
    expect(data.registerModel.uploaded).toBe(true);
    expect(data.registerModel.layers.map((l) => l.name)).toContain("conv1");
    expect(listDir(path.join(api.dataDir, "models"))).toEqual([data.registerModel.id]);
    expect(listDir(path.join(api.dataDir, "uploads"))).toEqual([]);

    // Registered with a dataset it fits, the model is queued for evaluation on its test split (behind the
    // built-in datasets' evaluations); asking for the same evaluation moves it to the front.
    const asked = await api.query<{ evaluateModel: { status: string; split: string } }>(
      `mutation E($m: ID!, $d: ID!) { evaluateModel(input: { modelId: $m, datasetId: $d }) { status split } }`,
      { m: data.registerModel.id, d: mnist.id },
    );
    expect(asked.evaluateModel.split).toBe("TEST");
    type Evaluations = {
      model: {
        evaluations: Array<{
          status: string;
          split: string;
          accuracy: number | null;
          images: number | null;
          perClass: Array<{ images: number; correct: number; accuracy: number | null }>;
          dataset: { id: string };
        }>;
      };
    };
    let evaluations: Evaluations["model"]["evaluations"] = [];
    for (let attempt = 0; attempt < 120; attempt++) {
      const result = await api.query<Evaluations>(
        `query E($id: ID!) { model(id: $id) { evaluations {
          status split accuracy images perClass { images correct accuracy } dataset { id }
        } } }`,
        { id: data.registerModel.id },
      );
      evaluations = result.model.evaluations.filter((e) => e.dataset.id === mnist.id);
      if (
        evaluations.length > 0 &&
        evaluations.every((e) => e.status === "SUCCEEDED" || e.status === "FAILED")
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const splits = await loadDataset("mnist");
    const model = await loadModel(MNIST_DIR);
    try {
      const expected = await evaluate(model, splits.test);
      expect(evaluations[0]).toMatchObject({ status: "SUCCEEDED", split: "TEST", images: splits.test.size });
      expect(evaluations[0]!.accuracy).toBeCloseTo(expected.accuracy, 10);
      expect(evaluations[0]!.perClass.map((c) => c.correct)).toEqual(expected.perClass.map((c) => c.correct));
    } finally {
      model.dispose();
    }
  });

  it("rejects a broken model upload with the reason and leaves nothing behind", async () => {
    const before = await api.query<{ models: { totalCount: number } }>("{ models { totalCount } }");
    const models = listDir(path.join(api.dataDir, "models"));
    const files = mnistModelFiles();
    files.set("weights.bin", files.get("weights.bin")!.subarray(0, 1000)); // truncated shard
    const id = await uploadId(files);
    const result = await api.request(
      `mutation R($id: ID!) { registerModel(input: { uploadId: $id }) { id } }`,
      {
        id,
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("INVALID_MODEL");
    expect(result.errors?.[0]?.message).toMatch(/truncated/);
    const after = await api.query<{ models: { totalCount: number } }>("{ models { totalCount } }");
    expect(after.models.totalCount).toBe(before.models.totalCount);
    expect(listDir(path.join(api.dataDir, "models"))).toEqual(models);
    expect(listDir(path.join(api.dataDir, "uploads"))).toEqual([]);
  });

  it("refuses an upload over CARVE_MAX_UPLOAD_MB with 413 and keeps nothing", async () => {
    const big = Buffer.alloc((MAX_UPLOAD_MB + 1) * 1024 * 1024, 7);
    const response = await upload(new Map([["big.bin", big]]));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.error.message).toMatch(/CARVE_MAX_UPLOAD_MB/);
    expect(listDir(path.join(api.dataDir, "uploads"))).toEqual([]);
  });

  it("refuses file names that leave the upload folder", async () => {
    const response = await upload(new Map([["../escape.json", "{}"]]));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("INVALID_ARGUMENT");
    expect(existsSync(path.join(api.dataDir, "escape.json"))).toBe(false);
    expect(listDir(path.join(api.dataDir, "uploads"))).toEqual([]);
  });
});

describe("whatIf", () => {
  const WHAT_IF = `
    query W($model: ID!, $removed: [LayerFilters!]!, $images: Int) {
      whatIf(modelId: $model, removed: $removed, images: $images) {
        images removedCount baseAccuracy accuracy accuracyDrop cached
        removed { layer filters }
        perClass { classIndex images baseAccuracy accuracy drop }
      }
    }`;
  type WhatIfView = {
    whatIf: {
      images: number;
      removedCount: number;
      baseAccuracy: number;
      accuracy: number;
      accuracyDrop: number;
      cached: boolean;
      removed: Array<{ layer: string; filters: number[] }>;
      perClass: Array<{ classIndex: number; images: number; accuracy: number | null }>;
    };
  };

  it("equals core's evaluate of removeFilters on the same sample, then answers from its cache", async () => {
    const modelId = await mnistModelId();
    const removed = [{ layer: "conv2", filters: [5, 1, 9] }];
    const first = await api.query<WhatIfView>(WHAT_IF, { model: modelId, removed, images: 500 });
    const model = await loadModel(MNIST_DIR);
    const sample = stratifiedSample(evaluationSet(await loadDataset("mnist"), "selection"), 500, 0);
    const pruned = await removeFilters(model, new Map([["conv2", new Set([1, 5, 9])]]));
    try {
      const expected = await evaluate(pruned, sample);
      const base = await evaluate(model, sample);
      expect(first.whatIf).toMatchObject({
        images: 500,
        removedCount: 3,
        accuracy: expected.accuracy,
        baseAccuracy: base.accuracy,
        cached: false,
        removed: [{ layer: "conv2", filters: [1, 5, 9] }],
      });
      expect(first.whatIf.accuracyDrop).toBeCloseTo(base.accuracy - expected.accuracy, 12);
      expect(first.whatIf.perClass.map((c) => c.accuracy)).toEqual(
        expected.perClass.map((c) => (Number.isNaN(c.accuracy) ? null : c.accuracy)),
      );
    } finally {
      pruned.dispose();
      model.dispose();
    }
    const again = await api.query<WhatIfView>(WHAT_IF, {
      model: modelId,
      removed: [{ layer: "conv2", filters: [9, 5, 1] }],
      images: 500,
    });
    expect(again.whatIf.cached).toBe(true);
    expect(again.whatIf.accuracy).toBe(first.whatIf.accuracy);
  });

  it("answers bad requests with codes naming the argument", async () => {
    const modelId = await mnistModelId();
    const unknownLayer = await api.request(WHAT_IF, {
      model: modelId,
      removed: [{ layer: "nope", filters: [0] }],
    });
    expect(unknownLayer.errors?.[0]?.extensions).toMatchObject({
      code: "INVALID_ARGUMENT",
      argument: "removed",
    });
    expect(unknownLayer.errors?.[0]?.message).toMatch(/prunable layers: conv1, conv2/);
    const outOfRange = await api.request(WHAT_IF, {
      model: modelId,
      removed: [{ layer: "conv1", filters: [99] }],
    });
    expect(outOfRange.errors?.[0]?.extensions?.code).toBe("INVALID_ARGUMENT");
    const unknownModel = await api.request(WHAT_IF, { model: "nope", removed: [] });
    expect(unknownModel.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", argument: "modelId" });
    const tooMany = await api.request(WHAT_IF, { model: modelId, removed: [], images: 10_000_000 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "images" });
  });
});

describe("limits and CORS", () => {
  it("refuses a query deeper than CARVE_MAX_QUERY_DEPTH with QUERY_TOO_DEEP", async () => {
    const deep = `{ models { edges { node { layers { filters { edges { node {
      classImportances { className } } } } } } } } }`;
    const result = await api.request(deep);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_DEEP", maxDepth: 8 });
  });

  it("refuses a query above CARVE_MAX_QUERY_COMPLEXITY with QUERY_TOO_COMPLEX", async () => {
    const big = `{ models(first: 500) { nodes { layers { filters(first: 500) { nodes { index l1Norm } } } } } }`;
    const result = await api.request(big);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: "QUERY_TOO_COMPLEX",
      maxComplexity: 20_000,
    });
    const small = await api.request(
      `{ models(first: 5) { nodes { layers { filters(first: 20) { nodes { index l1Norm } } } } } }`,
    );
    expect(small.errors).toBeUndefined();
  });

  it("allows the dashboard's origin by default and no other", async () => {
    const preflight = (origin: string) =>
      fetch(api.url, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight("http://localhost:3000");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const other = await preflight("http://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
