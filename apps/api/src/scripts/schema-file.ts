/**
 * The text of the committed `schema.graphql`: the printed schema under a header, formatted by the repository's
 * prettier settings so that `prettier --check .` agrees with the generator.
 */
import { fileURLToPath } from "node:url";

import { printApiSchema } from "../schema.js";

/** `apps/api/schema.graphql`, from `src/scripts/` and from `dist/scripts/` alike. */
export const SCHEMA_FILE = fileURLToPath(new URL("../../schema.graphql", import.meta.url));

const HEADER =
  "# Generated from the type-graphql resolvers of @carve/api by `npm run schema -w @carve/api`; do not edit.\n" +
  "# A test fails when this file and the resolvers disagree.\n\n";

export async function schemaFileText(): Promise<string> {
  // Prettier is a development tool: loaded only when the schema file is written or checked.
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(HEADER + (await printApiSchema()), { ...options, parser: "graphql" });
}
