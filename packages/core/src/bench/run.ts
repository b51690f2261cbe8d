#!/usr/bin/env node
/**
 * `npm run bench -w @carve/core -- [options]`: the fast-CAR benchmark (not a test: it asserts nothing, it
 * reports). With --write it also writes docs/performance.md at the repository root.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { type DemoModelName, isDemoModelName } from "../demo/demo-models.js";
import type { RaceBound } from "../fastcar/index.js";
import { DEFAULT_MEMORY_BUDGET_MB } from "../fastcar/index.js";
import { runBenchmark } from "./bench.js";
import { type BenchReport, markdownReport, mergeReports } from "./report.js";

const USAGE = `Usage: node dist/bench/run.js [options]

  --models A,B            demo models (default fashion-mnist,mnist)
  --model NAME=DIR        use the model in DIR for demo model NAME (repeatable)
  --tasks car,greedy      what to run (default both)
  --memory-budget MB      the fast engine's budget (default ${DEFAULT_MEMORY_BUDGET_MB})
  --naive-seconds S       a naive run longer than this is sampled and extrapolated (default 120)
  --naive-steps N         naive greedy steps measured per layer when sampling (default 3; at least 2, or 0:
                          time whole passes only and extrapolate, no naive step run)
  --adaptive C:B,…        adaptive runs as confidence:bound (default 0.95:sign,0.95:normal; "none" to skip)
  --write                 write docs/performance.md
  --out FILE              where --write writes (default <repo>/docs/performance.md)
  --json FILE             also save the raw results as JSON
  --from-json F1,F2       render saved results instead of running (with --write to rewrite the page);
                          several files (e.g. one run per model) become one report
`;

function fail(message: string): never {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) fail(`--${name} must be a positive number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: "string" },
      model: { type: "string", multiple: true },
      tasks: { type: "string" },
      "memory-budget": { type: "string" },
      "naive-seconds": { type: "string" },
      "naive-steps": { type: "string" },
      adaptive: { type: "string" },
      write: { type: "boolean" },
      out: { type: "string" },
      json: { type: "string" },
      "from-json": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const models = (values.models ?? "fashion-mnist,mnist").split(",").map((m) => m.trim());
  for (const m of models) if (!isDemoModelName(m)) fail(`unknown demo model "${m}"`);
  const tasks = (values.tasks ?? "car,greedy").split(",").map((t) => t.trim());
  for (const t of tasks) if (t !== "car" && t !== "greedy") fail(`unknown task "${t}" (car, greedy)`);
  const adaptive =
    values.adaptive === "none"
      ? []
      : (values.adaptive ?? "0.95:sign,0.95:normal").split(",").map((spec) => {
          const [c, b = "sign"] = spec.split(":");
          const confidence = Number(c);
          if (!(confidence > 0 && confidence < 1)) fail(`adaptive confidence must be in (0, 1), got "${c}"`);
          if (b !== "sign" && b !== "normal") fail(`adaptive bound must be sign or normal, got "${b}"`);
          return { confidence, bound: b as RaceBound };
        });
  const modelDirs: Partial<Record<DemoModelName, string>> = {};
  for (const spec of values.model ?? []) {
    const [name, dir] = spec.split("=");
    if (!name || !dir || !isDemoModelName(name))
      fail(`--model takes NAME=DIR with a demo model name, got "${spec}"`);
    modelDirs[name] = dir;
  }
  const command = ["npm run bench -w @carve/core --", ...process.argv.slice(2)].join(" ");
  const saved = values["from-json"]?.split(",");
  const report: BenchReport = saved
    ? mergeReports(
        await Promise.all(saved.map(async (file) => JSON.parse(await readFile(file, "utf8")) as BenchReport)),
      )
    : await runBenchmark({
        models: models as DemoModelName[],
        modelDirs,
        tasks: tasks as Array<"car" | "greedy">,
        memoryBudgetMB: positive("memory-budget", values["memory-budget"], DEFAULT_MEMORY_BUDGET_MB),
        naiveSeconds: positive("naive-seconds", values["naive-seconds"], 120),
        naiveStepsPerLayer:
          values["naive-steps"] === "0"
            ? 0
            : Math.max(2, Math.round(positive("naive-steps", values["naive-steps"], 3))),
        batchSize: 256,
        adaptive,
        command,
        log: (line) => console.log(line),
      });
  if (values.json) await writeFile(values.json, JSON.stringify(report, null, 2));
  const markdown = markdownReport(report);
  console.log(`\n${markdown}`);
  if (values.write) {
    const out = values.out ?? fileURLToPath(new URL("../../../../docs/performance.md", import.meta.url));
    await writeFile(out, markdown);
    console.log(`wrote ${out}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
