/**
 * Share links over real HTTP, as the dashboard and API clients use them: who may create, list and revoke
 * them (every role, a member of another workspace, no credentials, a share link's holder), what a link's
 * holder reads (sharedTarget, and exactly the shared things), and the ways a link stops working or never
 * worked (revoked, expired, another workspace's ids, a token for something else).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertWorkspace } from "../../test-utils/databases.js";
import {
  type GraphQLResponse,
  type RequestAs,
  type TestServer,
  startTestServer,
} from "../../test-utils/test-server.js";

let api: TestServer;
let workspaceB: string;
let modelA: string;
let otherModelA: string;
let modelB: string;
let runA1: string;
let runA2: string;
const as: Record<"owner" | "editor" | "viewer" | "outsider", RequestAs> = {
  owner: null,
  editor: null,
  viewer: null,
  outsider: null,
};

const CREATE = `
  mutation($w: ID!, $target: ShareTargetInput!, $days: Int) {
    createShareLink(workspaceId: $w, target: $target, expiresInDays: $days) {
      token path link { id workspaceId targetKind targetIds createdBy expiresAt revokedAt }
    }
  }`;
const LIST = `query($w: ID!) { shareLinks(workspaceId: $w) { id targetKind targetIds revokedAt lastUsedAt active } }`;
const REVOKE = `mutation($id: ID!) { revokeShareLink(id: $id) { id revokedAt active } }`;
const SHARED = `{ sharedTarget { kind ids workspaceId expiresAt } }`;

interface Created {
  token: string;
  path: string;
  link: { id: string; targetKind: string; targetIds: string[]; expiresAt: string | null };
}

function code(response: GraphQLResponse): string {
  return (response.errors?.[0]?.extensions?.code as string | undefined) ?? "ALLOWED";
}

async function share(kind: string, ids: string[], who: RequestAs = as.owner): Promise<Created> {
  const data = await api.query<{ createShareLink: Created }>(
    CREATE,
    { w: api.workspaceId, target: { kind, ids } },
    who,
  );
  return data.createShareLink;
}

async function startCancelledRun(modelId: string): Promise<string> {
  const { startPruningRun } = await api.query<{ startPruningRun: { id: string } }>(
    "mutation($input: StartPruningRunInput!) { startPruningRun(input: $input) { id } }",
    { input: { modelId, layers: ["conv1"], target: { keep: 14 }, maxSelectionImages: 50 } },
  );
  await api.query("mutation($id: ID!) { cancelRun(id: $id) { id } }", { id: startPruningRun.id });
  return startPruningRun.id;
}

beforeAll(async () => {
  api = await startTestServer({ env: { CARVE_SEED_DEMOS: true } });
  as.owner = { token: api.ownerToken };
  as.editor = { token: await api.addMember("editor@example.com", "EDITOR") };
  as.viewer = { token: await api.addMember("viewer@example.com", "VIEWER") };
  workspaceB = await insertWorkspace(api.server.store.db, "workspace-b", "Team B");
  as.outsider = { token: await api.addMember("b@example.com", "OWNER", workspaceB) };
  const models = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
    "{ models { nodes { id name } } }",
  );
  modelA = models.models.nodes.find((m) => m.name === "mnist")!.id;
  otherModelA = models.models.nodes.find((m) => m.name !== "mnist")!.id;
  const { registerDemoModel } = await api.query<{ registerDemoModel: { id: string } }>(
    'mutation($w: ID!) { registerDemoModel(name: "mnist", workspaceId: $w) { id } }',
    { w: workspaceB },
    as.outsider,
  );
  modelB = registerDemoModel.id;
  runA1 = await startCancelledRun(modelA);
  runA2 = await startCancelledRun(modelA);
}, 120_000);

afterAll(async () => {
  await api?.stop({ removeData: true });
});

describe("managing share links", () => {
  it("lets owners and editors create, list and revoke; viewers get FORBIDDEN, others NOT_FOUND or UNAUTHENTICATED", async () => {
    const holder = { share: (await share("MODEL", [modelA])).token };
    const expected = {
      owner: "ALLOWED",
      editor: "ALLOWED",
      viewer: "FORBIDDEN",
      outsider: "NOT_FOUND",
      anonymous: "UNAUTHENTICATED",
      shareHolder: "FORBIDDEN",
    };
    const who: Record<keyof typeof expected, RequestAs> = { ...as, anonymous: null, shareHolder: holder };
    const seen: Record<string, Record<string, string>> = {};
    for (const [name, request] of Object.entries(who)) {
      const created = await api.request<{ createShareLink: Created }>(
        CREATE,
        { w: api.workspaceId, target: { kind: "RUN", ids: [runA1] } },
        request,
      );
      const list = await api.request(LIST, { w: api.workspaceId }, request);
      // Each caller tries to revoke a fresh link of the owner's.
      const victim = await share("RUN", [runA2]);
      const revoke = await api.request(REVOKE, { id: victim.link.id }, request);
      seen[name] = { create: code(created), list: code(list), revoke: code(revoke) };
      if (name === "viewer")
        expect(created.errors![0]!.message).toContain("your role in this workspace is VIEWER");
      if (name === "shareHolder") expect(created.errors![0]!.message).toContain("a share link only reads");
    }
    expect(seen).toEqual(
      Object.fromEntries(
        Object.entries(expected).map(([name, outcome]) => [
          name,
          { create: outcome, list: outcome, revoke: outcome },
        ]),
      ),
    );
  });

  it("shows the token once, with the dashboard path; lists never show it", async () => {
    const created = await share("COMPARISON", [runA1, runA2], as.editor);
    expect(created.token).toMatch(/^carve_shr_[A-Za-z0-9_-]{43}$/);
    expect(created.path).toBe(`/s/${created.token}`);
    expect(created.link).toMatchObject({
      targetKind: "COMPARISON",
      targetIds: [runA1, runA2],
      expiresAt: null,
    });
    const listed = await api.request(LIST, { w: api.workspaceId });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect((listed.data as { shareLinks: Array<{ id: string }> }).shareLinks.map((l) => l.id)).toContain(
      created.link.id,
    );
  });

  it("refuses ids of another workspace with NOT_FOUND, and bad targets with INVALID_ARGUMENT", async () => {
    const attempt = (kind: string, ids: string[], extra: Record<string, unknown> = {}) =>
      api.request(CREATE, { w: api.workspaceId, target: { kind, ids }, ...extra });
    expect(code(await attempt("MODEL", [modelB]))).toBe("NOT_FOUND");
    expect(code(await attempt("RUN", ["no-such-run"]))).toBe("NOT_FOUND");
    expect(code(await attempt("COMPARISON", [runA1, modelA]))).toBe("NOT_FOUND");
    expect(code(await attempt("COMPARISON", [runA1]))).toBe("INVALID_ARGUMENT");
    expect(code(await attempt("MODEL", [modelA], { days: 0 }))).toBe("INVALID_ARGUMENT");
    // The outsider cannot share their own model into workspace A, nor anything of A into B.
    expect(
      code(
        await api.request(CREATE, { w: workspaceB, target: { kind: "MODEL", ids: [modelA] } }, as.outsider),
      ),
    ).toBe("NOT_FOUND");
  });
});

describe("opening a share link", () => {
  it("tells its holder what it shares, and nobody else", async () => {
    const model = await share("MODEL", [modelA]);
    expect(await api.query(SHARED, {}, { share: model.token })).toEqual({
      sharedTarget: { kind: "MODEL", ids: [modelA], workspaceId: api.workspaceId, expiresAt: null },
    });
    expect(await api.query(SHARED, {}, null)).toEqual({ sharedTarget: null });
    expect(await api.query(SHARED)).toEqual({ sharedTarget: null });
    // Over WebSocket the token is the `share` connection parameter.
    const overSocket = await api.subscribe(SHARED, {}, undefined, { share: model.token });
    expect(overSocket.map((r) => r.data)).toEqual([
      { sharedTarget: { kind: "MODEL", ids: [modelA], workspaceId: api.workspaceId, expiresAt: null } },
    ]);
    const comparison = await share("COMPARISON", [runA2, runA1]);
    expect(await api.query(SHARED, {}, { share: comparison.token })).toMatchObject({
      sharedTarget: { kind: "COMPARISON", ids: [runA2, runA1] },
    });
  });

  it("reads exactly what it shares: another object of the same workspace answers NOT_FOUND", async () => {
    const run = { share: (await share("RUN", [runA1])).token };
    const model = { share: (await share("MODEL", [otherModelA])).token };
    const get = (query: string, id: string, who: RequestAs) =>
      api.request(query, { id }, who).then((r) => code(r));
    const RUN = "query($id: ID!) { pruningRun(id: $id) { id } }";
    const MODEL = "query($id: ID!) { model(id: $id) { id } }";
    expect(await get(RUN, runA1, run)).toBe("ALLOWED");
    expect(await get(RUN, runA2, run)).toBe("NOT_FOUND");
    expect(await get(MODEL, modelB, run)).toBe("NOT_FOUND");
    expect(await get(MODEL, otherModelA, model)).toBe("ALLOWED");
    expect(await get(MODEL, modelA, model)).toBe("NOT_FOUND");
    expect(await get(RUN, runA1, model)).toBe("NOT_FOUND");
  });

  it("answers NOT_FOUND once revoked, once expired, and for a token that never existed", async () => {
    const revoked = await share("MODEL", [modelA]);
    await api.query(REVOKE, { id: revoked.link.id }, as.editor);
    const expiring = await api.query<{ createShareLink: Created }>(CREATE, {
      w: api.workspaceId,
      target: { kind: "MODEL", ids: [modelA] },
      days: 1,
    });
    expect(code(await api.request(SHARED, {}, { share: expiring.createShareLink.token }))).toBe("ALLOWED");
    await api.server.store.db
      .updateTable("shareLinks")
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where("id", "=", expiring.createShareLink.link.id)
      .execute();
    const links = (
      await api.query<{ shareLinks: Array<{ id: string; active: boolean }> }>(LIST, { w: api.workspaceId })
    ).shareLinks;
    const active = (id: string) => links.find((l) => l.id === id)?.active;
    expect([active(revoked.link.id), active(expiring.createShareLink.link.id)]).toEqual([false, false]);
    for (const token of [revoked.token, expiring.createShareLink.token, `carve_shr_${"x".repeat(43)}`]) {
      const response = await api.request(SHARED, {}, { share: token });
      expect(code(response)).toBe("NOT_FOUND");
      expect(response.errors![0]!.message).toContain("unknown, revoked or expired");
      expect(
        code(
          await api.request("query($id: ID!) { model(id: $id) { id } }", { id: modelA }, { share: token }),
        ),
      ).toBe("NOT_FOUND");
    }
  });
});
