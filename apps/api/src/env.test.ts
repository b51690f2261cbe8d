import path from "node:path";

import { describe, expect, it } from "vitest";

import { EnvError, databaseFile, parseEnv, storeConfig } from "./env.js";

describe("parseEnv", () => {
  it("gives every setting a default, with the database in .carve-data", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 4000,
      CARVE_JOB_CONCURRENCY: 1,
      CARVE_SEED_DEMOS: true,
      CARVE_BACKEND: "auto",
    });
    expect(databaseFile(env)).toBe(path.resolve(".carve-data", "carve.db"));
  });

  it("reads numbers and booleans from their text, and treats an empty variable as unset", () => {
    const env = parseEnv({ PORT: "0", CARVE_JOB_CONCURRENCY: "3", CARVE_SEED_DEMOS: "false", HOST: "" });
    expect(env).toMatchObject({
      PORT: 0,
      CARVE_JOB_CONCURRENCY: 3,
      CARVE_SEED_DEMOS: false,
      HOST: "0.0.0.0",
    });
  });

  it("lists every bad variable with the value it holds", () => {
    let error: unknown;
    try {
      parseEnv({
        PORT: "eighty",
        CARVE_SEED_DEMOS: "maybe",
        CARVE_BACKEND: "tpu",
        CARVE_JOB_CONCURRENCY: "0",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join("\n");
    expect(problems).toMatch(/PORT="eighty": expected a whole number from 0 to 65535/);
    expect(problems).toMatch(/CARVE_SEED_DEMOS="maybe": expected true or false/);
    expect(problems).toMatch(/CARVE_BACKEND="tpu"/);
    expect(problems).toMatch(/CARVE_JOB_CONCURRENCY="0": expected a whole number from 1 to 64/);
  });

  it("puts the database where CARVE_DB_FILE says when it is set", () => {
    expect(databaseFile({ CARVE_DATA_DIR: "/data", CARVE_DB_FILE: "/elsewhere/x.db" })).toBe(
      "/elsewhere/x.db",
    );
  });

  it("uses the SQLite file unless CARVE_DATABASE_URL names a PostgreSQL database", () => {
    expect(storeConfig(parseEnv({ CARVE_DATA_DIR: "/data" }))).toEqual({
      dialect: "sqlite",
      file: path.resolve("/data/carve.db"),
    });
    const url = "postgres://carve:secret@db.example:5432/carve";
    expect(storeConfig(parseEnv({ CARVE_DATABASE_URL: url, CARVE_DATABASE_POOL_SIZE: "4" }))).toEqual({
      dialect: "postgres",
      url,
      poolSize: 4,
    });
    expect(storeConfig(parseEnv({ CARVE_DATABASE_URL: "postgresql://db/carve" }))).toMatchObject({
      dialect: "postgres",
      poolSize: 10,
    });
  });

  it("refuses a database URL that is not PostgreSQL's without showing its password", () => {
    const problems = (url: string) => {
      try {
        parseEnv({ CARVE_DATABASE_URL: url });
      } catch (e) {
        return (e as EnvError).problems.join("\n");
      }
      throw new Error(`accepted ${url}`);
    };
    const message = problems("mysql://carve:hunter2@db/carve");
    expect(message).toMatch(
      /CARVE_DATABASE_URL="mysql:\/\/carve:\*\*\*@db\/carve": expected a PostgreSQL URL/,
    );
    expect(message).toMatch(/leave it unset for the embedded SQLite database/);
    expect(message).not.toMatch(/hunter2/);
    expect(problems("carve.db")).toMatch(/expected a PostgreSQL URL/);
  });

  it("refuses a short CARVE_SECRET_KEY without showing any of it", () => {
    try {
      parseEnv({ CARVE_SECRET_KEY: "tooshort-s3cr3t" });
      throw new Error("accepted a short key");
    } catch (e) {
      const message = (e as EnvError).problems.join("\n");
      expect(message).toMatch(/CARVE_SECRET_KEY="\(hidden\)": expected at least 32 characters; generate one/);
      expect(message).not.toMatch(/s3cr3t/);
    }
    const key = "k".repeat(32);
    expect(parseEnv({ CARVE_SECRET_KEY: key })).toMatchObject({
      CARVE_SECRET_KEY: key,
      CARVE_SESSION_DAYS: 30,
    });
  });

  it("refuses CARVE_DB_FILE and CARVE_DATABASE_URL together, since only one database is used", () => {
    expect(() => parseEnv({ CARVE_DB_FILE: "/x.db", CARVE_DATABASE_URL: "postgres://db/carve" })).toThrow(
      /CARVE_DB_FILE and CARVE_DATABASE_URL are both set.*unset one of them/,
    );
  });
});
