/**
 * The API's database: the embedded SQLite file by default, PostgreSQL when `CARVE_DATABASE_URL` names one.
 * Both are reached through one typed, async Kysely instance, so every repository is written once; see
 * schema.ts for the few column types the dialects store differently.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

import Database from "better-sqlite3";
import {
  CamelCasePlugin,
  type Dialect as KyselyDialect,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
} from "kysely";
import pg from "pg";

import { type Dialect, type Migration, migratePostgres, migrateSqlite } from "./migrate.js";
import type { DB } from "./schema.js";

export type { Dialect } from "./migrate.js";

/** Where the store lives; {@link storeConfig} in env.ts reads it from the environment. */
export type StoreConfig =
  | { dialect: "sqlite"; /** The database file; its folder is created if needed. */ file: string }
  | {
      dialect: "postgres";
      /** `postgres://user:password@host:port/database`; the database must exist. */
      url: string;
      /** Connections in the pool (default 10). */
      poolSize?: number;
    };

/** An open, migrated database. */
export interface Store {
  /** Typed queries for both dialects; camelCase names here, snake_case in SQL. */
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where the data is, fit for a log line: the SQLite file, or the Postgres URL without its password. */
  describe: string;
  /** Waits for queries in flight, then closes the file or the pool. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Instead of the dialect's migrations folder (tests). */
  migrations?: Migration[];
  /** Told about a pooled Postgres connection that broke while idle (the pool replaces it). */
  onIdleError?: (error: Error) => void;
}

/** Opens the store and applies its migrations; the caller closes it. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  return config.dialect === "sqlite" ? openSqlite(config.file, options) : openPostgres(config, options);
}

/**
 * WAL lets readers go on while a job's progress is written; foreign keys make deleting a model take its
 * layers, filters, analyses and scores with it.
 */
function openSqlite(file: string, options: OpenStoreOptions): Store {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    migrateSqlite(sqlite, options.migrations);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return fromDialect("sqlite", new SqliteDialect({ database: bindingBooleans(sqlite) }), file);
}

/**
 * better-sqlite3 refuses to bind a JS boolean (SQLite has no boolean type); the repositories write booleans
 * on both dialects, so the SQLite connection binds them as 1 and 0.
 */
function bindingBooleans(sqlite: Database.Database): SqliteDatabase {
  const bind = (parameters: ReadonlyArray<unknown>) =>
    parameters.map((p) => (typeof p === "boolean" ? Number(p) : p));
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      const statement = sqlite.prepare(sql);
      return {
        reader: statement.reader,
        all: (parameters) => statement.all(bind(parameters)),
        run: (parameters) => statement.run(bind(parameters)),
        iterate: (parameters) => statement.iterate(bind(parameters)),
      };
    },
  };
}

/** `COUNT(*)` and BIGINT columns come back from pg as text (they may exceed 2^53); ours never do. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function openPostgres(
  config: Extract<StoreConfig, { dialect: "postgres" }>,
  options: OpenStoreOptions,
): Promise<Store> {
  const describe = describePostgresUrl(config.url);
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10, types: pgTypes });
  // An idle connection that breaks (the server restarted) emits 'error' on the pool; unhandled, it would end
  // the process.
  pool.on("error", (error) => options.onIdleError?.(error));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot connect to PostgreSQL at ${describe} (CARVE_DATABASE_URL): ${reason}; check that the server is ` +
        `running, the database exists and the user may connect`,
      { cause: error },
    );
  }
  try {
    await migratePostgres(client, options.migrations);
  } catch (error) {
    client.release();
    await pool.end();
    throw error;
  }
  client.release();
  return fromDialect("postgres", new PostgresDialect({ pool }), describe);
}

function fromDialect(dialect: Dialect, kyselyDialect: KyselyDialect, describe: string): Store {
  const db = new Kysely<DB>({ dialect: kyselyDialect, plugins: [new CamelCasePlugin()] });
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    describe,
    close: () => (closed ??= db.destroy()),
  };
}

/** The URL without its password (for logs and error messages). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(an unparsable CARVE_DATABASE_URL)";
  }
}
