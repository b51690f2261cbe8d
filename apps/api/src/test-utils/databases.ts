/**
 * Throwaway databases for tests, on both dialects: a SQLite file in a temporary folder, or a uniquely named
 * PostgreSQL database (created on the server at CARVE_TEST_POSTGRES_URL, dropped afterwards) so parallel test
 * files and CI runs never share one. Postgres is not optional: when it cannot be reached the tests fail and say
 * so, rather than passing on SQLite alone.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { Kysely } from "kysely";
import pg from "pg";

import type { DB } from "../db/schema.js";

import { type Dialect, type StoreConfig, describePostgresUrl } from "../db/store.js";

export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];

/** The server the Postgres tests create their databases on; a database there that the user may connect to. */
export const POSTGRES_ADMIN_URL =
  process.env.CARVE_TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  config: StoreConfig;
  /** Removes the database (its file, or the Postgres database with any connection still open to it). */
  drop(): Promise<void>;
}

/** A new, empty database; `label` (e.g. the test file) makes a Postgres database's name easy to trace. */
export async function createTestDatabase(dialect: Dialect, label: string): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), `carve-${label}-`));
    return {
      config: { dialect: "sqlite", file: path.join(dir, "carve.db") },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name =
    `carve_test_${label.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`.slice(0, 40) +
    `_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    config: { dialect: "postgres", url: url.toString(), poolSize: 4 },
    drop: async () => {
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${describePostgresUrl(POSTGRES_ADMIN_URL)}: ` +
        `${error instanceof Error ? error.message : String(error)}. The store tests run on SQLite and on ` +
        "PostgreSQL and do not skip Postgres: start it, or point CARVE_TEST_POSTGRES_URL at a server where " +
        "the user may create databases.",
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Inserts a workspace row (models and datasets belong to one) and returns its id. */
export async function insertWorkspace(db: Kysely<DB>, id = "w1", name = "Test workspace"): Promise<string> {
  const at = "2026-01-01T00:00:00.000Z";
  await db.insertInto("workspaces").values({ id, name, createdAt: at, updatedAt: at }).execute();
  return id;
}
