/**
 * The API's configuration, read from environment variables once at start. A bad value stops the server with a
 * message naming the variable, what it holds and what is expected.
 */
import path from "node:path";

import { z } from "zod";

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
  /** Analyses running at once, each in its own worker thread. */
  CARVE_JOB_CONCURRENCY: integerText(1, 64).default(1),
  /** Register the shipped demo models the first time a database is created. */
  CARVE_SEED_DEMOS: booleanText.default(true),
  /** TF.js backend for the workers, as in the CLI: auto, node-gpu, node, wasm, cpu. */
  CARVE_BACKEND: z.enum(["auto", "node-gpu", "node", "wasm", "cpu"]).default("auto"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

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
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return `${name}=${JSON.stringify(present[name] ?? "")}: ${issue.message}`;
    }),
  );
}

/** The database file the environment points at. */
export function databaseFile(env: Pick<Env, "CARVE_DATA_DIR" | "CARVE_DB_FILE">): string {
  return path.resolve(env.CARVE_DB_FILE ?? path.join(env.CARVE_DATA_DIR, "carve.db"));
}
