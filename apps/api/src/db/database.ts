import { mkdirSync } from "node:fs";
import path from "node:path";

import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";

import { migrate } from "./migrate.js";
import * as tables from "./tables.js";

export type Db = BetterSQLite3Database<typeof tables>;

/** An open, migrated database: `sqlite` for transactions and raw statements, `db` for typed queries. */
export interface Store {
  sqlite: Database.Database;
  db: Db;
  /** The database file. */
  file: string;
  close(): void;
}

/**
 * Opens (creating the folder and file if needed) and migrates the SQLite database. WAL lets readers go on
 * while a job's progress is written; foreign keys make deleting a model take its layers, filters, analyses
 * and scores with it.
 */
export function openStore(file: string): Store {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  migrate(sqlite);
  return { sqlite, db: drizzle(sqlite, { schema: tables }), file, close: () => sqlite.close() };
}
