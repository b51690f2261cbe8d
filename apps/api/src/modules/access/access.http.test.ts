/**
 * Authorization over real HTTP and WebSocket: every role of a workspace against every kind of operation, and
 * everyone else (a member of another workspace, a request without credentials, a share link's holder)
 * against the same ids. Another workspace's ids answer NOT_FOUND exactly like ids that do not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertWorkspace } from "../../test-utils/databases.js";
import { ANALYSIS_FIELDS, START_ANALYSIS } from "../../test-utils/graphql-documents.js";
import {
  type GraphQLResponse,
  type RequestAs,
  type TestServer,
  startTestServer,
} from "../../test-utils/test-server.js";

let api: TestServer;
/** Workspace A (the default one) and its mnist demo, one cancelled analysis and one cancelled run of it. */
let modelA: string;
let otherModelA: string;
let analysisA: string;
let runA: string;
/** Workspace B, with its own copy of the mnist demo. */
let workspaceB: string;
let modelB: string;
const tokens: Record<"owner" | "editor" | "viewer" | "outsider", string> = {
  owner: "",
  editor: "",
  viewer: "",
  outsider: "",
};

type Outcome = "ALLOWED" | "FORBIDDEN" | "NOT_FOUND" | "UNAUTHENTICATED";

/** What a response says about access: ALLOWED unless it failed for an access reason. */
function outcome(response: GraphQLResponse): Outcome {
  const error = response.errors?.[0];
  if (!error) return "ALLOWED";
  const code = error.extensions?.code;
  if (code === "UNAUTHENTICATED" || code === "FORBIDDEN") return code;
  // NOT_FOUND of the id asked about (not, say, of a layer name inside an allowed request).
  if (
    code === "NOT_FOUND" &&
    /^no (model|pruning run|analysis|dataset|workspace) with id/.test(error.message)
  )
    return "NOT_FOUND";
  return "ALLOWED";
}

interface Operation {
  name: string;
  write: boolean;
  query: string;
  variables: () => Record<string, unknown>;
}

const OPERATIONS: Operation[] = [
  {
    name: "model",
    write: false,
    query: "query($id: ID!) { model(id: $id) { id } }",
    variables: () => ({ id: modelA }),
  },
  {
    name: "analysis",
    write: false,
    query: "query($id: ID!) { analysis(id: $id) { id } }",
    variables: () => ({ id: analysisA }),
  },
  {
    name: "pruningRun",
    write: false,
    query: "query($id: ID!) { pruningRun(id: $id) { id } }",
    variables: () => ({ id: runA }),
  },
  {
    // An empty name is refused after the access check (INVALID_ARGUMENT): nothing changes either way.
    name: "renameModel",
    write: true,
    query: 'mutation($id: ID!) { renameModel(id: $id, name: "") { id } }',
    variables: () => ({ id: modelA }),
  },
  {
    name: "startAnalysis",
    write: true,
    query: `mutation($input: StartAnalysisInput!) { startAnalysis(input: $input) { id } }`,
    variables: () => ({ input: { modelId: modelA, maxImages: -1 } }),
  },
  {
    name: "cancelAnalysis",
    write: true,
    query: "mutation($id: ID!) { cancelAnalysis(id: $id) { id } }",
    variables: () => ({ id: analysisA }),
  },
  {
    name: "startPruningRun",
    write: true,
    query: "mutation($input: StartPruningRunInput!) { startPruningRun(input: $input) { id } }",
    variables: () => ({ input: { modelId: modelA, layers: ["no_such_layer"], target: { keep: 1 } } }),
  },
  {
    name: "cancelRun",
    write: true,
    query: "mutation($id: ID!) { cancelRun(id: $id) { id } }",
    variables: () => ({ id: runA }),
  },
  {
    name: "evaluateModel",
    write: true,
    query: "mutation($input: EvaluateModelInput!) { evaluateModel(input: $input) { status } }",
    variables: () => ({ input: { modelId: modelA, maxImages: -1 } }),
  },
  {
    name: "registerDemoModel",
    write: true,
    query: 'mutation($w: ID!) { registerDemoModel(name: "mnist", workspaceId: $w) { id } }',
    variables: () => ({ w: api.workspaceId }),
  },
];

beforeAll(async () => {
  api = await startTestServer({ env: { CARVE_SEED_DEMOS: true } });
  tokens.owner = api.ownerToken;
  tokens.editor = await api.addMember("editor@example.com", "EDITOR");
  tokens.viewer = await api.addMember("viewer@example.com", "VIEWER");
  workspaceB = await insertWorkspace(api.server.store.db, "workspace-b", "Team B");
  tokens.outsider = await api.addMember("b@example.com", "OWNER", workspaceB);

  const models = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
    "{ models { nodes { id name } } }",
  );
  modelA = models.models.nodes.find((m) => m.name === "mnist")!.id;
  otherModelA = models.models.nodes.find((m) => m.name !== "mnist")!.id;
  const { registerDemoModel } = await api.query<{ registerDemoModel: { id: string } }>(
    'mutation($w: ID!) { registerDemoModel(name: "mnist", workspaceId: $w) { id } }',
    { w: workspaceB },
    { token: tokens.outsider },
  );
  modelB = registerDemoModel.id;

  const { startAnalysis } = await api.query<{ startAnalysis: { id: string } }>(START_ANALYSIS, {
    input: { modelId: modelA, layers: ["conv1"], maxImages: 50 },
  });
  analysisA = startAnalysis.id;
  await api.query(`mutation($id: ID!) { cancelAnalysis(id: $id) { ${ANALYSIS_FIELDS} } }`, { id: analysisA });
  const { startPruningRun } = await api.query<{ startPruningRun: { id: string } }>(
    "mutation($input: StartPruningRunInput!) { startPruningRun(input: $input) { id } }",
    { input: { modelId: modelA, layers: ["conv1"], target: { keep: 12 }, maxSelectionImages: 50 } },
  );
  runA = startPruningRun.id;
  await api.query("mutation($id: ID!) { cancelRun(id: $id) { id } }", { id: runA });
}, 120_000);

afterAll(async () => {
  await api?.stop({ removeData: true });
});

describe("roles of the workspace", () => {
  const EXPECTED: Record<"owner" | "editor" | "viewer", (op: Operation) => Outcome> = {
    owner: () => "ALLOWED",
    editor: () => "ALLOWED",
    viewer: (op) => (op.write ? "FORBIDDEN" : "ALLOWED"),
  };

  for (const role of ["owner", "editor", "viewer"] as const) {
    it(`lets the ${role} do what the role allows, and answers FORBIDDEN naming the role otherwise`, async () => {
      const seen: Record<string, Outcome> = {};
      const wanted: Record<string, Outcome> = {};
      for (const op of OPERATIONS) {
        const response = await api.request(op.query, op.variables(), { token: tokens[role] });
        seen[op.name] = outcome(response);
        wanted[op.name] = EXPECTED[role](op);
        if (seen[op.name] === "FORBIDDEN") {
          expect(response.errors![0]!.message).toContain("your role in this workspace is VIEWER");
        }
      }
      expect(seen).toEqual(wanted);
    });
  }
});

describe("everyone else", () => {
  it("answers a member of another workspace NOT_FOUND for every operation, as for an unknown id", async () => {
    for (const op of OPERATIONS) {
      const response = await api.request(op.query, op.variables(), { token: tokens.outsider });
      expect([op.name, outcome(response)]).toEqual([op.name, "NOT_FOUND"]);
    }
    const unknown = await api.request("query($id: ID!) { model(id: $id) { id } }", { id: "no-such-id" });
    const foreign = await api.request(
      "query($id: ID!) { model(id: $id) { id } }",
      { id: modelA },
      { token: tokens.outsider },
    );
    expect(foreign.errors![0]!.message).toBe(unknown.errors![0]!.message.replace("no-such-id", modelA));
  });

  it("answers a request without credentials UNAUTHENTICATED for every operation", async () => {
    for (const op of OPERATIONS) {
      const response = await api.request(op.query, op.variables(), null);
      expect([op.name, outcome(response)]).toEqual([op.name, "UNAUTHENTICATED"]);
    }
    const list = await api.request("{ models { totalCount } }", {}, null);
    expect(list.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("lists only the caller's workspaces' models, runs and datasets", async () => {
    const listOf = async (token: string) =>
      api.query<{
        models: { nodes: Array<{ id: string; workspaceId: string }> };
        pruningRuns: { nodes: Array<{ id: string }> };
        datasets: { nodes: Array<{ workspaceId: string | null }> };
      }>(
        "{ models { nodes { id workspaceId } } pruningRuns { nodes { id } } datasets { nodes { workspaceId } } }",
        {},
        {
          token,
        },
      );
    const a = await listOf(tokens.viewer);
    expect(a.models.nodes.map((m) => m.id)).toContain(modelA);
    expect(a.models.nodes.every((m) => m.workspaceId === api.workspaceId)).toBe(true);
    expect(a.pruningRuns.nodes.map((r) => r.id)).toContain(runA);
    const b = await listOf(tokens.outsider);
    expect(b.models.nodes.map((m) => m.id)).toEqual([modelB]);
    expect(b.pruningRuns.nodes).toEqual([]);
    // Built-in datasets (no workspace) are everyone's.
    expect(b.datasets.nodes.every((d) => d.workspaceId === null)).toBe(true);
    const asked = await api.request(
      "query($w: ID!) { models(workspaceId: $w) { totalCount } }",
      { w: api.workspaceId },
      {
        token: tokens.outsider,
      },
    );
    expect(asked.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("refuses subscriptions to another workspace's analyses and runs, and without credentials", async () => {
    const runProgress = "subscription($id: ID!) { pruningProgress(runId: $id) { kind } }";
    const analysisProgress = "subscription($id: ID!) { analysisProgress(id: $id) { status } }";
    const codeOf = async (query: string, id: string, as: RequestAs) => {
      const results = await api
        .subscribe(query, { id }, undefined, as)
        .catch((error: unknown) => [
          { errors: (Array.isArray(error) ? error : [error]) as GraphQLResponse["errors"] },
        ]);
      return results[0]?.errors?.[0]?.extensions?.code ?? "OK";
    };
    expect(await codeOf(runProgress, runA, { token: tokens.outsider })).toBe("NOT_FOUND");
    expect(await codeOf(analysisProgress, analysisA, { token: tokens.outsider })).toBe("NOT_FOUND");
    expect(await codeOf(runProgress, runA, null)).toBe("UNAUTHENTICATED");
    expect(await codeOf(runProgress, runA, { token: tokens.viewer })).toBe("OK");
  });

  it("lets only editors upload, and only the uploader register the upload", async () => {
    const upload = (as: RequestAs) => {
      const form = new FormData();
      form.append("file", new Blob(["{}"]), "model.json");
      return fetch(api.url.replace(/\/graphql$/, "/uploads"), {
        method: "POST",
        body: form,
        headers: api.headers(as),
      });
    };
    expect((await upload(null)).status).toBe(401);
    expect((await upload({ token: tokens.viewer })).status).toBe(403);
    const response = await upload({ token: tokens.editor });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const register = "mutation($id: ID!) { registerModel(input: { uploadId: $id }) { id } }";
    const stolen = await api.request(register, { id }, { token: tokens.owner });
    expect(stolen.errors?.[0]).toMatchObject({ extensions: { code: "NOT_FOUND" } });
    expect(stolen.errors![0]!.message).toContain("no upload with id");
  });

  it("guards downloads like queries: 401 without credentials, 404 for another workspace's models", async () => {
    const download = (id: string, as: RequestAs) =>
      fetch(api.url.replace(/\/graphql$/, `/artifacts/${id}/model.json`), { headers: api.headers(as) });
    expect((await download(modelA, null)).status).toBe(401);
    expect((await download(modelA, { token: tokens.outsider })).status).toBe(404);
    expect((await download(modelB, { token: tokens.viewer })).status).toBe(404);
  });

  it("never lets anyone change a built-in dataset", async () => {
    const { datasets } = await api.query<{
      datasets: { nodes: Array<{ id: string; workspaceId: string | null }> };
    }>("{ datasets { nodes { id workspaceId } } }");
    const builtin = datasets.nodes.find((d) => d.workspaceId === null);
    if (!builtin) return; // the built-in datasets are read in the background; none yet on a slow machine
    const response = await api.request("mutation($id: ID!) { deleteDataset(id: $id) { id } }", {
      id: builtin.id,
    });
    expect(response.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("share links", () => {
  async function share(
    target: { kind: "MODEL" | "RUN" | "COMPARISON"; ids: string[] },
    workspaceId = api.workspaceId,
  ) {
    const identity = await api.server.teams.auth.authenticate({
      bearerToken: workspaceId === api.workspaceId ? tokens.owner : tokens.outsider,
    });
    return api.server.teams.shares.create(identity, workspaceId, { target });
  }

  it("reads exactly what a model link shares, and changes nothing", async () => {
    const { token } = await share({ kind: "MODEL", ids: [modelA] });
    const as = { share: token };
    const read = await api.query<{ model: { id: string; runs: { nodes: Array<{ id: string }> } } }>(
      "query($id: ID!) { model(id: $id) { id runs { nodes { id } } } }",
      { id: modelA },
      as,
    );
    expect(read.model.runs.nodes.map((r) => r.id)).toContain(runA);
    expect(
      outcome(await api.request("query($id: ID!) { model(id: $id) { id } }", { id: otherModelA }, as)),
    ).toBe("NOT_FOUND");
    expect(outcome(await api.request("query($id: ID!) { model(id: $id) { id } }", { id: modelB }, as))).toBe(
      "NOT_FOUND",
    );
    const listed = await api.query<{ models: { nodes: Array<{ id: string }> } }>(
      "{ models { nodes { id } } }",
      {},
      as,
    );
    expect(listed.models.nodes.map((m) => m.id)).toEqual([modelA]);
    for (const op of OPERATIONS.filter((o) => o.write)) {
      expect([op.name, outcome(await api.request(op.query, op.variables(), as))]).toEqual([
        op.name,
        "FORBIDDEN",
      ]);
    }
  });

  it("shows a shared run and its model, but not the model's other runs or analyses", async () => {
    const { token } = await share({ kind: "RUN", ids: [runA] });
    const as = { share: token };
    const run = await api.query<{
      pruningRun: {
        model: { id: string; analyses: { totalCount: number }; runs: { nodes: Array<{ id: string }> } };
      };
    }>(
      "query($id: ID!) { pruningRun(id: $id) { model { id analyses { totalCount } runs { nodes { id } } } } }",
      { id: runA },
      as,
    );
    expect(run.pruningRun.model).toEqual({
      id: modelA,
      analyses: { totalCount: 0 },
      runs: { nodes: [{ id: runA }] },
    });
    expect(
      outcome(await api.request("query($id: ID!) { analysis(id: $id) { id } }", { id: analysisA }, as)),
    ).toBe("NOT_FOUND");
  });

  it("refuses revoked links, another workspace's links for this one's ids, and links to foreign objects", async () => {
    const created = await share({ kind: "MODEL", ids: [modelA] });
    const identity = await api.server.teams.auth.authenticate({ bearerToken: tokens.owner });
    await api.server.teams.shares.revoke(identity, created.link.id);
    // A member whose browser still holds the dead link keeps reading their own workspace.
    const member = await api.request(
      "query($id: ID!) { model(id: $id) { id } }",
      { id: modelA },
      { token: tokens.viewer, share: created.token },
    );
    expect(member.errors).toBeUndefined();
    const revoked = await api.request(
      "query($id: ID!) { model(id: $id) { id } }",
      { id: modelA },
      { share: created.token },
    );
    expect(revoked.errors?.[0]?.message).toContain("unknown, revoked or expired");

    const fromB = await share({ kind: "MODEL", ids: [modelB] }, workspaceB);
    const crossed = await api.request(
      "query($id: ID!) { model(id: $id) { id } }",
      { id: modelA },
      { share: fromB.token },
    );
    expect(outcome(crossed)).toBe("NOT_FOUND");
    // A workspace cannot share what is not its own.
    await expect(share({ kind: "MODEL", ids: [modelA] }, workspaceB)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
