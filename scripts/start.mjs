#!/usr/bin/env node
/* global process, console, setImmediate */
/**
 * `npm start`: builds @carve/core, @carve/api and @carve/web (Turborepo skips what is up to date), then runs the
 * GraphQL API and the dashboard together and prints the dashboard's address. Ctrl-C (SIGINT) or SIGTERM stops
 * both; if either stops on its own, the other is stopped too and the exit code is the first one's.
 *
 * The API is told the dashboard's address (CARVE_DASHBOARD_URL), so the one-time sign-in link it logs on the first
 * start opens the dashboard's /sign-in/link page; that link is printed again beside the dashboard's address.
 *
 *   CARVE_API_PORT  the API's port (default 4000); the API keeps its own variables (CARVE_DATA_DIR, …)
 *   CARVE_WEB_PORT  the dashboard's port (default 3000)
 *   --no-build      start what is built, without building first
 */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function port(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`start: ${name}="${text}" is not a port; expected a whole number from 1 to 65535`);
    process.exit(2);
  }
  return value;
}

const apiPort = port("CARVE_API_PORT", 4000);
const webPort = port("CARVE_WEB_PORT", 3000);
const apiUrl = `http://localhost:${apiPort}/graphql`;
const webUrl = `http://localhost:${webPort}`;

if (!process.argv.includes("--no-build")) {
  console.log("start: building @carve/core, @carve/api and @carve/web…");
  const build = spawnSync(
    "npx",
    ["turbo", "run", "build", "--filter=@carve/api", "--filter=@carve/web", "--output-logs=errors-only"],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
  );
  if (build.status !== 0) {
    console.error("start: the build failed (see above)");
    process.exit(build.status ?? 1);
  }
}

/** @type {Map<string, import("node:child_process").ChildProcess>} */
const children = new Map();
let stopping = false;
let exitCode = 0;

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
}

function run(name, command, args, env, onLine) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.set(name, child);
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on("line", (line) => {
      onLine?.(line);
      console.log(`[${name}] ${formatLine(line)}`);
    });
  child.on("exit", (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`start: the ${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest`);
      exitCode = code || 1;
      stopAll("SIGTERM");
    }
    if (children.size === 0) process.exit(exitCode);
  });
  return child;
}

/** The API logs pino JSON lines; show their level and message, and the error if there is one. */
function formatLine(line) {
  if (!line.startsWith("{")) return line;
  try {
    const entry = JSON.parse(line);
    const level =
      { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" }[entry.level] ?? "";
    const extra = entry.err?.message ? ` — ${entry.err.message}` : entry.url ? ` ${entry.url}` : "";
    return `${level} ${entry.msg ?? ""}${extra}`;
  } catch {
    return line;
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopAll(signal));

/** The API's one-time sign-in link (first start, until the owner signs in), from its JSON log line. */
let signInUrl;
const SIGN_IN_MESSAGE = "sign in to Carve with this one-time link";

function readSignInUrl(line) {
  if (!line.includes(SIGN_IN_MESSAGE)) return undefined;
  try {
    const entry = JSON.parse(line);
    return entry.msg === SIGN_IN_MESSAGE && typeof entry.url === "string" ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

function banner() {
  const signIn = signInUrl
    ? `Sign in (one-time link, works once): ${signInUrl}\n`
    : "Sign in with your e-mail and password (no one-time link was printed: the owner has signed in before).\n";
  return `\nCarve dashboard: ${webUrl}\nCarve API:       ${apiUrl}\n${signIn}\nCtrl-C stops both.\n`;
}

let webStarted = false;
const apiEnv = { PORT: String(apiPort), CARVE_DASHBOARD_URL: process.env.CARVE_DASHBOARD_URL || webUrl };
run("api", process.execPath, ["apps/api/dist/index.js"], apiEnv, (line) => {
  signInUrl = readSignInUrl(line) ?? signInUrl;
  if (webStarted || !line.includes('"Carve API listening"')) return;
  webStarted = true;
  run(
    "web",
    process.execPath,
    [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "apps/web", "-p", String(webPort)],
    { CARVE_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    (webLine) => {
      if (/Ready in/.test(webLine))
        // The API logged its sign-in link right after listening, long before the dashboard is ready.
        setImmediate(() => console.log(banner()));
    },
  );
});
