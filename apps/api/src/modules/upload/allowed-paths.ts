/**
 * Which server folders a client may register models and datasets from: only those under the configured roots
 * (CARVE_ALLOWED_PATHS; by default the data directory and the shipped demo models), so a GraphQL client
 * cannot make the server read arbitrary files. Paths are compared after resolving symbolic links, so a link
 * inside a root that points outside it is refused too.
 */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { ApiError } from "../../errors.js";

/** The folder of @carve/core's shipped demo models (packages/core/models). */
export function demoModelsRoot(): string {
  return path.join(
    path.dirname(createRequire(import.meta.url).resolve("@carve/core/package.json")),
    "models",
  );
}

/** The roots CARVE_ALLOWED_PATHS names (separated by the platform's path delimiter or commas). */
export function parseAllowedPaths(value: string | undefined, dataDir: string): string[] {
  const listed = value
    ?.split(new RegExp(`[,${path.delimiter === ";" ? ";" : ":"}]`))
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const roots = listed && listed.length > 0 ? listed : [dataDir, demoModelsRoot()];
  return roots.map((root) => real(path.resolve(root)));
}

/** The real path of `p` if it exists, else `p` (a missing root simply matches nothing yet). */
function real(p: string): string {
  return existsSync(p) ? realpathSync(p) : p;
}

export class AllowedPaths {
  constructor(readonly roots: readonly string[]) {}

  /** Whether `location` (absolute, resolved) lies inside one of the roots. */
  allows(location: string): boolean {
    const resolved = real(path.resolve(location));
    return this.roots.some((root) => resolved === root || resolved.startsWith(root + path.sep));
  }

  /**
   * The absolute path of `location`, or FORBIDDEN_PATH when it is outside every root. Relative paths are
   * relative to the server's working directory.
   */
  check(location: string, argument: string): string {
    const resolved = path.resolve(location);
    if (!this.allows(resolved)) {
      throw new ApiError(
        "FORBIDDEN_PATH",
        `${resolved} is outside the folders this server registers from (${this.roots.join(", ")}); ` +
          `upload the files through POST /uploads, or have the operator add the folder to CARVE_ALLOWED_PATHS`,
        { argument },
      );
    }
    return resolved;
  }
}
