// type-graphql's decorators need the Reflect metadata API, which the entry point (index.ts) loads first.
import "reflect-metadata";

import { type ExecutionResult, type GraphQLSchema, graphql } from "graphql";
import { buildSchema } from "type-graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../test-utils/databases.js";
import { WorkspaceResolver } from "../workspace/workspace.resolver.js";
import { AuthResolver } from "./auth.resolver.js";
import { SESSION_COOKIE } from "./credentials.js";
import { createTeamsContext } from "./teams.context.js";
import { PASSWORD, type TeamsFixture, openTeams } from "./test-utils/teams.js";

/**
 * The teams resolvers executed against a schema of their own, with the request context the server builds:
 * credentials from the Cookie and Authorization headers, Set-Cookie captured as an HTTP response would.
 */
describe.each(DIALECTS)("teams over GraphQL on %s", (dialect) => {
  let t: TeamsFixture;
  let schema: GraphQLSchema;

  interface Request {
    cookie?: string;
    authorization?: string;
    /** A WebSocket operation: no response to set a cookie on. */
    websocket?: boolean;
  }

  async function run(
    source: string,
    variables: Record<string, unknown> = {},
    request: Request = {},
  ): Promise<ExecutionResult & { cookies: string[] }> {
    const cookies: string[] = [];
    const contextValue = createTeamsContext(
      t,
      { headers: { cookie: request.cookie, authorization: request.authorization }, ip: "10.9.9.9" },
      request.websocket ? {} : { setCookie: (value) => cookies.push(value) },
    );
    const result = await graphql({ schema, source, variableValues: variables, contextValue });
    return { ...result, cookies };
  }

  const codes = (result: ExecutionResult) => result.errors?.map((e) => e.extensions.code) ?? [];

  /** Signs in over GraphQL and returns the Cookie header value the browser would send next. */
  async function signIn(email: string): Promise<string> {
    const result = await run(
      `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { user { email } } }`,
      { email, password: PASSWORD },
    );
    expect(result.errors).toBeUndefined();
    const cookie = result.cookies[0]!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=carve_ses_[^;]+; Path=/; HttpOnly; SameSite=Lax`));
    return cookie.split(";")[0]!;
  }

  beforeAll(async () => {
    t = await openTeams(dialect, "teams-graphql");
    schema = await buildSchema({ resolvers: [AuthResolver, WorkspaceResolver], validate: false });
    await t.auth.createAccount({ email: "ann@example.org", password: PASSWORD });
    await t.auth.createAccount({ email: "bob@example.org", password: PASSWORD });
  });
  afterAll(async () => t?.close());

  it("signs in into an HttpOnly cookie, answers me from it, and signs out for real", async () => {
    expect((await run("{ me { email } }")).data).toEqual({ me: null });
    const cookie = await signIn("ann@example.org");
    expect((await run("{ me { email hasPassword } }", {}, { cookie })).data).toEqual({
      me: { email: "ann@example.org", hasPassword: true },
    });
    const out = await run("mutation { signOut }", {}, { cookie });
    expect(out.data).toEqual({ signOut: true });
    expect(out.cookies[0]).toMatch(/^carve_session=; .*Max-Age=0/);
    expect(codes(await run("{ me { email } }", {}, { cookie }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses a wrong password without setting a cookie, and signing in over a WebSocket", async () => {
    const wrong = await run(
      `mutation { signIn(email: "ann@example.org", password: "nope nope") { expiresAt } }`,
    );
    expect(codes(wrong)).toEqual(["UNAUTHENTICATED"]);
    expect(wrong.cookies).toEqual([]);
    const ws = await run(
      `mutation($p: String!) { signIn(email: "ann@example.org", password: $p) { expiresAt } }`,
      { p: PASSWORD },
      { websocket: true },
    );
    expect(codes(ws)).toEqual(["INVALID_ARGUMENT"]);
  });

  it("creates an API token shown once that then works as a Bearer token, and stops when revoked", async () => {
    const cookie = await signIn("ann@example.org");
    const created = await run(
      `mutation { createApiToken(name: "script") { token apiToken { id prefix } } }`,
      {},
      { cookie },
    );
    const { token, apiToken } = (
      created.data as { createApiToken: { token: string; apiToken: { id: string; prefix: string } } }
    ).createApiToken;
    expect(token.startsWith(apiToken.prefix)).toBe(true);
    const authorization = `Bearer ${token}`;
    expect((await run("{ me { email } }", {}, { authorization })).data).toEqual({
      me: { email: "ann@example.org" },
    });
    const listed = await run("{ apiTokens { id name prefix lastUsedAt revokedAt } }", {}, { authorization });
    expect(listed.data).toEqual({
      apiTokens: [
        {
          id: apiToken.id,
          name: "script",
          prefix: apiToken.prefix,
          lastUsedAt: expect.any(String),
          revokedAt: null,
        },
      ],
    });
    expect(JSON.stringify(listed.data)).not.toContain(token);
    // A token cannot mint tokens.
    expect(
      codes(await run(`mutation { createApiToken(name: "more") { token } }`, {}, { authorization })),
    ).toEqual(["FORBIDDEN"]);
    await run(
      `mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`,
      { id: apiToken.id },
      { cookie },
    );
    expect(codes(await run("{ me { email } }", {}, { authorization }))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await run("{ me { email } }", {}, { authorization: "Basic YW5uOnB3" }))).toEqual([
      "UNAUTHENTICATED",
    ]);
  });

  it("runs a workspace's life: create, invite by link, accept, roles, and NOT_FOUND for outsiders", async () => {
    const ann = await signIn("ann@example.org");
    const bob = await signIn("bob@example.org");
    const created = await run(
      `mutation { createWorkspace(name: "Lab") { id name role } }`,
      {},
      { cookie: ann },
    );
    const workspace = (created.data as { createWorkspace: { id: string; role: string } }).createWorkspace;
    expect(workspace.role).toBe("OWNER");

    const query = `query($id: ID!) { workspace(id: $id) { name role members { email role } } }`;
    expect(codes(await run(query, { id: workspace.id }, { cookie: bob }))).toEqual(["NOT_FOUND"]);
    expect(codes(await run(query, { id: workspace.id }))).toEqual(["UNAUTHENTICATED"]);

    const invite = await run(
      `mutation($id: ID!) { createInvite(workspaceId: $id, role: VIEWER) { token invite { role } } }`,
      { id: workspace.id },
      { cookie: ann },
    );
    const { token } = (invite.data as { createInvite: { token: string } }).createInvite;
    expect(
      (await run(`query($t: String!) { invitePreview(token: $t) { workspaceName role } }`, { t: token }))
        .data,
    ).toEqual({
      invitePreview: { workspaceName: "Lab", role: "VIEWER" },
    });
    const accepted = await run(
      `mutation($t: String!) { acceptInvite(token: $t) { name role } }`,
      { t: token },
      { cookie: bob },
    );
    expect(accepted.data).toEqual({ acceptInvite: { name: "Lab", role: "VIEWER" } });
    expect((await run(query, { id: workspace.id }, { cookie: bob })).data).toEqual({
      workspace: {
        name: "Lab",
        role: "VIEWER",
        members: [
          { email: "ann@example.org", role: "OWNER" },
          { email: "bob@example.org", role: "VIEWER" },
        ],
      },
    });
    // A viewer cannot see invites or change roles; the last owner cannot leave.
    expect(
      codes(
        await run(
          `query($id: ID!) { workspace(id: $id) { invites { id } } }`,
          { id: workspace.id },
          { cookie: bob },
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
    const me = (await run("{ me { id } }", {}, { cookie: ann })).data as { me: { id: string } };
    const leave = await run(
      `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`,
      { w: workspace.id, u: me.me.id },
      { cookie: ann },
    );
    expect(leave.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "LAST_OWNER" });
  });
});
