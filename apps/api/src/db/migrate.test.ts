import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import Database from "better-sqlite3";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";

import { openStore } from "./database.js";
import { migrate, readMigrations } from "./migrate.js";
import * as tables from "./tables.js";

const tempDir = () => mkdtempSync(path.join(tmpdir(), "carve-migrate-"));

describe("migrations", () => {
  it("creates the database file and its folder, and applies every migration once", () => {
    const file = path.join(tempDir(), "nested", "carve.db");
    const store = openStore(file);
    const versions = store.sqlite.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    expect(versions).toEqual(readMigrations().map((m) => ({ version: m.version })));
    store.close();
    // A second start applies nothing.
    const again = new Database(file);
    expect(migrate(again)).toEqual([]);
    again.close();
  });

  it("gives every column that the typed tables declare to the migrated database", () => {
    const store = openStore(path.join(tempDir(), "carve.db"));
    for (const table of Object.values(tables)) {
      if (typeof table !== "object" || table === null || !("getSQL" in table)) continue;
      const config = getTableConfig(table as typeof tables.models);
      const columns = (
        store.sqlite.prepare(`PRAGMA table_info(${config.name})`).all() as Array<{ name: string }>
      ).map((c) => c.name);
      expect(columns, `table ${config.name}`).toEqual(
        expect.arrayContaining(config.columns.map((c) => c.name)),
      );
    }
    store.close();
  });

  it("refuses a database migrated by a newer build, naming both versions", () => {
    const db = new Database(":memory:");
    migrate(db);
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')",
    ).run();
    expect(() => migrate(db)).toThrow(/schema version 999.*knows up to 1/);
  });

  it("rolls back a migration that fails, leaving it unrecorded", () => {
    const db = new Database(":memory:");
    const bad = {
      version: 1,
      name: "bad",
      sql: "CREATE TABLE t (a INTEGER); INSERT INTO missing VALUES (1);",
    };
    expect(() => migrate(db, [bad])).toThrow(/no such table: missing/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get()).toBeUndefined();
    expect(db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get()).toEqual({ n: 0 });
  });

  it("rejects a migration file that is not named NNNN_name.sql", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "add-runs.sql"), "SELECT 1;");
    expect(() => readMigrations(dir)).toThrow(/not named NNNN_name\.sql/);
  });

  it("deletes a model's layers, filters, analyses and scores with it (foreign keys are on)", () => {
    const store = openStore(path.join(tempDir(), "carve.db"));
    const run = (sql: string) => store.sqlite.prepare(sql).run();
    run(
      `INSERT INTO models VALUES ('m', 'm', '', 'path', '/x', NULL, 'Sequential', '[]', '[]', 1, 1, 1, NULL, 't', 't')`,
    );
    run(`INSERT INTO layers (model_id, position, name, class_name, output_shape, params, flops, prunable)
         VALUES ('m', 0, 'conv1', 'Conv2D', '[]', 1, 1, 1)`);
    run(`INSERT INTO analyses (id, model_id, status, layers, groups, split, classwise, seed, created_at)
         VALUES ('a', 'm', 'SUCCEEDED', '[]', '[]', 'SELECTION', 1, 0, 't')`);
    run(`INSERT INTO car_scores (analysis_id, group_id, filter_index, rank) VALUES ('a', 'conv1', 0, 1)`);
    run(`DELETE FROM models WHERE id = 'm'`);
    for (const table of ["layers", "analyses", "car_scores"]) {
      expect(store.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
    }
    store.close();
  });
});
