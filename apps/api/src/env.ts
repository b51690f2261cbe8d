/**
 * The API's configuration, read from environment variables once at start. A bad value stops the server with a
 * message naming the variable, what it holds and what is expected.
 */
import path from "node:path";

import { z } from "zod";

import type { StoreConfig } from "./db/store.js";

const booleanText = z
  .enum(["true", "false", "1", "0", "yes", "no"], {
    error: (issue) => `expected true or false, got "${String(issue.input)}"`,
  })
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** A whole number in [min, max], read from its text. */
function integerText(min: number, max: number) {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** 0 picks a free port (tests). */
  PORT: integerText(0, 65535).default(4000),
  HOST: z.string().min(1).default("0.0.0.0"),
  /** Holds carve.db (and later uploaded models and artifacts). */
  CARVE_DATA_DIR: z.string().min(1).default(".carve-data"),
  /** Overrides the database file (default: carve.db in CARVE_DATA_DIR). */
  CARVE_DB_FILE: z.string().min(1).optional(),
  /** A PostgreSQL database (postgres://user:password@host:port/database) instead of the SQLite file. */
  CARVE_DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, {
      error:
        "expected a PostgreSQL URL such as postgres://user:password@localhost:5432/carve " +
        "(leave it unset for the embedded SQLite database in CARVE_DATA_DIR)",
    })
    .optional(),
  /** Connections the API keeps open to PostgreSQL. */
  CARVE_DATABASE_POOL_SIZE: integerText(1, 1000).default(10),
  /** Analyses running at once, each in its own worker thread. */
  CARVE_JOB_CONCURRENCY: integerText(1, 64).default(1),
  /** Register the shipped demo models the first time a database is created. */
  CARVE_SEED_DEMOS: booleanText.default(true),
  /** TF.js backend for the workers, as in the CLI: auto, node-gpu, node, wasm, cpu. */
  CARVE_BACKEND: z.enum(["auto", "node-gpu", "node", "wasm", "cpu"]).default("auto"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * The key that protects sessions, API tokens, invites and share links (their stored HMACs are keyed by a
   * pepper derived from it). Default: generated once into <CARVE_DATA_DIR>/secrets.json (mode 0600). Set it
   * when several API servers share one PostgreSQL database. Never shown in an error or a log.
   */
  CARVE_SECRET_KEY: z
    .string()
    .min(32, { error: "expected at least 32 characters; generate one with `openssl rand -base64 32`" })
    .optional(),
  /** How long a dashboard session lasts, in days. */
  CARVE_SESSION_DAYS: integerText(1, 365).default(30),
  /** The e-mail of the owner the first start creates (they sign in with the printed one-time link). */
  CARVE_OWNER_EMAIL: z.string().min(3).default("owner@localhost"),
  /**
   * Folders registerModel/registerDataset may read from (separated by ":" or ","); default: the data
   * directory and the shipped demo models. Anything else is FORBIDDEN_PATH.
   */
  CARVE_ALLOWED_PATHS: z.string().min(1).optional(),
  /** Largest upload POST /uploads accepts, in MB (all files together). */
  CARVE_MAX_UPLOAD_MB: integerText(1, 100_000).default(200),
  /**
   * The dashboard's URL (e.g. http://localhost:3000): the first start's sign-in link then opens the
   * dashboard's sign-in page, which sets the session cookie on the dashboard's own origin. Unset: the link
   * is the API's own GET /auth/sign-in.
   */
  CARVE_DASHBOARD_URL: z.string().url().optional(),
  /**
   * Which proxies' X-Forwarded-For is believed for the client's address (Express's "trust proxy": loopback,
   * a subnet like 10.0.0.0/8, several separated by ","); "false" believes none.
   */
  CARVE_TRUST_PROXY: z
    .string()
    .min(1)
    .default("loopback")
    .transform((v) => (v === "false" ? false : v)),
  /** Browser origins allowed by CORS, separated by ","; "*" allows any. */
  CARVE_CORS_ORIGINS: z.string().min(1).default("http://localhost:3000"),
  /** Deepest field nesting a query may have. */
  CARVE_MAX_QUERY_DEPTH: integerText(2, 1000).default(12),
  /** Highest complexity a query may have (1 per field, times `first` for each paged list it is in). */
  CARVE_MAX_QUERY_COMPLEXITY: integerText(10, 100_000_000).default(100_000),
  /**
   * Evaluate every compatible model–dataset pair (test split) in a worker when either is registered.
   * Default: true, except under NODE_ENV=test (tests turn it on where they need it).
   */
  CARVE_AUTO_EVALUATE: booleanText.optional(),
  /** What-if answers and filters' top patches kept in memory (each an LRU cache of this many entries). */
  CARVE_CACHE_ENTRIES: integerText(1, 1_000_000).default(1000),
});

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export type Env = z.infer<typeof EnvSchema>;

/** Variables whose values an error message must not show. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(["CARVE_SECRET_KEY"]);

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses the environment; throws an {@link EnvError} listing every bad variable at once. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // An empty variable means "unset", as a shell user writing `PORT= npm start` expects.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = EnvSchema.safeParse(present);
  if (result.success) {
    if (result.data.CARVE_DATABASE_URL && result.data.CARVE_DB_FILE) {
      throw new EnvError([
        "CARVE_DB_FILE and CARVE_DATABASE_URL are both set: the API uses one database, the SQLite file or " +
          "PostgreSQL; unset one of them",
      ]);
    }
    return result.data;
  }
  throw new EnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      // A database URL may hold a password, which has no place in a log line.
      // A secret is never echoed, not even in part.
      const value = SECRET_VARIABLES.has(name)
        ? "(hidden)"
        : (present[name] ?? "").replace(/(\/\/[^/@:]*):[^@/]*@/, "$1:***@");
      return `${name}=${JSON.stringify(value)}: ${issue.message}`;
    }),
  );
}

/** The database the environment points at: PostgreSQL if CARVE_DATABASE_URL is set, else the SQLite file. */
export function storeConfig(
  env: Pick<Env, "CARVE_DATA_DIR" | "CARVE_DB_FILE" | "CARVE_DATABASE_URL" | "CARVE_DATABASE_POOL_SIZE">,
): StoreConfig {
  return env.CARVE_DATABASE_URL
    ? { dialect: "postgres", url: env.CARVE_DATABASE_URL, poolSize: env.CARVE_DATABASE_POOL_SIZE }
    : { dialect: "sqlite", file: databaseFile(env) };
}

/** The SQLite database file the environment points at. */
export function databaseFile(env: Pick<Env, "CARVE_DATA_DIR" | "CARVE_DB_FILE">): string {
  return path.resolve(env.CARVE_DB_FILE ?? path.join(env.CARVE_DATA_DIR, "carve.db"));
}
