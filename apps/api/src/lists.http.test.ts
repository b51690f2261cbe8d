/**
 * Lists as connections over real HTTP: a layer's filters sorted by CAR, L1 norm and index, filtered by their
 * CAR score, paged with cursors that keep reading the analysis they started on; models sorted by name and
 * filtered by name and derivation; analyses filtered by status.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { threadWorkerRunner } from "./jobs/worker-runner.js";
import type { TopPatchesTask } from "./jobs/worker-protocol.js";
import { ANALYSIS_PROGRESS, type AnalysisView, START_ANALYSIS } from "./test-utils/graphql-documents.js";
import { type TestServer, startTestServer } from "./test-utils/test-server.js";

interface FilterNode {
  index: number;
  l1Norm: number;
  carScore: { drop: number; rank: number; analysisId: string } | null;
}
interface FilterPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: FilterNode[];
}

const FILTERS = `
  query F($id: ID!, $first: Int, $after: String, $orderBy: FilterOrder, $where: FilterWhere) {
    model(id: $id) {
      layer(name: "conv1") {
        filters(first: $first, after: $after, orderBy: $orderBy, where: $where) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { index l1Norm carScore { drop rank analysisId } }
        }
      }
    }
  }`;

let api: TestServer;
let modelId: string;
let firstAnalysis: string;
/** The top-patches tasks the workers were given. */
const patchTasks: TopPatchesTask[] = [];

async function filters(variables: Record<string, unknown>): Promise<FilterPage> {
  const data = await api.query<{ model: { layer: { filters: FilterPage } } }>(FILTERS, {
    id: modelId,
    ...variables,
  });
  return data.model.layer.filters;
}

/** Starts a CAR analysis of conv1 and waits for it to succeed. */
async function analyse(seed: number): Promise<string> {
  const { startAnalysis } = await api.query<{ startAnalysis: AnalysisView }>(START_ANALYSIS, {
    input: { modelId, layers: ["conv1"], maxImages: 150, seed, classwise: false },
  });
  const events = await api.subscribe<{ analysisProgress: AnalysisView }>(ANALYSIS_PROGRESS, {
    id: startAnalysis.id,
  });
  expect(events.at(-1)?.data?.analysisProgress.status).toBe("SUCCEEDED");
  return startAnalysis.id;
}

beforeAll(async () => {
  api = await startTestServer({
    worker: {
      ...threadWorkerRunner,
      topPatches: (task, options) => {
        patchTasks.push(task);
        return threadWorkerRunner.topPatches(task, options);
      },
    },
  });
  const data = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
    "{ models { nodes { id name } } }",
  );
  modelId = data.models.nodes.find((m) => m.name === "mnist")!.id;
  firstAnalysis = await analyse(1);
});

afterAll(async () => {
  await api?.stop({ removeData: true });
});

describe("a layer's filters", () => {
  it("sort by CAR rank both ways, by L1 norm and by index", async () => {
    const byCar = (await filters({ first: 50, orderBy: { field: "CAR", direction: "ASC" } })).nodes;
    expect(byCar).toHaveLength(16);
    expect(byCar.map((f) => f.carScore!.rank)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // Rank 1 is the least important: its drop is the smallest.
    const drops = byCar.map((f) => f.carScore!.drop);
    expect([...drops].sort((a, b) => a - b)).toEqual(drops);

    const byCarDesc = (await filters({ first: 50, orderBy: { field: "CAR", direction: "DESC" } })).nodes;
    expect(byCarDesc.map((f) => f.index)).toEqual(byCar.map((f) => f.index).reverse());

    const byL1 = (await filters({ first: 50, orderBy: { field: "L1_NORM", direction: "DESC" } })).nodes;
    const norms = byL1.map((f) => f.l1Norm);
    expect([...norms].sort((a, b) => b - a)).toEqual(norms);

    const byIndex = (await filters({ first: 50, orderBy: { field: "INDEX", direction: "DESC" } })).nodes;
    expect(byIndex.map((f) => f.index)).toEqual(Array.from({ length: 16 }, (_, i) => 15 - i));
  });

  it("filter by CAR drop below/above, rank ≤ k and having a score, with totals of the filtered list", async () => {
    const all = (await filters({ first: 50, orderBy: { field: "CAR", direction: "ASC" } })).nodes;
    const median = all[8]!.carScore!.drop;

    const low = await filters({ first: 50, where: { carDropBelow: median } });
    const expectedLow = all.filter((f) => f.carScore!.drop < median).map((f) => f.index);
    expect(low.nodes.map((f) => f.index).sort((a, b) => a - b)).toEqual(expectedLow.sort((a, b) => a - b));
    expect(low.totalCount).toBe(expectedLow.length);

    const high = await filters({ first: 50, where: { carDropAbove: median } });
    expect(high.nodes.every((f) => f.carScore!.drop > median)).toBe(true);
    expect(high.totalCount).toBe(all.filter((f) => f.carScore!.drop > median).length);

    const lowest5 = await filters({ first: 50, where: { maxRank: 5 }, orderBy: { field: "CAR" } });
    expect(lowest5.nodes.map((f) => f.carScore!.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(lowest5.totalCount).toBe(5);

    expect((await filters({ first: 50, where: { hasCarScore: true } })).totalCount).toBe(16);
    expect((await filters({ first: 50, where: { hasCarScore: false } })).totalCount).toBe(0);

    const bad = await api.request(FILTERS, { id: modelId, where: { maxRank: 0 } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: "INVALID_ARGUMENT",
      argument: "where.maxRank",
    });
  });

  it("pages with cursors that keep the analysis they started on, even after a newer one finishes", async () => {
    const order = { field: "CAR", direction: "ASC" };
    const first = await filters({ first: 6, orderBy: order });
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.nodes.every((f) => f.carScore!.analysisId === firstAnalysis)).toBe(true);

    const newer = await analyse(2);
    // Without a cursor the newest analysis is read...
    const fresh = await filters({ first: 1, orderBy: order });
    expect(fresh.nodes[0]!.carScore!.analysisId).toBe(newer);

    // ...but the cursor of the first page goes on in the analysis it was read from.
    const pages: FilterNode[][] = [first.nodes];
    let after = first.pageInfo.endCursor;
    for (let page = await filters({ first: 6, after, orderBy: order }); ;) {
      pages.push(page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      page = await filters({ first: 6, after, orderBy: order });
    }
    const walked = pages.flat();
    expect(walked.map((f) => f.carScore!.rank)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(walked.every((f) => f.carScore!.analysisId === firstAnalysis)).toBe(true);

    const bad = await api.request(FILTERS, { id: modelId, after: "not-a-cursor" });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "after" });
  });
});

describe("Filter.topPatches", () => {
  const PATCHES = `
    query P($id: ID!) {
      model(id: $id) {
        layer(name: "conv1") {
          filters(first: 4) {
            nodes { index topPatches(k: 3, images: 200) { rank imageIndex className activation box { height width } image } }
          }
        }
      }
    }`;
  type View = {
    model: {
      layer: {
        filters: {
          nodes: Array<{
            index: number;
            topPatches: Array<{ rank: number; activation: number; image: string; box: { height: number } }>;
          }>;
        };
      };
    };
  };

  it("computes a page of filters' patches in one worker task, then answers from the cache", async () => {
    const before = patchTasks.length;
    const data = await api.query<View>(PATCHES, { id: modelId });
    const nodes = data.model.layer.filters.nodes;
    expect(nodes).toHaveLength(4);
    for (const node of nodes) {
      expect(node.topPatches.map((p) => p.rank)).toEqual([0, 1, 2]);
      const activations = node.topPatches.map((p) => p.activation);
      expect([...activations].sort((a, b) => b - a)).toEqual(activations);
      expect(node.topPatches[0]!.image).toMatch(/^data:image\/png;base64,/);
      expect(node.topPatches[0]!.box.height).toBe(3); // conv1's 3×3 receptive field
    }
    expect(patchTasks.length - before).toBe(1);
    expect(patchTasks.at(-1)!.filters).toEqual([0, 1, 2, 3]);

    const again = await api.query<View>(PATCHES, { id: modelId });
    expect(again).toEqual(data);
    expect(patchTasks.length - before).toBe(1);

    const bad = await api.request(
      `query B($id: ID!) { model(id: $id) { layer(name: "conv1") { filters(first: 1) { nodes { topPatches(k: 0) { rank } } } } } }`,
      { id: modelId },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "k" });
  });
});

describe("models and analyses", () => {
  const MODELS = `
    query M($first: Int, $after: String, $orderBy: ModelOrder, $where: ModelWhere) {
      models(first: $first, after: $after, orderBy: $orderBy, where: $where) {
        totalCount pageInfo { hasNextPage endCursor } nodes { name }
      }
    }`;
  type ModelsView = {
    models: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: Array<{ name: string }>;
    };
  };

  it("sort by name and creation, filter by name and derivation, and page", async () => {
    const all = (await api.query<ModelsView>(MODELS, { orderBy: { field: "NAME" } })).models;
    const names = all.nodes.map((m) => m.name);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    const desc = (await api.query<ModelsView>(MODELS, { orderBy: { field: "NAME", direction: "DESC" } }))
      .models;
    expect(desc.nodes.map((m) => m.name)).toEqual([...names].reverse());

    const mnists = (await api.query<ModelsView>(MODELS, { where: { nameContains: "MNI" } })).models;
    expect(mnists.nodes.map((m) => m.name).sort()).toEqual(names.filter((n) => /mni/i.test(n)).sort());
    expect(mnists.totalCount).toBeGreaterThanOrEqual(1);
    // A LIKE wildcard in the text is matched literally.
    expect((await api.query<ModelsView>(MODELS, { where: { nameContains: "%" } })).models.totalCount).toBe(0);

    expect((await api.query<ModelsView>(MODELS, { where: { derived: true } })).models.totalCount).toBe(0);
    expect((await api.query<ModelsView>(MODELS, { where: { derived: false } })).models.totalCount).toBe(
      all.totalCount,
    );

    const page1 = (await api.query<ModelsView>(MODELS, { first: 1, orderBy: { field: "NAME" } })).models;
    const page2 = (
      await api.query<ModelsView>(MODELS, {
        first: 1,
        after: page1.pageInfo.endCursor,
        orderBy: { field: "NAME" },
      })
    ).models;
    expect([...page1.nodes, ...page2.nodes].map((m) => m.name)).toEqual(names.slice(0, 2));
  });

  it("filter a model's analyses by status", async () => {
    const ANALYSES = `
      query A($id: ID!, $status: [AnalysisStatus!]) {
        model(id: $id) { analyses(status: $status) { totalCount nodes { status } } }
      }`;
    type View = { model: { analyses: { totalCount: number; nodes: Array<{ status: string }> } } };
    const succeeded = await api.query<View>(ANALYSES, { id: modelId, status: ["SUCCEEDED"] });
    expect(succeeded.model.analyses.totalCount).toBe(2);
    expect(succeeded.model.analyses.nodes.every((a) => a.status === "SUCCEEDED")).toBe(true);
    const failed = await api.query<View>(ANALYSES, { id: modelId, status: ["FAILED", "CANCELLED"] });
    expect(failed.model.analyses.totalCount).toBe(0);
    const none = await api.query<View>(ANALYSES, { id: modelId, status: [] });
    expect(none.model.analyses.totalCount).toBe(0);
  });
});
