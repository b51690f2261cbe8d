import type { EvaluationResult, ModelSummary } from "../contracts/model.js";

/** Renders rows as an aligned plain-text table (first row is the header). */
export function table(rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => (rightAligned.has(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const int = (n: number): string => n.toLocaleString("en");
export const pct = (x: number): string => (Number.isNaN(x) ? "n/a" : `${(x * 100).toFixed(2)}%`);

export function formatFlops(flops: number): string {
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} GFLOPs`;
  if (flops >= 1e6) return `${(flops / 1e6).toFixed(2)} MFLOPs`;
  return `${(flops / 1e3).toFixed(1)} kFLOPs`;
}

export function renderModelSummary(summary: ModelSummary, source: string): string {
  const rows = [["#", "layer", "kind", "output", "filters", "params", "FLOPs", "prunable"]];
  for (const l of summary.layers) {
    rows.push([
      String(l.index),
      l.name,
      l.className + (l.activation && l.activation !== "linear" ? ` (${l.activation})` : ""),
      `[${l.outputShape.join(", ")}]`,
      l.filters === null ? "" : String(l.filters),
      int(l.params),
      l.flops ? int(l.flops) : "",
      l.prunable ? "yes" : "",
    ]);
  }
  return [
    `Model ${summary.name} (${summary.topology}) from ${source}`,
    `  input [${summary.inputShape.join(", ")}], ${summary.outputClasses} classes`,
    `  ${int(summary.params)} parameters (${int(summary.trainableParams)} trainable), ` +
      `${formatFlops(summary.flops)} per image, ${int(summary.prunableFilters)} prunable filters/units`,
    "",
    table(rows, new Set([0, 4, 5, 6])),
  ].join("\n");
}

export function renderEvaluation(result: EvaluationResult): string {
  const rows = [["class", "images", "correct", "accuracy"]];
  for (const c of result.perClass) rows.push([c.className, int(c.count), int(c.correct), pct(c.accuracy)]);
  return [
    `Accuracy on ${result.dataset}: ${pct(result.accuracy)} (${int(result.correct)}/${int(result.count)}), ` +
      `loss ${result.loss.toFixed(4)}`,
    `  ${result.seconds.toFixed(2)} s, ${int(Math.round(result.imagesPerSecond))} images/s`,
    "",
    table(rows, new Set([1, 2, 3])),
  ].join("\n");
}
