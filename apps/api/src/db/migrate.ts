/**
 * Versioned migrations: `migrations/sqlite/NNNN_name.sql`, applied in order at start, each in its own
 * transaction and recorded in `schema_migrations`. Hand-written SQL rather than generated, so a migration says
 * exactly what it does; a Postgres flavour would sit beside it in `migrations/postgres/`.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type Database from "better-sqlite3";

/** `migrations/sqlite`, the same from `src/db/` (tests) and from `dist/db/` (the built server). */
export const SQLITE_MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/sqlite/", import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations of a folder, in version order; a file not named `NNNN_name.sql` is an error. */
export function readMigrations(dir: string = SQLITE_MIGRATIONS_DIR): Migration[] {
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

/** Applies the migrations not yet recorded; returns the versions applied now. */
export function migrate(db: Database.Database, migrations: Migration[] = readMigrations()): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
      (r) => r.version,
    ),
  );
  const newest = Math.max(0, ...applied);
  const known = new Set(migrations.map((m) => m.version));
  if (newest > 0 && !known.has(newest)) {
    throw new Error(
      `the database is at schema version ${newest}, which this build of @carve/api does not know ` +
        `(it knows up to ${Math.max(0, ...known)}); run a newer build or point CARVE_DATA_DIR elsewhere`,
    );
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
    done.push(migration.version);
  }
  return done;
}
