/**
 * Starts the API on port 0 with a temporary data directory and talks to it the way clients do: HTTP POSTs
 * for queries and mutations, a graphql-ws client for subscriptions. Requests go as the default workspace's
 * owner (a session token sent as `Authorization: Bearer`) unless they say otherwise (`as`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { createClient } from "graphql-ws";
import { pino } from "pino";
import WebSocket from "ws";

import { BOOTSTRAP_OWNER_SETTING } from "../modules/auth/bootstrap.js";
import type { Role } from "../modules/workspace/roles.js";
import { type CarveServer, type ServerDeps, createServer } from "../server.js";

/** Who a request goes as: a token (session or API token), and/or a share link's token; null: no credentials. */
export type RequestAs = { token?: string | undefined; share?: string | undefined } | null;

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export interface TestServer {
  server: CarveServer;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** The default workspace, which holds the demo models. */
  workspaceId: string;
  /** The default workspace owner's session token (requests use it unless `as` says otherwise). */
  ownerToken: string;
  /** Authorization headers of a token, for plain HTTP routes (uploads, downloads). */
  headers(as?: RequestAs): Record<string, string>;
  /** A new account that is a member of `workspaceId` (default: the default workspace) with `role`; its token. */
  addMember(email: string, role: Role, workspaceId?: string): Promise<string>;
  /** Removes the account behind `token` from `workspaceId` (default: the default one), as its owner would. */
  removeMember(token: string, workspaceId?: string): Promise<void>;
  /** POSTs one operation; resolves with the whole response (data and errors). */
  request<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    as?: RequestAs,
  ): Promise<GraphQLResponse<T>>;
  /** Like `request`, but fails the test on any error and returns `data`. */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    as?: RequestAs,
  ): Promise<T>;
  /** Subscribes over WebSocket and collects every result until the server completes the stream. */
  subscribe<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    onResult?: (result: GraphQLResponse<T>) => void,
    as?: RequestAs,
  ): Promise<Array<GraphQLResponse<T>>>;
  /** Stops the server; keeps the data directory unless `removeData`. */
  stop(options?: { removeData?: boolean }): Promise<void>;
}

/**
 * How a subscription from `subscribe` ended: "COMPLETED", or the code of the error the server ended it with
 * (graphql-ws hands the client the errors, which `subscribe` rejects with as JSON).
 */
export function endOf(subscription: Promise<unknown>): Promise<string> {
  return subscription.then(
    () => "COMPLETED",
    (error: Error) => String((JSON.parse(error.message) as GraphQLResponse["errors"])?.[0]?.extensions?.code),
  );
}

export function makeDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), "carve-api-test-"));
}

export async function startTestServer(
  options: { dataDir?: string } & Omit<ServerDeps, "env"> & { env?: ServerDeps["env"] } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeDataDir();
  const server = await createServer({
    ...options,
    env: { CARVE_DATA_DIR: dataDir, NODE_ENV: "test", ...options.env },
    logger: options.logger ?? pino({ level: process.env.LOG_LEVEL ?? "silent" }),
  });
  const { url, wsUrl } = await server.listen(0, "127.0.0.1");
  const clients: Array<ReturnType<typeof createClient>> = [];
  const { auth } = server.teams;
  const workspaceId = server.defaultWorkspaceId;
  const owner = await server.store.db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", BOOTSTRAP_OWNER_SETTING)
    .executeTakeFirst();
  if (!workspaceId || !owner)
    throw new Error("the test server started without a default workspace and owner");
  const ownerToken = (await auth.startSessionFor(owner.value)).sessionToken;
  const as = (given: RequestAs | undefined): RequestAs =>
    given === undefined ? { token: ownerToken } : given;

  function headers(given?: RequestAs): Record<string, string> {
    const who = as(given);
    return {
      ...(who?.token ? { authorization: `Bearer ${who.token}` } : {}),
      ...(who?.share ? { "x-carve-share": who.share } : {}),
    };
  }

  async function request<T>(
    query: string,
    variables?: Record<string, unknown>,
    who?: RequestAs,
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers(who) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  const testServer: TestServer = {
    server,
    url,
    wsUrl,
    dataDir,
    workspaceId,
    ownerToken,
    headers,
    async addMember(email, role, inWorkspace = workspaceId) {
      const user = await auth.createAccount({ email });
      const at = new Date().toISOString();
      await server.store.db
        .insertInto("memberships")
        .values({ workspaceId: inWorkspace, userId: user.id, role, createdAt: at, updatedAt: at })
        .execute();
      return (await auth.startSessionFor(user.id)).sessionToken;
    },
    async removeMember(token, inWorkspace = workspaceId) {
      const { me } = await testServer.query<{ me: { id: string } }>("{ me { id } }", {}, { token });
      await testServer.query("mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }", {
        w: inWorkspace,
        u: me.id,
      });
    },
    request,
    async query<T>(query: string, variables?: Record<string, unknown>, who?: RequestAs): Promise<T> {
      const result = await request<T>(query, variables, who);
      if (result.errors?.length || !result.data) {
        throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      }
      return result.data;
    },
    subscribe<T>(
      query: string,
      variables?: Record<string, unknown>,
      onResult?: (r: GraphQLResponse<T>) => void,
      who?: RequestAs,
    ): Promise<Array<GraphQLResponse<T>>> {
      const { authorization, "x-carve-share": share } = headers(who);
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: { ...(authorization ? { authorization } : {}), ...(share ? { share } : {}) },
      });
      clients.push(client);
      const results: Array<GraphQLResponse<T>> = [];
      return new Promise<Array<GraphQLResponse<T>>>((resolve, reject) => {
        client.subscribe<T>(
          { query, variables },
          {
            next: (result) => {
              const value = result as GraphQLResponse<T>;
              results.push(value);
              onResult?.(value);
            },
            error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
            complete: () => resolve(results),
          },
        );
      });
    },
    async stop(stopOptions = {}) {
      await server.stop();
      await Promise.all(clients.map((c) => c.dispose()));
      if (stopOptions.removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testServer;
}
