/**
 * Exports over real HTTP, on real runs: CAR pruning of the shipped MNIST demo's conv1 (two steps over a small
 * sample) and an L1 run beside it, with a class-wise CAR analysis of the layer and labels of its filters. The
 * HTML must be self-contained (no URL but data: ones) and escape what users wrote; the CSV must parse back;
 * who may download is decided as for the API (members, share links covering every run).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertWorkspace } from "../../test-utils/databases.js";
import { type RequestAs, type TestServer, startTestServer } from "../../test-utils/test-server.js";
import { CSV_COLUMNS } from "./export.csv.js";
import type { ExportReport } from "./export.service.js";

let api: TestServer;
let origin: string;
let modelA: string;
let carRun: string;
let l1Run: string;
let outsider: RequestAs;
let viewer: RequestAs;

/** A label with the characters HTML and CSV must both escape. */
const LABEL = `<script>alert("x"), 1</script>`;

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

async function get(path: string, who: RequestAs = { token: api.ownerToken }): Promise<Response> {
  return fetch(`${origin}${path}`, { headers: api.headers(who) });
}

/** Polls a run or an analysis until it succeeds; fails with its error if it ends otherwise. */
async function waitFor(field: "pruningRun" | "analysis", id: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const data = await api.query<Record<string, { status: string; error: unknown }>>(
      `query($id: ID!) { ${field}(id: $id) { status error { code message } } }`,
      { id },
    );
    const { status, error } = data[field]!;
    if (status === "SUCCEEDED") return;
    if (status !== "QUEUED" && status !== "RUNNING") {
      throw new Error(`${field} ${id} ended ${status}: ${JSON.stringify(error)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${field} ${id} did not finish in 5 minutes`);
}

async function share(kind: string, ids: string[]): Promise<{ token: string; id: string }> {
  const { createShareLink } = await api.query<{ createShareLink: { token: string; link: { id: string } } }>(
    `mutation($w: ID!, $t: ShareTargetInput!) { createShareLink(workspaceId: $w, target: $t) { token link { id } } }`,
    { w: api.workspaceId, t: { kind, ids } },
  );
  return { token: createShareLink.token, id: createShareLink.link.id };
}

beforeAll(async () => {
  api = await startTestServer({ env: { CARVE_SEED_DEMOS: true } });
  origin = new URL(api.url).origin;
  viewer = { token: await api.addMember("viewer@example.com", "VIEWER") };
  const workspaceB = await insertWorkspace(api.server.store.db, "workspace-b", "Team B");
  outsider = { token: await api.addMember("b@example.com", "OWNER", workspaceB) };
  const models = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
    "{ models { nodes { id name } } }",
  );
  modelA = models.models.nodes.find((m) => m.name === "mnist")!.id;

  const { startAnalysis } = await api.query<{ startAnalysis: { id: string } }>(
    "mutation($input: StartAnalysisInput!) { startAnalysis(input: $input) { id } }",
    { input: { modelId: modelA, layers: ["conv1"], maxImages: 100, classwise: true } },
  );
  await waitFor("analysis", startAnalysis.id);
  const start = async (criterion: string) =>
    (
      await api.query<{ startPruningRun: { id: string } }>(
        "mutation($input: StartPruningRunInput!) { startPruningRun(input: $input) { id } }",
        {
          input: {
            modelId: modelA,
            criterion,
            scope: "LAYER",
            layers: ["conv1"],
            target: { keep: 14 },
            maxSelectionImages: 100,
            maxTestImages: 100,
          },
        },
      )
    ).startPruningRun.id;
  carRun = await start("CAR");
  await waitFor("pruningRun", carRun);
  l1Run = await start("L1");
  await waitFor("pruningRun", l1Run);

  await api.query(
    `mutation($m: ID!, $b: String!) { annotateFilter(modelId: $m, layerName: "conv1", filterIndex: 3, kind: LABEL, body: $b) { id } }`,
    { m: modelA, b: LABEL },
  );
  await api.query(`mutation($r: ID!) { commentOnRun(runId: $r, body: "a <b>bold</b> claim") { id } }`, {
    r: carRun,
  });
}, 600_000);

afterAll(async () => {
  await api?.stop({ removeData: true });
});

describe("a run's export", () => {
  it("is a self-contained HTML page: inline chart and kernels, no URL but data:, every text escaped", async () => {
    const { pruningRun } = await api.query<{
      pruningRun: { exportUrls: { html: string; json: string; csv: string } };
    }>("query($id: ID!) { pruningRun(id: $id) { exportUrls { html json csv } } }", { id: carRun });
    expect(pruningRun.exportUrls.html).toBe(`/exports/runs/${carRun}.html`);
    const response = await get(pruningRun.exportUrls.html);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|@import|url\(/i);
    for (const [, url] of html.matchAll(/\b(?:src|href)="([^"]*)"/g))
      expect(url).toMatch(/^data:image\/png;base64,/);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;), 1&lt;/script&gt;");
    expect(html).toContain("a &lt;b&gt;bold&lt;/b&gt; claim");
    expect(html).toMatch(/<svg class="chart"[^>]*>.*<polyline/s);
    expect((html.match(/<img class="kernel" src="data:image\/png;base64,/g) ?? []).length).toBe(16);
    expect(html).toContain(carRun);
  });

  it("is JSON with the settings, steps, before/after, CAR scores, class importances and labels", async () => {
    const response = await get(`/exports/runs/${carRun}.json`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as ExportReport;
    expect(report.kind).toBe("run");
    const [exported] = report.runs;
    expect(exported!.run).toMatchObject({
      id: carRun,
      criterion: "CAR",
      status: "SUCCEEDED",
      layers: ["conv1"],
    });
    expect(exported!.steps.map((s) => s.step)).toEqual([1, 2]);
    expect(exported!.run.original!.params).toBeGreaterThan(exported!.run.final!.params);
    expect(exported!.filters).toHaveLength(16);
    expect(exported!.analyses).toHaveLength(1);
    const removed = exported!.filters.filter((f) => f.removedAtStep !== null);
    expect(removed.map((f) => `${f.layer}:${f.index}@${f.removedAtStep}`).sort()).toEqual(
      exported!.steps.flatMap((s) => s.removed.map((r) => `${r.layer}:${r.index}@${s.step}`)).sort(),
    );
    expect(exported!.filters.every((f) => f.car !== null || f.removedAtStep === null)).toBe(true);
    expect(exported!.filters.filter((f) => f.car).length).toBeGreaterThan(10);
    const ranks = exported!.filters.flatMap((f) => (f.car ? [f.car.rank] : []));
    expect(new Set(ranks).size).toBe(ranks.length);
    const scored = exported!.filters.find((f) => f.classImportances.length > 0)!;
    expect(scored.classImportances.map((c) => c.drop)).toEqual(
      [...scored.classImportances.map((c) => c.drop)].sort((a, b) => b - a),
    );
    expect(exported!.filters.find((f) => f.index === 3)!.label).toBe(LABEL);
    expect(exported!.comments).toEqual([expect.objectContaining({ body: "a <b>bold</b> claim" })]);
  });

  it("is CSV that parses back: one row per filter, with the label intact", async () => {
    const response = await get(`/exports/runs/${carRun}.csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    const json = (await (await get(`/exports/runs/${carRun}.json`)).json()) as ExportReport;
    const [header, ...rows] = parseCsv(await response.text());
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(16);
    const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    for (const row of rows) {
      expect(row).toHaveLength(CSV_COLUMNS.length);
      const filter = json.runs[0]!.filters.find((f) => f.index === Number(row[column("filter")]))!;
      expect(row[column("run")]).toBe(carRun);
      expect(row[column("model")]).toBe("mnist");
      expect(row[column("layer")]).toBe("conv1");
      expect(row[column("car_drop")]).toBe(filter.car ? String(filter.car.drop) : "");
      expect(row[column("car_rank")]).toBe(filter.car ? String(filter.car.rank) : "");
      expect(row[column("removed_at_step")]).toBe(
        filter.removedAtStep === null ? "" : String(filter.removedAtStep),
      );
      expect(row[column("label")]).toBe(filter.label ?? "");
      if (filter.classImportances.length > 0) {
        expect(row[column("top_classes")]).toMatch(/^\S+ \(-?\d\.\d{4}\)(; \S+ \(-?\d\.\d{4}\)){2}$/);
      }
    }
    expect(rows.find((r) => r[column("filter")] === "3")![column("label")]).toBe(LABEL);
  });
});

describe("a comparison's export", () => {
  it("puts the runs side by side in HTML, JSON and CSV", async () => {
    const query = `?runs=${carRun},${l1Run}`;
    const html = await (await get(`/exports/comparison.html${query}`)).text();
    expect(html).toContain(carRun);
    expect(html).toContain(l1Run);
    expect(html).not.toMatch(/https?:\/\//);
    const json = (await (await get(`/exports/comparison.json${query}`)).json()) as ExportReport;
    expect(json.kind).toBe("comparison");
    expect(json.runs.map((r) => r.run.id)).toEqual([carRun, l1Run]);
    const [, ...rows] = parseCsv(await (await get(`/exports/comparison.csv${query}`)).text());
    expect(rows).toHaveLength(32);
    expect((await get(`/exports/comparison.csv?runs=${carRun}`)).status).toBe(400);
    expect((await get(`/exports/comparison.csv?runs=${carRun},${carRun}`)).status).toBe(400);
  });

  it("has its URLs in GraphQL for runs the caller reads, and names what is wrong otherwise", async () => {
    const urls = "query($ids: [ID!]!) { comparisonExportUrls(runIds: $ids) { html json csv } }";
    const { comparisonExportUrls } = await api.query<{
      comparisonExportUrls: { html: string; json: string; csv: string };
    }>(urls, { ids: [l1Run, carRun] });
    expect(comparisonExportUrls.json).toBe(`/exports/comparison.json?runs=${l1Run},${carRun}`);
    const json = (await (await get(comparisonExportUrls.json)).json()) as ExportReport;
    expect(json.runs.map((r) => r.run.id)).toEqual([l1Run, carRun]);
    expect((await get(comparisonExportUrls.html)).status).toBe(200);

    const one = await api.request(urls, { ids: [carRun] });
    expect(one.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "runIds" });
    const twice = await api.request(urls, { ids: [carRun, carRun] });
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_ARGUMENT", argument: "runIds" });
    const hidden = await api.request(urls, { ids: [carRun, l1Run] }, outsider);
    expect(hidden.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const unknown = await api.request(urls, { ids: [carRun, "no-such-run"] });
    expect(unknown.errors?.[0]?.message).toBe(hidden.errors?.[0]?.message.replace(carRun, "no-such-run"));
  });
});

describe("who may download", () => {
  it("answers members, 401 without credentials, and 404 to another workspace and for unknown runs", async () => {
    const path = `/exports/runs/${carRun}.html`;
    expect((await get(path, viewer)).status).toBe(200);
    expect((await get(path, null)).status).toBe(401);
    const denied = await get(path, outsider);
    expect(denied.status).toBe(404);
    expect(await denied.json()).toEqual({
      error: { code: "NOT_FOUND", message: expect.stringContaining(carRun) },
    });
    expect((await get(`/exports/runs/no-such-run.csv`)).status).toBe(404);
    expect((await get(`/exports/runs/${carRun}.pdf`)).status).toBe(404);
    expect((await get(`/exports/comparison.json?runs=${carRun},${l1Run}`, outsider)).status).toBe(404);
  });

  it("answers a share link's holder for what it shares only, by header or ?share=, until revoked", async () => {
    const runLink = await share("RUN", [carRun]);
    expect((await get(`/exports/runs/${carRun}.csv`, { share: runLink.token })).status).toBe(200);
    expect((await fetch(`${origin}/exports/runs/${carRun}.html?share=${runLink.token}`)).status).toBe(200);
    // A token for another object: the other run, and a comparison that includes a run it does not share.
    expect((await get(`/exports/runs/${l1Run}.csv`, { share: runLink.token })).status).toBe(404);
    expect(
      (await get(`/exports/comparison.csv?runs=${carRun},${l1Run}`, { share: runLink.token })).status,
    ).toBe(404);
    const comparisonLink = await share("COMPARISON", [carRun, l1Run]);
    expect(
      (await get(`/exports/comparison.csv?runs=${carRun},${l1Run}`, { share: comparisonLink.token })).status,
    ).toBe(200);
    // A link to runs shares no analysis of their model (as over GraphQL): the report leaves CAR out; a link
    // to the model shares its analyses.
    const byRunLink = (await (
      await get(`/exports/runs/${carRun}.json`, { share: comparisonLink.token })
    ).json()) as ExportReport;
    expect(byRunLink.runs[0]!.analyses).toEqual([]);
    expect(byRunLink.runs[0]!.filters.every((f) => f.car === null && f.classImportances.length === 0)).toBe(
      true,
    );
    expect(byRunLink.runs[0]!.steps).toHaveLength(2);
    const modelLink = await share("MODEL", [modelA]);
    const byModelLink = await get(`/exports/runs/${l1Run}.json`, { share: modelLink.token });
    expect(byModelLink.status).toBe(200);
    expect(((await byModelLink.json()) as ExportReport).runs[0]!.analyses).toHaveLength(1);

    await api.query("mutation($id: ID!) { revokeShareLink(id: $id) { id } }", { id: runLink.id });
    expect((await get(`/exports/runs/${carRun}.csv`, { share: runLink.token })).status).toBe(404);
    expect((await fetch(`${origin}/exports/runs/${carRun}.csv?share=carve_shr_nonsense`)).status).toBe(404);
  });
});
