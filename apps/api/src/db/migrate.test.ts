import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { type Kysely, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";

import { DIALECTS, type TestDatabase, createTestDatabase } from "../test-utils/databases.js";
import { type Migration, migrationsDir, readMigrations } from "./migrate.js";
import type { DB } from "./schema.js";
import { type Dialect, type Store, openStore } from "./store.js";

/**
 * Every column of every table in `DB`, spelled out: the compiler insists this lists exactly what schema.ts
 * declares (add a table or column there and this fails to compile until it is listed here too), and the
 * tests below check that both dialects' migrations create exactly these.
 */
const DECLARED: { [T in keyof DB]: { [C in keyof DB[T]]-?: true } } = {
  pruningRuns: {
    id: true,
    modelId: true,
    status: true,
    criterion: true,
    scope: true,
    layers: true,
    groups: true,
    targetKeep: true,
    targetRemoveFraction: true,
    targetMinAccuracy: true,
    stepSize: true,
    fineTune: true,
    fineTuneEpochs: true,
    fineTuneLearningRate: true,
    protectClasses: true,
    protectMaxDrop: true,
    selectionSplit: true,
    maxSelectionImages: true,
    maxTestImages: true,
    maxTrainImages: true,
    seed: true,
    classNames: true,
    plannedSteps: true,
    stepsDone: true,
    phase: true,
    etaSeconds: true,
    originalSummary: true,
    finalSummary: true,
    stopReason: true,
    resultModelId: true,
    reproducibility: true,
    errorCode: true,
    errorMessage: true,
    resumes: true,
    revision: true,
    createdAt: true,
    startedAt: true,
    finishedAt: true,
  },
  pruningSteps: {
    runId: true,
    step: true,
    details: true,
    selectionAccuracy: true,
    testAccuracy: true,
    params: true,
    flops: true,
    elapsedSeconds: true,
    checkpoint: true,
    createdAt: true,
  },
  models: {
    id: true,
    name: true,
    description: true,
    sourceKind: true,
    source: true,
    dataset: true,
    topology: true,
    inputShape: true,
    classNames: true,
    params: true,
    flops: true,
    sizeBytes: true,
    testAccuracy: true,
    createdAt: true,
    updatedAt: true,
    workspaceId: true,
  },
  layers: {
    modelId: true,
    position: true,
    name: true,
    className: true,
    outputShape: true,
    filters: true,
    kernelSize: true,
    activation: true,
    params: true,
    flops: true,
    prunable: true,
    groupId: true,
  },
  filters: {
    modelId: true,
    layerName: true,
    groupId: true,
    filterIndex: true,
    l1Norm: true,
    weightPng: true,
  },
  analyses: {
    id: true,
    modelId: true,
    status: true,
    layers: true,
    groups: true,
    split: true,
    classwise: true,
    maxImages: true,
    seed: true,
    progressDone: true,
    progressTotal: true,
    phase: true,
    etaSeconds: true,
    images: true,
    baseAccuracy: true,
    errorCode: true,
    errorMessage: true,
    revision: true,
    createdAt: true,
    startedAt: true,
    finishedAt: true,
    datasetId: true,
    dataset: true,
  },
  carScores: {
    analysisId: true,
    groupId: true,
    filterIndex: true,
    rank: true,
    dropValue: true,
    ci95Low: true,
    ci95High: true,
    rightToWrong: true,
    wrongToRight: true,
    lossIncrease: true,
    accuracyWithout: true,
    classwise: true,
  },
  settings: { key: true, value: true },
  schemaMigrations: { version: true, name: true, appliedAt: true },
  users: { id: true, email: true, displayName: true, passwordHash: true, createdAt: true, updatedAt: true },
  sessions: {
    id: true,
    userId: true,
    tokenHash: true,
    createdAt: true,
    expiresAt: true,
    lastUsedAt: true,
    revokedAt: true,
  },
  apiTokens: {
    id: true,
    userId: true,
    name: true,
    tokenHash: true,
    prefix: true,
    createdAt: true,
    expiresAt: true,
    lastUsedAt: true,
    revokedAt: true,
  },
  signInLinks: {
    id: true,
    userId: true,
    tokenHash: true,
    createdAt: true,
    expiresAt: true,
    usedAt: true,
    revokedAt: true,
  },
  workspaces: { id: true, name: true, createdAt: true, updatedAt: true },
  memberships: { workspaceId: true, userId: true, role: true, createdAt: true, updatedAt: true },
  invites: {
    id: true,
    workspaceId: true,
    tokenHash: true,
    role: true,
    createdBy: true,
    createdAt: true,
    expiresAt: true,
    usedAt: true,
    usedBy: true,
    revokedAt: true,
  },
  shareLinks: {
    id: true,
    workspaceId: true,
    targetKind: true,
    targetIds: true,
    tokenHash: true,
    createdBy: true,
    createdAt: true,
    expiresAt: true,
    lastUsedAt: true,
    revokedAt: true,
  },
  annotations: {
    id: true,
    workspaceId: true,
    kind: true,
    targetKind: true,
    modelId: true,
    layerName: true,
    filterIndex: true,
    runId: true,
    body: true,
    authorId: true,
    createdAt: true,
    updatedAt: true,
  },
  datasets: {
    id: true,
    name: true,
    description: true,
    sourceKind: true,
    format: true,
    location: true,
    classNames: true,
    imageShape: true,
    trainSize: true,
    validationSize: true,
    testSize: true,
    createdAt: true,
    workspaceId: true,
  },
  modelEvaluations: {
    id: true,
    modelId: true,
    datasetId: true,
    split: true,
    maxImages: true,
    seed: true,
    status: true,
    images: true,
    accuracy: true,
    loss: true,
    perClass: true,
    errorMessage: true,
    createdAt: true,
    finishedAt: true,
  },
};

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `table.column` → whether it refuses NULL (a primary key column counts as refusing it on both dialects). */
async function columnsOf(store: Store): Promise<Map<string, boolean>> {
  const rows =
    store.dialect === "sqlite"
      ? await sql<{ tableName: string; columnName: string; required: number }>`
          SELECT m.name AS table_name, p.name AS column_name, (p."notnull" OR p.pk > 0) AS required
          FROM sqlite_master m, pragma_table_info(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`.execute(store.db)
      : await sql<{ tableName: string; columnName: string; required: boolean }>`
          SELECT table_name, column_name, is_nullable = 'NO' AS required
          FROM information_schema.columns WHERE table_schema = current_schema()`.execute(store.db);
  return new Map(rows.rows.map((r) => [`${r.tableName}.${r.columnName}`, Boolean(r.required)]));
}

const ON_DELETE: Record<string, string> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

/**
 * Keys and references, one line each: `primary key t(a,b)`, `unique t(a)` (partial indexes included),
 * `t.a references u ON DELETE CASCADE`. SQLite lists a rowid alias (INTEGER PRIMARY KEY) as no index at all,
 * so primary keys are read from the columns rather than from the indexes.
 */
async function constraintsOf(store: Store): Promise<string[]> {
  type Key = { tableName: string; columns: string };
  type Reference = { tableName: string; columnName: string; refTable: string; onDelete: string };
  let primary: Key[];
  let unique: Key[];
  let references: Reference[];
  if (store.dialect === "sqlite") {
    const tables = sql`(SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%')`;
    primary = (
      await sql<Key>`
        SELECT t.name AS table_name,
          (SELECT group_concat(name, ',') FROM
            (SELECT p.name FROM pragma_table_info(t.name) p WHERE p.pk > 0 ORDER BY p.pk)) AS columns
        FROM ${tables} t`.execute(store.db)
    ).rows.filter((k) => k.columns !== null);
    unique = (
      await sql<Key>`
        SELECT t.name AS table_name,
          (SELECT group_concat(name, ',') FROM
            (SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)) AS columns
        FROM ${tables} t, pragma_index_list(t.name) il
        WHERE il."unique" = 1 AND il.origin <> 'pk'`.execute(store.db)
    ).rows;
    references = (
      await sql<Reference>`
        SELECT t.name AS table_name, f."from" AS column_name, f."table" AS ref_table, f.on_delete
        FROM ${tables} t, pragma_foreign_key_list(t.name) f`.execute(store.db)
    ).rows;
  } else {
    const keys = (condition: string) => sql<Key>`
      SELECT t.relname AS table_name, string_agg(a.attname, ',' ORDER BY k.ord) AS columns
      FROM pg_index i
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema() AND ${sql.raw(condition)}
      GROUP BY i.indexrelid, t.relname`;
    primary = (await keys("i.indisprimary").execute(store.db)).rows;
    unique = (await keys("i.indisunique AND NOT i.indisprimary").execute(store.db)).rows;
    references = (
      await sql<Reference>`
        SELECT t.relname AS table_name, a.attname AS column_name, r.relname AS ref_table,
          c.confdeltype AS on_delete
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_class r ON r.oid = c.confrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.contype = 'f' AND n.nspname = current_schema()`.execute(store.db)
    ).rows.map((r) => ({ ...r, onDelete: ON_DELETE[r.onDelete] ?? r.onDelete }));
  }
  return [
    ...primary.map((k) => `primary key ${k.tableName}(${k.columns})`),
    ...unique.map((k) => `unique ${k.tableName}(${k.columns})`),
    ...references.map(
      (r) => `${r.tableName}.${r.columnName} references ${r.refTable} ON DELETE ${r.onDelete}`,
    ),
  ].sort();
}

async function appliedVersions(db: Kysely<DB>): Promise<number[]> {
  const rows = await db.selectFrom("schemaMigrations").select("version").orderBy("version").execute();
  return rows.map((r) => r.version);
}

const databases: TestDatabase[] = [];
const stores: Store[] = [];
async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  const database = await createTestDatabase(dialect, "migrate");
  databases.push(database);
  return database;
}
async function open(database: TestDatabase, migrations?: Migration[]): Promise<Store> {
  const store = await openStore(database.config, migrations ? { migrations } : {});
  stores.push(store);
  return store;
}

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

describe("migration files", () => {
  it("has every migration in both folders, with the same version and name", () => {
    const sqlite = readMigrations(migrationsDir("sqlite")).map((m) => `${m.version} ${m.name}`);
    const postgres = readMigrations(migrationsDir("postgres")).map((m) => `${m.version} ${m.name}`);
    expect(postgres).toEqual(sqlite);
    expect(sqlite.length).toBeGreaterThan(0);
  });

  it("rejects a migration file that is not named NNNN_name.sql", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "carve-migrate-"));
    writeFileSync(path.join(dir, "add-runs.sql"), "SELECT 1;");
    expect(() => readMigrations(dir)).toThrow(/not named NNNN_name\.sql/);
  });

  it("ends with the same tables and columns, and the same NOT NULLs, on SQLite and Postgres", async () => {
    const [sqlite, postgres] = await Promise.all(DIALECTS.map(async (d) => open(await freshDatabase(d))));
    const sqliteColumns = await columnsOf(sqlite!);
    const postgresColumns = await columnsOf(postgres!);
    expect([...postgresColumns].sort()).toEqual([...sqliteColumns].sort());
  });
  it("gives both dialects the same primary keys, unique indexes and foreign keys (with their ON DELETE)", async () => {
    const [sqlite, postgres] = await Promise.all(DIALECTS.map(async (d) => open(await freshDatabase(d))));
    const expected = await constraintsOf(sqlite!);
    expect(expected).toEqual(
      expect.arrayContaining([
        "primary key models(id)",
        "unique models(workspace_id,source)",
        "car_scores.analysis_id references analyses ON DELETE CASCADE",
      ]),
    );
    expect(await constraintsOf(postgres!)).toEqual(expected);
  });
});

describe.each(DIALECTS)("migrations on %s", (dialect) => {
  it("applies every migration once, recording it; a second start applies nothing", async () => {
    const database = await freshDatabase(dialect);
    const expected = readMigrations(migrationsDir(dialect)).map((m) => m.version);
    const first = await open(database);
    expect(await appliedVersions(first.db)).toEqual(expected);
    await first.close();
    const again = await open(database);
    expect(await appliedVersions(again.db)).toEqual(expected);
  });

  it("creates exactly the tables and columns that schema.ts declares", async () => {
    const store = await open(await freshDatabase(dialect));
    const declared = Object.entries(DECLARED).flatMap(([table, columns]) =>
      Object.keys(columns).map((column) => `${snake(table)}.${snake(column)}`),
    );
    expect([...(await columnsOf(store)).keys()].sort()).toEqual(declared.sort());
  });

  it("refuses a database migrated by a newer build, naming both versions", async () => {
    const database = await freshDatabase(dialect);
    const store = await open(database);
    await store.db
      .insertInto("schemaMigrations")
      .values({ version: 999, name: "future", appliedAt: "now" })
      .execute();
    await store.close();
    const known = Math.max(...readMigrations(migrationsDir(dialect)).map((m) => m.version));
    const where = dialect === "sqlite" ? "CARVE_DATA_DIR" : "CARVE_DATABASE_URL";
    await expect(openStore(database.config)).rejects.toThrow(
      new RegExp(`schema version 999.*knows up to ${known}\\).*point ${where} elsewhere`),
    );
  });

  it("rolls back a migration that fails, leaving it unrecorded, and names its file", async () => {
    const database = await freshDatabase(dialect);
    const bad = {
      version: 1,
      name: "bad",
      sql: "CREATE TABLE t (a INTEGER); INSERT INTO missing VALUES (1);",
    };
    await expect(openStore(database.config, { migrations: [bad] })).rejects.toThrow(
      new RegExp(
        `migrations/${dialect}/0001_bad\\.sql failed and was rolled back: ` +
          `(no such table: missing|relation "missing" does not exist)`,
      ),
    );
    const store = await open(database, []);
    expect(await appliedVersions(store.db)).toEqual([]);
    const tables = await columnsOf(store);
    expect([...tables.keys()].filter((c) => c.startsWith("t."))).toEqual([]);
  });

  it("deletes a model's layers, filters, analyses and scores with it (foreign keys cascade)", async () => {
    const { db } = await open(await freshDatabase(dialect));
    await db
      .insertInto("models")
      .values({
        id: "m",
        name: "m",
        description: "",
        sourceKind: "path",
        source: "/x",
        dataset: null,
        topology: "Sequential",
        inputShape: "[]",
        classNames: "[]",
        params: 1,
        flops: 1,
        sizeBytes: 1,
        testAccuracy: null,
        createdAt: "t",
        updatedAt: "t",
      })
      .execute();
    await db
      .insertInto("layers")
      .values({
        modelId: "m",
        position: 0,
        name: "conv1",
        className: "Conv2D",
        outputShape: "[]",
        filters: 1,
        kernelSize: null,
        activation: null,
        params: 1,
        flops: 1,
        prunable: true,
        groupId: "conv1",
      })
      .execute();
    await db
      .insertInto("filters")
      .values({
        modelId: "m",
        layerName: "conv1",
        groupId: "conv1",
        filterIndex: 0,
        l1Norm: 1,
        weightPng: null,
      })
      .execute();
    await db
      .insertInto("analyses")
      .values({
        id: "a",
        modelId: "m",
        status: "SUCCEEDED",
        layers: "[]",
        groups: "[]",
        split: "SELECTION",
        classwise: true,
        maxImages: null,
        seed: 0,
        createdAt: "t",
      })
      .execute();
    await db
      .insertInto("carScores")
      .values({ analysisId: "a", groupId: "conv1", filterIndex: 0, rank: 1, classwise: null })
      .execute();
    await db.deleteFrom("models").where("id", "=", "m").execute();
    for (const table of ["layers", "filters", "analyses", "carScores"] as const) {
      const { n } = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(n), table).toBe(0);
    }
  });

  if (dialect === "sqlite") {
    it("creates the file and its folder, and writes ahead (WAL) with foreign keys on", async () => {
      const database = await freshDatabase("sqlite");
      const file = path.join(path.dirname((database.config as { file: string }).file), "nested", "carve.db");
      const store = await open({ ...database, config: { dialect: "sqlite", file } });
      expect(existsSync(file)).toBe(true);
      expect(store.describe).toBe(file);
      const journal = await sql<{ journalMode: string }>`PRAGMA journal_mode`.execute(store.db);
      expect(journal.rows[0]?.journalMode).toBe("wal");
      const keys = await sql<{ foreignKeys: number }>`PRAGMA foreign_keys`.execute(store.db);
      expect(keys.rows[0]?.foreignKeys).toBe(1);
    });
  } else {
    it("lets two servers starting together migrate once (an advisory lock makes them take turns)", async () => {
      const database = await freshDatabase("postgres");
      const [a, b] = await Promise.all([open(database), open(database)]);
      const expected = readMigrations(migrationsDir("postgres")).map((m) => m.version);
      expect(await appliedVersions(a!.db)).toEqual(expected);
      expect(await appliedVersions(b!.db)).toEqual(expected);
    });

    it("describes the database without its password, and says clearly when it cannot connect", async () => {
      const url = "postgres://carve:secret@127.0.0.1:1/nowhere";
      await expect(openStore({ dialect: "postgres", url })).rejects.toThrow(
        /cannot connect to PostgreSQL at postgres:\/\/carve@127\.0\.0\.1:1\/nowhere \(CARVE_DATABASE_URL\): .*ECONNREFUSED/,
      );
      const store = await open(await freshDatabase("postgres"));
      expect(store.describe).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/carve_test_migrate_/);
    });
  }
});
