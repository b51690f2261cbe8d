/** Writes schema.graphql at the package root from the resolvers: `npm run schema -w @carve/api`. */
import "reflect-metadata";

import { writeFile } from "node:fs/promises";

import { SCHEMA_FILE, schemaFileText } from "./schema-file.js";

await writeFile(SCHEMA_FILE, await schemaFileText());
console.log(`wrote ${SCHEMA_FILE}`);
