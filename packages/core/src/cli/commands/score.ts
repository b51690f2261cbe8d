import { CarveError } from "../../errors.js";
import {
  CRITERION_NAMES,
  type CriterionName,
  type FilterScore,
  type ScoreReport,
  isCriterionName,
  scoreFilters,
} from "../../importance/index.js";
import { rankClasses } from "../../interpret/index.js";
import { loadModel } from "../../model/io.js";
import {
  type Command,
  type CommandContext,
  chooseSplit,
  intOption,
  listOption,
  openData,
  resolveModel,
  startBackend,
  stringOption,
  withProgress,
} from "../context.js";
import { pct, table } from "../format.js";

export function parseCriterion(value: string | undefined, fallback: CriterionName = "car"): CriterionName {
  if (value === undefined) return fallback;
  if (!isCriterionName(value)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `unknown criterion "${value}" (use one of ${CRITERION_NAMES.join(", ")})`,
    );
  }
  return value;
}

/** Signed percentage points, e.g. "+1.25" or "-0.05": CAR is an accuracy drop and may be negative. */
const points = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}`;

/** JSON-safe copy: typed arrays become arrays, ±Infinity (the last filter of a group) becomes null. */
export function scoreReportJson(report: ScoreReport, classNames: readonly string[]): unknown {
  return JSON.parse(
    JSON.stringify({ ...report, classNames }, (_key, value: unknown) => {
      if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value);
      if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? null : null;
      return value;
    }),
  );
}

function renderScores(report: ScoreReport, classNames: readonly string[], datasetName: string): string {
  const lines: string[] = [];
  const base = report.baseAccuracy === undefined ? "" : `, base accuracy ${pct(report.baseAccuracy)}`;
  for (const group of report.groups) {
    lines.push(
      `${report.criterion} of ${group.groupId} (${group.filters.length} of ${group.size} filters) on ${datasetName}` +
        ` (${report.images} images${base}); rank 1 = pruned first`,
      "",
    );
    const sorted = [...group.filters].sort((a, b) => a.rank - b.rank);
    const isCar = report.criterion === "car";
    const header = isCar
      ? [
          "rank",
          "filter",
          "CAR (pts)",
          "95% CI",
          "flips ↓/↑",
          "Δloss",
          "most important for",
          "least important for",
        ]
      : ["rank", "filter", "score"];
    const rows = [header];
    for (const f of sorted)
      rows.push(isCar ? carRow(f, classNames) : [String(f.rank), String(f.filter), f.score.toPrecision(4)]);
    lines.push(table(rows, new Set([0, 1, 2])), "");
  }
  lines.push(`${report.seconds.toFixed(1)} s`);
  return lines.join("\n");
}

function carRow(f: FilterScore, classNames: readonly string[]): string[] {
  const car = f.car;
  if (!car) return [String(f.rank), String(f.filter), "last filter", "", "", "", "", ""];
  const classes = f.classwise ? rankClasses(f.classwise, classNames, 2) : undefined;
  const names = (list: Array<{ className: string; score: number }>) =>
    list.map((c) => `${c.className} ${points(c.score)}`).join(", ");
  return [
    String(f.rank),
    String(f.filter),
    points(car.drop),
    `[${points(car.ci95[0])}, ${points(car.ci95[1])}]`,
    `${car.rightToWrong}/${car.wrongToRight}`,
    car.lossIncrease.toFixed(4),
    classes ? names(classes.most) : "",
    classes ? names(classes.least) : "",
  ];
}

export async function runScore(context: CommandContext) {
  await startBackend(context);
  const { path, demo } = resolveModel(context.args[0]);
  const criterion = parseCriterion(stringOption(context, "criterion"));
  const model = await loadModel(path);
  try {
    const { splits } = await openData(context, model, demo);
    const dataset = chooseSplit(context, splits);
    const layers = listOption(context, "layer");
    const report = await withProgress((bar) =>
      scoreFilters(
        model,
        criterion,
        {
          ...(layers.length ? { groups: layers } : {}),
          dataset,
          classwise: context.options.classwise === true,
          batchSize: intOption(context, "batch-size", 256),
          seed: intOption(context, "seed", 0, 0),
        },
        { signal: context.signal, onProgress: bar.update },
      ),
    );
    return { report, dataset };
  } finally {
    model.dispose();
  }
}

export const score: Command = {
  summary: "importance of every filter (CAR with 95% interval and class-wise CAR, or a baseline)",
  async run(context) {
    const { report, dataset } = await runScore(context);
    if (context.json) {
      context.out(
        JSON.stringify(
          { dataset: dataset.name, ...(scoreReportJson(report, dataset.classNames) as object) },
          null,
          2,
        ),
      );
    } else {
      context.out(renderScores(report, dataset.classNames, dataset.name));
    }
  },
};
