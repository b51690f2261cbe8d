import { writeFile } from "node:fs/promises";
import path from "node:path";

import type { LayersModel } from "@tensorflow/tfjs-layers";

import { compareCriteria, rankAgreementWithCar, renderLineChartSvg } from "../../compare/index.js";
import type { Dataset, DatasetSplits } from "../../data/dataset.js";
import { CarveError } from "../../errors.js";
import { measureLatency } from "../../model/latency.js";
import { loadModel, saveModel, serializeModel } from "../../model/io.js";
import {
  type FineTuneOptions,
  type PruneOptions,
  type PruneResult,
  type PruneStep,
  greedyPrune,
} from "../../prune/index.js";
import { surgeryReport } from "../../surgery/index.js";
import {
  type Command,
  type CommandContext,
  chooseSplit,
  intOption,
  listOption,
  numberOption,
  openData,
  resolveModel,
  startBackend,
  stringOption,
  withProgress,
} from "../context.js";
import { formatFlops, int, pct, table } from "../format.js";
import { parseCriterion } from "./score.js";

/** The pruning options shared by `carve prune` and `carve compare`. */
function pruneOptionsFrom(
  context: CommandContext,
  splits: DatasetSplits,
  evaluation: Dataset,
): Omit<PruneOptions, "criterion"> {
  const layers = listOption(context, "layer");
  const global = context.options.global === true;
  if (!global && layers.length === 0) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      "give --layer NAME (repeat for several, pruned in order) or --global",
    );
  }
  const scope: PruneOptions["scope"] = global
    ? { kind: "global", ...(layers.length ? { groups: layers } : {}) }
    : layers.length === 1
      ? { kind: "layer", group: layers[0]! }
      : { kind: "sequential", groups: layers };
  const keep = stringOption(context, "keep") === undefined ? undefined : intOption(context, "keep", 1);
  const removeFraction = numberOption(context, "remove-fraction", [0, 1]);
  const minAccuracy = numberOption(context, "min-accuracy", [0, 1]);
  if (keep === undefined && removeFraction === undefined && minAccuracy === undefined) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      "give a target: --keep N, --remove-fraction F or --min-accuracy A",
    );
  }
  const protectClasses = listOption(context, "protect").map((c) => {
    const byName = evaluation.classNames.indexOf(c);
    const index = byName >= 0 ? byName : Number(c);
    if (!Number.isInteger(index) || index < 0 || index >= evaluation.classNames.length) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `--protect: unknown class "${c}" (classes: ${evaluation.classNames.join(", ")}, or their indices)`,
      );
    }
    return index;
  });
  const when = stringOption(context, "fine-tune") ?? "none";
  if (when !== "none" && when !== "each-step" && when !== "end") {
    throw new CarveError("INVALID_ARGUMENT", `--fine-tune must be none, each-step or end, got "${when}"`);
  }
  const learningRate = numberOption(context, "lr", [0, 10]);
  const fineTune: FineTuneOptions | undefined =
    when === "none"
      ? undefined
      : {
          when,
          train: splits.train,
          epochs: intOption(context, "epochs", 1),
          ...(learningRate !== undefined ? { learningRate } : {}),
        };
  const testSplit = stringOption(context, "test-split") ?? "test";
  return {
    scope,
    target: {
      ...(keep !== undefined ? { keep } : {}),
      ...(removeFraction !== undefined ? { removeFraction } : {}),
      ...(minAccuracy !== undefined ? { minAccuracy } : {}),
    },
    stepSize: intOption(context, "step", 1),
    evaluation,
    ...(testSplit === "none"
      ? {}
      : { test: testSplit === "test" ? splits.test : chooseSplit(context, splits, testSplit) }),
    ...(protectClasses.length
      ? { protect: { classes: protectClasses, maxDrop: numberOption(context, "max-drop", [0, 1]) ?? 0.01 } }
      : {}),
    ...(fineTune ? { fineTune } : {}),
    seed: intOption(context, "seed", 0, 0),
    batchSize: intOption(context, "batch-size", 256),
  };
}

function stepLine(step: PruneStep): string {
  const what = step.removed
    .map(
      (r) =>
        `${r.groupId}#${r.filter}${r.car ? ` (CAR ${(r.car.drop * 100).toFixed(2)} pts)` : ` (score ${r.score.toPrecision(3)})`}`,
    )
    .join(", ");
  const test = step.test ? `, test ${pct(step.test.accuracy)}` : "";
  const left = Object.entries(step.filtersLeft)
    .map(([g, n]) => `${g} ${n}`)
    .join(", ");
  return `step ${step.step}: removed ${what} → accuracy ${pct(step.evaluation.accuracy)}${test}; left ${left}; ${step.elapsedSeconds.toFixed(1)} s`;
}

async function modelBytes(model: LayersModel): Promise<number> {
  const { modelJson, weights } = await serializeModel(model);
  return Buffer.byteLength(modelJson) + weights.byteLength;
}

export const prune: Command = {
  summary: "greedy structural pruning by CAR (or a baseline), optionally fine-tuned; saves the smaller model",
  async run(context) {
    const backend = await startBackend(context);
    const { path: modelPath, demo } = resolveModel(context.args[0]);
    const criterion = parseCriterion(stringOption(context, "criterion"));
    const outDir = stringOption(context, "out");
    const model = await loadModel(modelPath);
    let result: PruneResult | undefined;
    try {
      const { splits } = await openData(context, model, demo);
      const evaluation = chooseSplit(context, splits);
      const options = { ...pruneOptionsFrom(context, splits, evaluation), criterion };
      result = await withProgress((bar) =>
        greedyPrune(model, options, {
          signal: context.signal,
          onProgress: bar.update,
          onStep: (step) => {
            bar.finish();
            if (!context.json) context.out(stepLine(step));
          },
        }),
      );
      const sizes = surgeryReport(model, result.model);
      const [latencyBefore, latencyAfter] = [await measureLatency(model), await measureLatency(result.model)];
      const [bytesBefore, bytesAfter] = [await modelBytes(model), await modelBytes(result.model)];
      const summary = {
        backend: backend.name,
        criterion,
        evaluation: evaluation.name,
        stopReason: result.stopReason,
        removed: result.removed,
        original: result.original,
        final: result.final,
        size: { ...sizes, bytesBefore, bytesAfter },
        latency: { before: latencyBefore, after: latencyAfter },
        steps: result.steps,
        reproducibility: result.reproducibility,
        seconds: result.seconds,
      };
      if (outDir) {
        await saveModel(result.model, outDir);
        await writeFile(path.join(outDir, "prune-report.json"), `${JSON.stringify(summary, null, 2)}\n`);
      }
      if (context.json) {
        context.out(JSON.stringify({ ...summary, savedTo: outDir ?? null }, null, 2));
        return;
      }
      const acc = (s: { evaluation: { accuracy: number }; test?: { accuracy: number } }) =>
        `${pct(s.evaluation.accuracy)}${s.test ? ` (test ${pct(s.test.accuracy)})` : ""}`;
      context.out(
        [
          "",
          `Stopped: ${result.stopReason} after ${result.steps.length} steps, ${result.seconds.toFixed(1)} s (${backend.description})`,
          table(
            [
              ["", "before", "after"],
              ["accuracy", acc(result.original), acc(result.final)],
              ["parameters", int(sizes.paramsBefore), int(sizes.paramsAfter)],
              ["FLOPs / image", formatFlops(sizes.flopsBefore), formatFlops(sizes.flopsAfter)],
              [
                "file size",
                `${(bytesBefore / 1024).toFixed(1)} KiB`,
                `${(bytesAfter / 1024).toFixed(1)} KiB`,
              ],
              [
                "latency / image",
                `${latencyBefore.msPerImage.toFixed(3)} ms`,
                `${latencyAfter.msPerImage.toFixed(3)} ms`,
              ],
            ],
            new Set([1, 2]),
          ),
          outDir
            ? `Saved the pruned model and prune-report.json (audit trail, reproducibility) to ${outDir}`
            : "Not saved (give --out DIR to save).",
        ].join("\n"),
      );
    } finally {
      model.dispose();
      result?.model.dispose();
    }
  },
};

export const compare: Command = {
  summary: "several criteria on the same model: accuracy vs filters removed, as JSON and an SVG chart",
  async run(context) {
    await startBackend(context);
    const { path: modelPath, demo } = resolveModel(context.args[0]);
    const criteria = (
      listOption(context, "criteria").length ? listOption(context, "criteria") : ["car", "l1", "random"]
    ).map((c) => parseCriterion(c));
    const model = await loadModel(modelPath);
    try {
      const { splits } = await openData(context, model, demo);
      const evaluation = chooseSplit(context, splits);
      const options = pruneOptionsFrom(context, splits, evaluation);
      const curves = await withProgress((bar) =>
        compareCriteria(
          model,
          { ...options, criteria, withAndWithoutFineTuning: options.fineTune !== undefined },
          { signal: context.signal, onProgress: bar.update },
        ),
      );
      const scopeGroups =
        options.scope.kind === "layer"
          ? [options.scope.group]
          : options.scope.groups
            ? [...options.scope.groups]
            : undefined;
      const agreement = await withProgress((bar) =>
        rankAgreementWithCar(
          model,
          {
            ...(scopeGroups ? { groups: scopeGroups } : {}),
            dataset: evaluation,
            proxies: criteria.filter((c) => c !== "car"),
            seed: options.seed ?? 0,
          },
          { signal: context.signal, onProgress: bar.update },
        ),
      );
      const label = (c: (typeof curves)[number]) => `${c.criterion}${c.fineTuned ? " + fine-tuning" : ""}`;
      const svgPath = stringOption(context, "svg");
      if (svgPath) {
        const svg = renderLineChartSvg(
          curves.map((c) => ({
            label: label(c),
            dashed: c.fineTuned,
            points: c.points.map((p) => ({ x: p.filtersRemoved, y: p.testAccuracy ?? p.evaluationAccuracy })),
          })),
          {
            title: `${path.basename(modelPath)}: accuracy vs filters removed`,
            xLabel: "filters removed",
            yLabel: `accuracy on ${options.test?.name ?? evaluation.name}`,
            formatY: (y) => `${(y * 100).toFixed(0)}%`,
          },
        );
        await writeFile(svgPath, svg);
      }
      if (context.json) {
        context.out(
          JSON.stringify({ evaluation: evaluation.name, test: options.test?.name ?? null, curves }, null, 2),
        );
        return;
      }
      const maxRemoved = Math.max(...curves.map((c) => c.points.at(-1)!.filtersRemoved));
      const marks = [
        ...new Set([
          0,
          Math.round(maxRemoved / 4),
          Math.round(maxRemoved / 2),
          Math.round((3 * maxRemoved) / 4),
          maxRemoved,
        ]),
      ];
      const rows = [["criterion", ...marks.map((m) => `${m} removed`), "seconds"]];
      for (const c of curves) {
        rows.push([
          label(c),
          ...marks.map((m) => {
            const p = c.points.find((q) => q.filtersRemoved === m);
            return p ? pct(p.testAccuracy ?? p.evaluationAccuracy) : "";
          }),
          c.seconds.toFixed(1),
        ]);
      }
      context.out(
        `Accuracy on ${options.test?.name ?? evaluation.name} at equal compression (filters chosen on ${evaluation.name}):\n`,
      );
      context.out(table(rows, new Set(marks.map((_, i) => i + 1))));
      if (agreement.length) {
        const agreementRows = [["criterion", "group", "Spearman ρ with CAR", "top-k overlap"]];
        for (const a of agreement) {
          for (const g of a.groups) {
            agreementRows.push([
              a.criterion,
              g.groupId,
              g.spearman.toFixed(3),
              `${(g.topKOverlap * 100).toFixed(0)}% (k=${g.k})`,
            ]);
          }
        }
        context.out(`\nRank agreement with CAR on the unpruned model (${evaluation.name}):\n`);
        context.out(table(agreementRows, new Set([2, 3])));
      }
      if (svgPath) context.out(`\nChart: ${svgPath}`);
    } finally {
      model.dispose();
    }
  },
};
