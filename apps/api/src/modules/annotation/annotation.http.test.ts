/**
 * Annotations over real HTTP: labels and comments written by every role of a workspace, a member of another
 * workspace, a request without credentials and a share link's holder; read back on filters, layers and runs by
 * members and by holders of a link to the model or run; another workspace's filters and runs answer NOT_FOUND.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertWorkspace } from "../../test-utils/databases.js";
import {
  type GraphQLResponse,
  type RequestAs,
  type TestServer,
  startTestServer,
} from "../../test-utils/test-server.js";

type Who = "owner" | "editor" | "viewer" | "outsider" | "anonymous" | "shareHolder" | "outsiderWithShare";

let api: TestServer;
let workspaceB: string;
let modelA: string;
let modelB: string;
let runA: string;
let runB: string;
const as = {} as Record<Who, RequestAs>;

const ANNOTATE = `
  mutation($model: ID!, $layer: String!, $index: Int!, $kind: AnnotationKind!, $body: String!) {
    annotateFilter(modelId: $model, layerName: $layer, filterIndex: $index, kind: $kind, body: $body) {
      id kind targetKind modelId layerName filterIndex runId body authorName
    }
  }`;
const COMMENT_RUN = `
  mutation($run: ID!, $body: String!) { commentOnRun(runId: $run, body: $body) { id kind targetKind runId body } }`;
const UPDATE = `mutation($id: ID!, $body: String!) { updateAnnotation(id: $id, body: $body) { id body } }`;
const DELETE = `mutation($id: ID!) { deleteAnnotation(id: $id) }`;
const LAYER = `
  query($model: ID!) {
    model(id: $model) {
      layer(name: "conv1") {
        labels { filterIndex body }
        filters(first: 4) { nodes { index label { body authorName } annotations { kind body } } }
      }
    }
  }`;
const RUN_COMMENTS = `query($run: ID!) { pruningRun(id: $run) { annotations { kind body } } }`;

interface AnnotationView {
  id: string;
  kind: string;
  body: string;
}

function code(response: GraphQLResponse): string {
  return (response.errors?.[0]?.extensions?.code as string | undefined) ?? "ALLOWED";
}

const annotate = (who: RequestAs, kind: string, body: string, index = 0, model = modelA) =>
  api.request<{ annotateFilter: AnnotationView }>(
    ANNOTATE,
    { model, layer: "conv1", index, kind, body },
    who,
  );

async function startCancelledRun(modelId: string, who: RequestAs): Promise<string> {
  const { startPruningRun } = await api.query<{ startPruningRun: { id: string } }>(
    "mutation($input: StartPruningRunInput!) { startPruningRun(input: $input) { id } }",
    { input: { modelId, layers: ["conv1"], target: { keep: 14 }, maxSelectionImages: 50 } },
    who,
  );
  await api.query("mutation($id: ID!) { cancelRun(id: $id) { id } }", { id: startPruningRun.id }, who);
  return startPruningRun.id;
}

async function shareToken(kind: string, ids: string[]): Promise<string> {
  const data = await api.query<{ createShareLink: { token: string } }>(
    `mutation($w: ID!, $t: ShareTargetInput!) { createShareLink(workspaceId: $w, target: $t) { token } }`,
    { w: api.workspaceId, t: { kind, ids } },
  );
  return data.createShareLink.token;
}

beforeAll(async () => {
  api = await startTestServer({ env: { CARVE_SEED_DEMOS: true } });
  as.owner = { token: api.ownerToken };
  as.editor = { token: await api.addMember("editor@example.com", "EDITOR") };
  as.viewer = { token: await api.addMember("viewer@example.com", "VIEWER") };
  workspaceB = await insertWorkspace(api.server.store.db, "workspace-b", "Team B");
  as.outsider = { token: await api.addMember("b@example.com", "OWNER", workspaceB) };
  as.anonymous = null;
  const models = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
    "{ models { nodes { id name } } }",
  );
  modelA = models.models.nodes.find((m) => m.name === "mnist")!.id;
  const { registerDemoModel } = await api.query<{ registerDemoModel: { id: string } }>(
    'mutation($w: ID!) { registerDemoModel(name: "mnist", workspaceId: $w) { id } }',
    { w: workspaceB },
    as.outsider,
  );
  modelB = registerDemoModel.id;
  runA = await startCancelledRun(modelA, as.owner);
  runB = await startCancelledRun(modelB, as.outsider);
  const token = await shareToken("MODEL", [modelA]);
  as.shareHolder = { share: token };
  as.outsiderWithShare = { token: as.outsider!.token, share: token };
}, 120_000);

afterAll(async () => {
  await api?.stop({ removeData: true });
});

describe("writing annotations", () => {
  it("lets each caller label, comment, edit and delete as their role allows", async () => {
    const expected: Record<Who, Record<string, string>> = {
      owner: {
        label: "ALLOWED",
        comment: "ALLOWED",
        commentRun: "ALLOWED",
        editOthers: "FORBIDDEN",
        deleteOthers: "ALLOWED",
      },
      editor: {
        label: "ALLOWED",
        comment: "ALLOWED",
        commentRun: "ALLOWED",
        editOthers: "FORBIDDEN",
        deleteOthers: "FORBIDDEN",
      },
      viewer: {
        label: "FORBIDDEN",
        comment: "ALLOWED",
        commentRun: "ALLOWED",
        editOthers: "FORBIDDEN",
        deleteOthers: "FORBIDDEN",
      },
      outsider: {
        label: "NOT_FOUND",
        comment: "NOT_FOUND",
        commentRun: "NOT_FOUND",
        editOthers: "NOT_FOUND",
        deleteOthers: "NOT_FOUND",
      },
      anonymous: {
        label: "UNAUTHENTICATED",
        comment: "UNAUTHENTICATED",
        commentRun: "UNAUTHENTICATED",
        editOthers: "UNAUTHENTICATED",
        deleteOthers: "UNAUTHENTICATED",
      },
      shareHolder: {
        label: "FORBIDDEN",
        comment: "FORBIDDEN",
        commentRun: "FORBIDDEN",
        editOthers: "FORBIDDEN",
        deleteOthers: "FORBIDDEN",
      },
      // Signed in elsewhere and reading model A through the link: still no member of A, so nothing to write.
      outsiderWithShare: {
        label: "NOT_FOUND",
        comment: "NOT_FOUND",
        commentRun: "NOT_FOUND",
        editOthers: "NOT_FOUND",
        deleteOthers: "NOT_FOUND",
      },
    };
    const seen: Record<string, Record<string, string>> = {};
    for (const who of Object.keys(expected) as Who[]) {
      // Someone else's annotation for each caller to try to edit and delete.
      const author = who === "editor" ? as.viewer : as.editor;
      const others = (await annotate(author, "COMMENT", `someone else's note for ${who}`)).data!
        .annotateFilter;
      seen[who] = {
        label: code(await annotate(as[who], "LABEL", `a label by ${who}`, 1)),
        comment: code(await annotate(as[who], "COMMENT", `a comment by ${who}`, 1)),
        commentRun: code(await api.request(COMMENT_RUN, { run: runA, body: `run note by ${who}` }, as[who])),
        editOthers: code(await api.request(UPDATE, { id: others.id, body: "changed" }, as[who])),
        deleteOthers: code(await api.request(DELETE, { id: others.id }, as[who])),
      };
    }
    expect(seen).toEqual(expected);
  });

  it("lets authors edit their own annotations, and keeps labels short and tidy", async () => {
    const label = (await annotate(as.editor, "LABEL", "  vertical\n edge ", 2)).data!.annotateFilter;
    expect(label).toMatchObject({
      kind: "LABEL",
      targetKind: "FILTER",
      modelId: modelA,
      filterIndex: 2,
      body: "vertical edge",
    });
    const updated = await api.query<{ updateAnnotation: AnnotationView }>(
      UPDATE,
      { id: label.id, body: "diagonal edge" },
      as.editor,
    );
    expect(updated.updateAnnotation.body).toBe("diagonal edge");
    expect(code(await annotate(as.editor, "LABEL", "x".repeat(81), 2))).toBe("INVALID_ARGUMENT");
    expect(code(await annotate(as.editor, "LABEL", "a label", 9999))).toBe("NOT_FOUND");
    const mine = (await annotate(as.viewer, "COMMENT", "mine", 3)).data!.annotateFilter;
    expect(await api.query(DELETE, { id: mine.id }, as.viewer)).toEqual({ deleteAnnotation: mine.id });
  });

  it("answers NOT_FOUND for another workspace's filters and runs, whoever asks from workspace A", async () => {
    for (const who of ["owner", "editor", "viewer"] as const) {
      expect(code(await annotate(as[who], "COMMENT", "hello", 0, modelB))).toBe("NOT_FOUND");
      expect(code(await api.request(COMMENT_RUN, { run: runB, body: "hello" }, as[who]))).toBe("NOT_FOUND");
    }
    const theirs = (await annotate(as.outsider, "LABEL", "B's label", 0, modelB)).data!.annotateFilter;
    expect(code(await api.request(UPDATE, { id: theirs.id, body: "x" }))).toBe("NOT_FOUND");
    expect(code(await api.request(DELETE, { id: theirs.id }))).toBe("NOT_FOUND");
    // ... and its label never shows on workspace A's copy of the same demo.
    const layer = await api.query<{ model: { layer: { labels: Array<{ body: string }> } } }>(LAYER, {
      model: modelA,
    });
    expect(layer.model.layer.labels.map((l) => l.body)).not.toContain("B's label");
  });
});

describe("reading annotations", () => {
  it("shows a filter's newest label on the filter and the layer, to members and to a model link's holder", async () => {
    await annotate(as.editor, "LABEL", "red-green blob", 0);
    await annotate(as.owner, "LABEL", "<script>alert(1)</script> blob", 0);
    await annotate(as.viewer, "COMMENT", "looks like a blob to me", 0);
    for (const who of ["owner", "viewer", "shareHolder"] as const) {
      const data = await api.query<{
        model: {
          layer: {
            labels: Array<{ filterIndex: number; body: string }>;
            filters: {
              nodes: Array<{
                index: number;
                label: { body: string } | null;
                annotations: Array<{ kind: string; body: string }>;
              }>;
            };
          };
        };
      }>(LAYER, { model: modelA }, as[who]);
      const filter0 = data.model.layer.filters.nodes.find((f) => f.index === 0)!;
      expect(filter0.label?.body, who).toBe("<script>alert(1)</script> blob");
      expect(filter0.annotations.filter((a) => a.kind === "COMMENT").map((a) => a.body)).toContain(
        "looks like a blob to me",
      );
      expect(data.model.layer.labels[0]).toEqual({ filterIndex: 0, body: "<script>alert(1)</script> blob" });
      const indices = data.model.layer.labels.map((l) => l.filterIndex);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
    }
    expect(code(await api.request(LAYER, { model: modelA }, as.outsider))).toBe("NOT_FOUND");
    expect(code(await api.request(LAYER, { model: modelA }, null))).toBe("UNAUTHENTICATED");
  });

  it("shows a run's comments to members and to the holder of a link to the run, not of another run", async () => {
    await api.query(COMMENT_RUN, { run: runA, body: "why did it stop?" }, as.viewer);
    const runLink = { share: await shareToken("RUN", [runA]) };
    for (const who of [as.owner, as.viewer, runLink]) {
      const data = await api.query<{ pruningRun: { annotations: Array<{ kind: string; body: string }> } }>(
        RUN_COMMENTS,
        { run: runA },
        who,
      );
      expect(data.pruningRun.annotations.map((a) => a.body)).toContain("why did it stop?");
      expect(data.pruningRun.annotations.every((a) => a.kind === "COMMENT")).toBe(true);
    }
    const otherRun = await startCancelledRun(modelA, as.owner);
    const otherLink = { share: await shareToken("RUN", [otherRun]) };
    expect(code(await api.request(RUN_COMMENTS, { run: runA }, otherLink))).toBe("NOT_FOUND");
    expect(code(await api.request(COMMENT_RUN, { run: runA, body: "hi" }, runLink))).toBe("FORBIDDEN");
  });
});
