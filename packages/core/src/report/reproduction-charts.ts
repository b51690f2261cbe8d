/**
 * The report's charts: accuracy vs filters removed for every criterion on one layer, drawn with Carve's
 * dependency-free SVG line chart (colour-blind-safe palette). Pure: data in, SVG text out.
 */
import { renderLineChartSvg } from "../compare/line-chart-svg.js";
import type { LayerPruning, ModelReproduction } from "./reproduction-data.js";
import { criterionLabel, pct } from "./report-format.js";

/** Where a layer's chart goes, relative to the report's asset folder. */
export function chartPath(model: string, layer: string): string {
  return `${model}/${layer}-accuracy.svg`;
}

/**
 * Test accuracy after each removal, one line per criterion without fine-tuning; a fine-tuned criterion's
 * accuracy after fine-tuning is given in its legend entry.
 */
export function pruningChartSvg(model: string, layer: LayerPruning, testImages: number): string {
  const series = layer.runs.map((run) => ({
    // The fine-tuned end point is one number: it goes in the legend rather than on the axes.
    // (kept short: the legend has about 19 characters of room).
    label: `${criterionLabel(run.criterion)}${run.fineTuned ? ` (ft ${pct(run.fineTuned.testAccuracy)})` : ""}`,
    points: run.points.map((p) => ({ x: p.removed, y: p.testAccuracy })),
  }));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const [low, high] = [Math.min(...ys), Math.max(...ys)];
  // Round the axis out to whole ticks (1 or 5 points), so the top and bottom lines sit on labelled values and
  // the original accuracy is not drawn on the frame.
  const step = high - low > 0.1 ? 0.05 : 0.01;
  const yDomain: [number, number] = [
    Math.max(0, Math.floor((low - step / 4) / step) * step),
    Math.min(1, Math.ceil((high + step / 4) / step) * step),
  ];
  const digits = step < 0.05 && yDomain[1] - yDomain[0] < 0.04 ? 1 : 0;
  return renderLineChartSvg(series, {
    width: 800,
    yDomain,
    title: `${model} ${layer.layer}: test accuracy as filters are removed`,
    xLabel:
      `filters removed from ${layer.layer} (of ${layer.filters}), one per step, no fine-tuning` +
      (layer.runs.some((r) => r.fineTuned) ? "; (ft …): fine-tuned at the end" : ""),
    yLabel: `test accuracy (${testImages} images)`,
    formatY: (y) => `${(y * 100).toFixed(digits)}%`,
  });
}

/** The SVG charts, keyed by path relative to the asset folder. */
export function reproductionCharts(models: readonly ModelReproduction[]): Map<string, string> {
  const charts = new Map<string, string>();
  for (const m of models) {
    for (const layer of m.pruning) {
      charts.set(chartPath(m.model, layer.layer), pruningChartSvg(m.model, layer, m.data.test.size));
    }
  }
  return charts;
}
