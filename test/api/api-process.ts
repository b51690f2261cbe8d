/**
 * The built API (`apps/api/dist/index.js`) as its own process, the way `npm start` runs it, and a client that
 * speaks to it over real HTTP and WebSocket (graphql-ws).
 */
import { type ChildProcessByStdio, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

import { createClient } from "graphql-ws";
import WebSocket from "ws";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const API_DIR = path.join(ROOT, "apps", "api");
const API_ENTRY = path.join(API_DIR, "dist", "index.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds @carve/api when its dist/ is missing or older than its sources. Turborepo builds the packages that
 * @carve/test depends on before its tests; until @carve/api is one of them, this keeps the test honest.
 */
export function ensureApiBuilt(): void {
  const sources = Math.max(
    newestMtime(path.join(API_DIR, "src")),
    newestMtime(path.join(API_DIR, "migrations")),
  );
  if (existsSync(API_ENTRY) && statSync(API_ENTRY).mtimeMs >= sources) return;
  execFileSync("npm", ["run", "build", "-w", "@carve/api"], { cwd: ROOT, stdio: "inherit" });
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface ApiProcess {
  url: string;
  wsUrl: string;
  /** Every log line the process printed (pino JSON). */
  logs: Array<Record<string, unknown>>;
  query<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Collects a subscription's results until the server completes it; `onResult` sees each as it comes. */
  subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
    onResult?: (result: GraphQLResponse<T>) => void,
  ): Promise<Array<GraphQLResponse<T>>>;
  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts the API on a free port with `dataDir` as CARVE_DATA_DIR; resolves once it listens. */
export async function startApiProcess(dataDir: string): Promise<ApiProcess> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [API_ENTRY], {
    cwd: ROOT,
    // NODE_ENV as deployed (Vitest sets "test", which changes what Apollo does with signals).
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      CARVE_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // "close", not "exit": it comes after stdout is drained, so the last log lines are in `logs`.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`the API did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "Carve API listening") {
          clearTimeout(timer);
          resolve(entry.url as string);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with code ${code} before listening:\n${stderr}`));
    });
  });
  const wsUrl = url.replace(/^http/, "ws");
  const clients: Array<ReturnType<typeof createClient>> = [];

  return {
    url,
    wsUrl,
    logs,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      const result = (await response.json()) as GraphQLResponse<T>;
      if (result.errors?.length || !result.data)
        throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    subscribe<T>(
      query: string,
      variables: Record<string, unknown>,
      onResult?: (result: GraphQLResponse<T>) => void,
    ): Promise<Array<GraphQLResponse<T>>> {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      const results: Array<GraphQLResponse<T>> = [];
      return new Promise((resolve, reject) => {
        client.subscribe<T>(
          { query, variables },
          {
            next: (result) => {
              results.push(result as GraphQLResponse<T>);
              onResult?.(result as GraphQLResponse<T>);
            },
            error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
            complete: () => resolve(results),
          },
        );
      });
    },
    async stop(signal) {
      child.kill(signal);
      const code = await exited;
      await Promise.all(clients.map((c) => c.dispose()));
      return code;
    },
  };
}
