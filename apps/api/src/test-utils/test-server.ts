/**
 * Starts the API on port 0 with a temporary data directory and talks to it the way clients do: HTTP POSTs
 * for queries and mutations, a graphql-ws client for subscriptions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { createClient } from "graphql-ws";
import { pino } from "pino";
import WebSocket from "ws";

import { type CarveServer, type ServerDeps, createServer } from "../server.js";

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export interface TestServer {
  server: CarveServer;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** POSTs one operation; resolves with the whole response (data and errors). */
  request<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** Like `request`, but fails the test on any error and returns `data`. */
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Subscribes over WebSocket and collects every result until the server completes the stream. */
  subscribe<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    onResult?: (result: GraphQLResponse<T>) => void,
  ): Promise<Array<GraphQLResponse<T>>>;
  /** Stops the server; keeps the data directory unless `removeData`. */
  stop(options?: { removeData?: boolean }): Promise<void>;
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

  async function request<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  return {
    server,
    url,
    wsUrl,
    dataDir,
    request,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const result = await request<T>(query, variables);
      if (result.errors?.length || !result.data) {
        throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      }
      return result.data;
    },
    subscribe<T>(
      query: string,
      variables?: Record<string, unknown>,
      onResult?: (r: GraphQLResponse<T>) => void,
    ): Promise<Array<GraphQLResponse<T>>> {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
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
}
