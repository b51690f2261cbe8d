/**
 * The built API (`apps/api/dist/index.js`) as its own process, the way `npm start` runs it, and a client that
 * speaks to it over real HTTP and WebSocket (graphql-ws). The client signs in as a user does on a first start:
 * with the one-time link the API prints, used through the `signInWithLink` mutation; its session is kept per
 * data directory, so a restarted API (which prints no new link) is spoken to as the same owner.
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
  /** The one-time sign-in link the API printed at this start, if it printed one. */
  signInUrl: string | undefined;
  /** The owner's session token the client sends (`Authorization: Bearer`); undefined with `signIn: false`. */
  token: string | undefined;
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

/** The owner's session of each data directory the client signed in to (it outlives API restarts). */
const sessions = new Map<string, string>();

export interface ApiProcessOptions {
  /** More environment variables for the API (e.g. CARVE_DASHBOARD_URL). */
  env?: Record<string, string>;
  /** Use the printed one-time link to sign in (default true); false leaves it for a browser to use. */
  signIn?: boolean;
}

/** Starts the API on a free port with `dataDir` as CARVE_DATA_DIR; resolves once it listens. */
export async function startApiProcess(dataDir: string, options: ApiProcessOptions = {}): Promise<ApiProcess> {
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
      ...options.env,
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
  // The link is logged right after "listening".
  const signInUrl = await waitFor(
    () => logs.find((l) => l.msg === SIGN_IN_MESSAGE)?.url as string | undefined,
  );
  if (signInUrl && options.signIn !== false) sessions.set(dataDir, await signInWithLink(url, signInUrl));
  const token = options.signIn === false ? undefined : sessions.get(dataDir);
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  return {
    url,
    wsUrl,
    logs,
    signInUrl,
    token,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...authorization },
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
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: authorization,
      });
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

const SIGN_IN_MESSAGE = "sign in to Carve with this one-time link";

/** Polls `read` for up to 2 s (a log line that follows another by a moment); undefined if it never comes. */
async function waitFor<T>(read: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 40; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

/** Uses a printed one-time sign-in link (the API's or the dashboard's) and returns the session token. */
async function signInWithLink(graphqlUrl: string, link: string): Promise<string> {
  const token = new URL(link).searchParams.get("token");
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: "mutation($token: String!) { signInWithLink(token: $token) { user { email } } }",
      variables: { token },
    }),
  });
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("carve_session="));
  if (!cookie) throw new Error(`signing in with ${link} failed: ${await response.text()}`);
  return cookie.slice("carve_session=".length).split(";")[0]!;
}
