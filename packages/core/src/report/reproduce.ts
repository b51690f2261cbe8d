#!/usr/bin/env node
/**
 * Entry point of the reproduction report: `node dist/report/reproduce.js --out DIR [--models a,b] [--quick]`.
 * Runs the experiments of each requested demo model, stores its numbers and images under
 * DIR/reproduction/<model>/, and renders DIR/reproduction.md from the results of every demo model found there.
 * Progress goes to stderr. The library computes; only this file writes.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { initBackend, parseBackendName } from "../backend/index.js";
import {
  DEMO_MODEL_NAMES,
  type DemoModelName,
  isDemoModelName,
  readDemoModelCard,
} from "../demo/demo-models.js";
import { CarveError, isCarveError } from "../errors.js";
import { type ModelReproduction, REPRODUCTION_SCHEMA, type RunEnvironment } from "./reproduction-data.js";
import { reproduceModel, runEnvironment } from "./reproduction-experiments.js";
import { reproductionCharts } from "./reproduction-charts.js";
import { renderReproductionMarkdown } from "./reproduction-markdown.js";
import { FULL_SETTINGS, QUICK_SETTINGS, type ReproductionSettings } from "./reproduction-settings.js";

const ASSET_DIR = "reproduction";
const REPORT_FILE = "reproduction.md";
/** What users run (from the repository root) to regenerate the committed report. */
const COMMAND = "npm run reproduce -w @carve/core";

const USAGE = `Usage: node dist/report/reproduce.js --out DIR [--models a,b] [--quick] [--backend NAME]

Runs the reproduction experiments of the CAR paper on Carve's demo models and writes DIR/${REPORT_FILE} with its
charts, images and numbers in DIR/${ASSET_DIR}/.

  --out DIR        where to write (the npm script passes ../../docs)
  --models a,b     demo models to run (default all: ${DEMO_MODEL_NAMES.join(", ")}); results of the others
                   already in DIR/${ASSET_DIR}/ are kept and included in the report
  --quick          tiny sizes (200 images, a quarter of each layer, 3 criteria): a smoke run, not evidence
  --render-only    run nothing: re-render the report from the results stored in DIR/${ASSET_DIR}/
  --backend NAME   auto (default) | node-gpu | node | wasm | cpu
  -h, --help       this help`;

/** Through a variable, so TypeScript does not resolve it: Prettier is the monorepo's dev tool, not a dependency. */
const PRETTIER = "prettier";

interface PrettierApi {
  format(text: string, options: Record<string, unknown>): Promise<string>;
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
}

/**
 * Formats a file's text with the repository's Prettier and its settings for `file`, when Prettier is
 * installed (it is in a development checkout), so the committed report and results pass `prettier --check`;
 * otherwise returns the text as it is.
 */
async function formatForRepository(text: string, parser: "json" | "markdown", file: string): Promise<string> {
  let prettier: PrettierApi;
  try {
    prettier = (await import(PRETTIER)) as PrettierApi;
  } catch {
    return text;
  }
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, parser });
}

function parseModels(value: string | undefined): DemoModelName[] {
  if (value === undefined) return [...DEMO_MODEL_NAMES];
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isDemoModelName(name)) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `--models: no demo model "${name}" (available: ${DEMO_MODEL_NAMES.join(", ")})`,
      );
    }
  }
  return names as DemoModelName[];
}

async function readStoredResult(file: string): Promise<ModelReproduction | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as ModelReproduction;
  return parsed.schema === REPRODUCTION_SCHEMA ? parsed : undefined;
}

interface RunTarget {
  assetRoot: string;
  outDir: string;
  environment: RunEnvironment;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Models that could not run are added here. */
  missing: Array<{ model: string; reason: string }>;
}

/** Runs each model's experiments and replaces its folder of results and images. */
async function runModels(
  names: readonly DemoModelName[],
  settings: ReproductionSettings,
  target: RunTarget,
): Promise<void> {
  const { assetRoot, outDir, log } = target;
  for (const name of names) {
    try {
      await readDemoModelCard(name);
    } catch (error) {
      if (!isCarveError(error, "NOT_FOUND")) throw error;
      log(`skipping ${name}: not trained yet (run: carve train-demo ${name})`);
      target.missing.push({ model: name, reason: "not trained when the report was generated" });
      continue;
    }
    const { result, assets } = await reproduceModel(name, settings, target.environment, {
      signal: target.signal,
      log,
    });
    const modelDir = path.join(assetRoot, name);
    await rm(modelDir, { recursive: true, force: true });
    await mkdir(modelDir, { recursive: true });
    for (const [file, bytes] of assets) await writeFile(path.join(assetRoot, file), bytes);
    const resultsFile = path.join(modelDir, "results.json");
    await writeFile(
      resultsFile,
      await formatForRepository(JSON.stringify(result, null, 2), "json", resultsFile),
    );
    log(
      `${name}: done in ${Math.round(result.totalSeconds)} s; results in ${path.relative(outDir, modelDir)}/`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: "string" },
        models: { type: "string" },
        quick: { type: "boolean" },
        "render-only": { type: "boolean" },
        backend: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new CarveError("INVALID_ARGUMENT", `${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.out) throw new CarveError("INVALID_ARGUMENT", `--out DIR is required\n\n${USAGE}`);
  const outDir = path.resolve(values.out);
  const assetRoot = path.join(outDir, ASSET_DIR);
  const requested = values["render-only"] ? [] : parseModels(values.models);

  const started = performance.now();
  const stamp = () => {
    const s = Math.round((performance.now() - started) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  };
  const log = (line: string) => process.stderr.write(`[${stamp()}] ${line}\n`);

  const controller = new AbortController();
  process.once("SIGINT", () => {
    log("interrupted: stopping after the current batch");
    controller.abort();
  });

  const missing: Array<{ model: string; reason: string }> = [];
  if (requested.length > 0) {
    const backend = await initBackend({
      backend: values.backend ? parseBackendName(values.backend) : "auto",
    });
    log(`backend: ${backend.description}; writing to ${outDir}`);
    await runModels(requested, values.quick ? QUICK_SETTINGS : FULL_SETTINGS, {
      assetRoot,
      outDir,
      environment: runEnvironment(backend.description),
      signal: controller.signal,
      log,
      missing,
    });
  }

  const models: ModelReproduction[] = [];
  for (const name of DEMO_MODEL_NAMES) {
    const stored = await readStoredResult(path.join(assetRoot, name, "results.json"));
    if (stored) {
      models.push(stored);
      if (!requested.includes(name)) log(`${name}: using stored results from ${stored.computedAt}`);
    }
  }
  if (models.length === 0) {
    throw new CarveError(
      "NOT_FOUND",
      `no results to report: none of ${requested.join(", ")} could be run and ${assetRoot} holds none; ` +
        "train the demo models first (carve train-demo all)",
    );
  }
  for (const [file, svg] of reproductionCharts(models)) {
    await mkdir(path.dirname(path.join(assetRoot, file)), { recursive: true });
    await writeFile(path.join(assetRoot, file), svg);
  }
  const command = `${COMMAND}${models.every((m) => m.settings.quick) ? " -- --quick" : ""}`;
  const markdown = renderReproductionMarkdown(models, {
    command,
    assetDir: ASSET_DIR,
    generatedAt: new Date().toISOString(),
    missing: DEMO_MODEL_NAMES.filter((name) => !models.some((m) => m.model === name)).map((name) => ({
      model: name,
      reason:
        missing.find((m) => m.model === name)?.reason ??
        `no stored results; run it with \`--models ${name}\``,
    })),
  });
  const reportFile = path.join(outDir, REPORT_FILE);
  await writeFile(reportFile, await formatForRepository(markdown, "markdown", reportFile));
  log(`wrote ${path.join(outDir, REPORT_FILE)} (${models.map((m) => m.model).join(", ")})`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isCarveError(error)) {
      process.stderr.write(`reproduce: ${error.message}\n`);
      process.exit(error.code === "ABORTED" ? 130 : 2);
    }
    process.stderr.write(`reproduce: unexpected failure\n${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
