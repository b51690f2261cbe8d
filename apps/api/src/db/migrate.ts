/**
 * Versioned migrations, one folder per dialect: `migrations/sqlite/NNNN_name.sql` and
 * `migrations/postgres/NNNN_name.sql`.
 *
 * EVERY MIGRATION EXISTS IN BOTH FOLDERS, with the same number and name: a change to the schema is written
 * once for SQLite and once for PostgreSQL (see migrate.test.ts, which fails when a folder lacks a version or
 * the two dialects end with different tables or columns). Add the table to `DB` in schema.ts as well.
 *
 * They are applied in order when the store opens, each in its own transaction and recorded in
 * `schema_migrations`. Hand-written SQL rather than generated, so a migration says exactly what it does. They
 * run through each driver directly (not through Kysely) because a migration file holds several statements.
 * On Postgres a session advisory lock makes two servers starting together take turns: the second finds the
 * migrations applied.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";

export type Dialect = "sqlite" | "postgres";

/** `migrations/<dialect>/`, the same from `src/db/` (tests) and from `dist/db/` (the built server). */
export function migrationsDir(dialect: Dialect): string {
  return fileURLToPath(new URL(`../../migrations/${dialect}/`, import.meta.url));
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations of a folder, in version order; a file not named `NNNN_name.sql` is an error. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match) {
        throw new Error(
          `migration file ${path.join(dir, file)} is not named NNNN_name.sql (e.g. 0002_add_runs.sql)`,
        );
      }
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(path.join(dir, file), "utf8") };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && m.version === migrations[i - 1]!.version) {
      throw new Error(`two migrations have version ${m.version} in ${dir}; give each file its own number`);
    }
  });
  return migrations;
}

const CREATE_TABLE =
  "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
const RECORD = {
  sqlite: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
  postgres: "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
};
/** Any fixed number works; hashing a name keeps it readable in `pg_locks`. */
const POSTGRES_LOCK = "SELECT pg_advisory_lock(hashtext('carve.schema_migrations'))";
const POSTGRES_UNLOCK = "SELECT pg_advisory_unlock(hashtext('carve.schema_migrations'))";

/** Refuses a database that a newer build migrated further than this build knows. */
function checkNewest(applied: ReadonlySet<number>, migrations: readonly Migration[], dialect: Dialect): void {
  const newest = Math.max(0, ...applied);
  const known = new Set(migrations.map((m) => m.version));
  if (newest > 0 && !known.has(newest)) {
    const where =
      dialect === "sqlite" ? "point CARVE_DATA_DIR elsewhere" : "point CARVE_DATABASE_URL elsewhere";
    throw new Error(
      `the database is at schema version ${newest}, which this build of @carve/api does not know ` +
        `(it knows up to ${Math.max(0, ...known)}); run a newer build or ${where}`,
    );
  }
}

function failed(migration: Migration, dialect: Dialect, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const file = `migrations/${dialect}/${String(migration.version).padStart(4, "0")}_${migration.name}.sql`;
  return new Error(`migration ${file} failed and was rolled back: ${message}`, { cause: error });
}

/** Applies the SQLite migrations not yet recorded; returns the versions applied now. */
export function migrateSqlite(
  db: BetterSqlite3.Database,
  migrations: Migration[] = readMigrations(migrationsDir("sqlite")),
): number[] {
  db.exec(CREATE_TABLE);
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
      (r) => r.version,
    ),
  );
  checkNewest(applied, migrations, "sqlite");
  const record = db.prepare(RECORD.sqlite);
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, new Date().toISOString());
      })();
    } catch (error) {
      throw failed(migration, "sqlite", error);
    }
    done.push(migration.version);
  }
  return done;
}

/**
 * Applies the Postgres migrations not yet recorded, holding the migration advisory lock for the whole run;
 * returns the versions applied now. `client` is one connection (a lock belongs to its session).
 */
export async function migratePostgres(
  client: pg.ClientBase,
  migrations: Migration[] = readMigrations(migrationsDir("postgres")),
): Promise<number[]> {
  await client.query(POSTGRES_LOCK);
  try {
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.version));
    checkNewest(applied, migrations, "postgres");
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query("BEGIN");
      try {
        // No parameters: pg sends it as a simple query, which may hold several statements.
        await client.query(migration.sql);
        await client.query(RECORD.postgres, [migration.version, migration.name, new Date().toISOString()]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw failed(migration, "postgres", error);
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query(POSTGRES_UNLOCK);
  }
}
