#!/usr/bin/env node
// Sums the Vitest JSON reports of every workspace into the one line CI reads: "N passed, N failed".
// Vitest's own console summary is per package and not machine-readable, so it is not used.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const workspaces = ["packages", "apps"].flatMap((dir) =>
  existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)).map((name) => path.join(dir, name)) : [],
);
workspaces.push("test");

let passed = 0;
let failed = 0;
let skipped = 0;
for (const workspace of workspaces) {
  const file = path.join(root, workspace, "reports", "vitest.json");
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  // A file that fails to load (syntax error, crash in a hook) has no failed test but is a failure.
  const brokenFiles = (report.testResults ?? []).filter(
    (r) => r.status === "failed" && (r.assertionResults ?? []).every((a) => a.status !== "failed"),
  ).length;
  failed += (report.numFailedTests ?? 0) + brokenFiles;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`${workspace}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${brokenFiles} broken files`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
