import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { SCHEMA_FILE, schemaFileText } from "./scripts/schema-file.js";

describe("schema.graphql", () => {
  it("matches the resolvers (after changing them, run `npm run schema -w @carve/api` and commit the file)", async () => {
    expect(await schemaFileText()).toBe(readFileSync(SCHEMA_FILE, "utf8"));
  });
});
