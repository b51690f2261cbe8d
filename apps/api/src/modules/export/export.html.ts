/**
 * The HTML export: one self-contained page that opens offline and from a mail attachment. Everything is
 * inline — CSS in a <style>, the accuracy curve as SVG drawn here, kernel images as data: URIs — and a
 * Content-Security-Policy that allows nothing else, so the page makes no request and runs no script even if a
 * label somehow carried markup. Every text from the database goes through {@link escapeHtml}.
 */
import type { PruningStep } from "../pruning/run.type.js";
import { CLASSES_AT_EACH_END, type ExportReport, type ExportedRun } from "./export.service.js";

/** Okabe–Ito colours (readable with every common colour-vision deficiency), with dash patterns as well. */
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3"];

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const e = escapeHtml;

function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(2)}%`;
}

function count(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : Math.round(value).toLocaleString("en-US");
}

function num(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

/** "−12.3%" for how much `after` is below `before`. */
function change(before: number | null | undefined, after: number | null | undefined): string {
  if (before === null || before === undefined || after === null || after === undefined || before === 0)
    return "—";
  const delta = (after - before) / before;
  return `${delta > 0 ? "+" : delta < 0 ? "−" : ""}${Math.abs(delta * 100).toFixed(1)}%`;
}

/** "+1.00 pp": an accuracy's change in percentage points (a relative change of an accuracy misleads). */
function accuracyChange(before: number | null | undefined, after: number | null | undefined): string {
  if (before === null || before === undefined || after === null || after === undefined) return "—";
  const delta = (after - before) * 100;
  return `${delta > 0 ? "+" : delta < 0 ? "−" : "±"}${Math.abs(delta).toFixed(2)} pp`;
}

interface Series {
  name: string;
  points: Array<{ step: number; accuracy: number }>;
}

/** The accuracy of a run after each step, step 0 being the unpruned network: on test images if measured. */
function accuracySeries(exported: ExportedRun, name: string): Series[] {
  const { run, steps } = exported;
  const curve = (pick: (s: PruningStep) => number | null | undefined, start: number | null | undefined) => {
    const points = start === null || start === undefined ? [] : [{ step: 0, accuracy: start }];
    for (const s of steps) {
      const accuracy = pick(s);
      if (accuracy !== null && accuracy !== undefined) points.push({ step: s.step, accuracy });
    }
    return points;
  };
  const test = curve((s) => s.test?.accuracy, run.original?.test?.accuracy);
  const selection = curve((s) => s.selection.accuracy, run.original?.selection.accuracy);
  return [
    ...(test.length > 0 ? [{ name: `${name} test images`.trim(), points: test }] : []),
    ...(selection.length > 0 ? [{ name: `${name} selection images`.trim(), points: selection }] : []),
  ];
}

/** A line chart of accuracy against step, as inline SVG. */
export function accuracyChart(series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p class="muted">No step has been made yet.</p>`;
  const [width, height] = [680, 280];
  const margin = { left: 56, right: 16, top: 12, bottom: 40 };
  const maxStep = Math.max(1, ...all.map((p) => p.step));
  let low = Math.min(...all.map((p) => p.accuracy));
  let high = Math.max(...all.map((p) => p.accuracy));
  const pad = Math.max(0.01, (high - low) * 0.1);
  low = Math.max(0, low - pad);
  high = Math.min(1, high + pad);
  if (high <= low) high = low + 0.01;
  const x = (step: number) => margin.left + (step / maxStep) * (width - margin.left - margin.right);
  const y = (acc: number) =>
    margin.top + ((high - acc) / (high - low)) * (height - margin.top - margin.bottom);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const acc = low + ((high - low) * i) / 4;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(acc).toFixed(1)}" y2="${y(acc).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${(y(acc) + 4).toFixed(1)}" text-anchor="end">${(acc * 100).toFixed(1)}%</text>`,
    );
  }
  const stepTicks = Math.min(maxStep, 10);
  for (let i = 0; i <= stepTicks; i++) {
    const step = Math.round((maxStep * i) / stepTicks);
    parts.push(
      `<text x="${x(step).toFixed(1)}" y="${height - margin.bottom + 16}" text-anchor="middle">${step}</text>`,
    );
  }
  parts.push(
    `<text x="${(margin.left + width - margin.right) / 2}" y="${height - 6}" text-anchor="middle">step</text>`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#888"/>`,
  );
  const legend: string[] = [];
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    // Lines that coincide (equal accuracies) stay apart by their dashes.
    const dash = DASHES[i % DASHES.length]!;
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
    const points = s.points.map((p) => `${x(p.step).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashAttr} points="${points}"><title>${e(s.name)}</title></polyline>`,
      ...s.points.map(
        (p) =>
          `<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.accuracy).toFixed(1)}" r="2.5" fill="${colour}"><title>${e(s.name)}, step ${p.step}: ${percent(p.accuracy)}</title></circle>`,
      ),
    );
    legend.push(
      `<span class="key"><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="${colour}" stroke-width="2"${dashAttr}/></svg>${e(s.name)}</span>`,
    );
  });
  return (
    `<figure><svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Accuracy after each step">` +
    parts.join("") +
    `</svg><figcaption>${legend.join(" ")}</figcaption></figure>`
  );
}

function settings(exported: ExportedRun): string {
  const { run, model } = exported;
  const target = [
    run.target.keep !== null ? `keep ${run.target.keep} filters` : null,
    run.target.removeFraction !== null ? `remove ${percent(run.target.removeFraction)}` : null,
    run.target.minAccuracy !== null ? `accuracy at least ${percent(run.target.minAccuracy)}` : null,
  ].filter((t) => t !== null);
  const rows: Array<[string, string]> = [
    ["Model", `${model.name} (${model.id})`],
    ["Run", run.id],
    ["Status", run.status + (run.stopReason ? ` (${run.stopReason})` : "")],
    ["Criterion", run.criterion],
    ["Scope", `${run.scope}: ${run.layers.join(", ")}`],
    ["Target", target.join(", ") || "—"],
    ["Filters per step", String(run.stepSize)],
    [
      "Fine-tuning",
      run.fineTune.schedule === "NONE"
        ? "none"
        : `${run.fineTune.schedule}, ${run.fineTune.epochs} epoch(s)` +
          (run.fineTune.learningRate !== null ? `, learning rate ${run.fineTune.learningRate}` : ""),
    ],
    [
      "Class protection",
      run.protection
        ? `${run.protection.classNames.join(", ")} within ${percent(run.protection.maxDrop)}`
        : "none",
    ],
    [
      "Selection images",
      `${run.selectionSplit.toLowerCase()}${run.maxSelectionImages !== null ? `, sample of ${run.maxSelectionImages}` : ""}`,
    ],
    ["Test images", run.maxTestImages !== null ? `sample of ${run.maxTestImages}` : "the whole test split"],
    ["Seed", String(run.seed)],
    ["Queued", run.createdAt],
    ["Finished", run.finishedAt ?? "—"],
  ];
  if (run.error) rows.push(["Error", `${run.error.code}: ${run.error.message}`]);
  return `<table class="settings">${rows.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join("")}</table>`;
}

function summary(exported: ExportedRun): string {
  const { run } = exported;
  const last = exported.steps.at(-1);
  const before = run.original;
  const after =
    run.final ??
    (last ? { params: last.params, flops: last.flops, test: last.test, selection: last.selection } : null);
  const rows: Array<[string, string, string, string]> = [
    ["Parameters", count(before?.params), count(after?.params), change(before?.params, after?.params)],
    ["FLOPs per image", count(before?.flops), count(after?.flops), change(before?.flops, after?.flops)],
    [
      "Test accuracy",
      percent(before?.test?.accuracy),
      percent(after?.test?.accuracy),
      accuracyChange(before?.test?.accuracy, after?.test?.accuracy),
    ],
    [
      "Selection accuracy",
      percent(before?.selection.accuracy),
      percent(after?.selection.accuracy),
      accuracyChange(before?.selection.accuracy, after?.selection.accuracy),
    ],
  ];
  return (
    `<table class="numbers"><thead><tr><th></th><th>Before</th><th>After</th><th>Change</th></tr></thead><tbody>` +
    rows
      .map(
        (r) =>
          `<tr><th>${e(r[0])}</th>${r
            .slice(1)
            .map((c) => `<td>${e(c)}</td>`)
            .join("")}</tr>`,
      )
      .join("") +
    `</tbody></table>`
  );
}

function stepsTable(exported: ExportedRun): string {
  if (exported.steps.length === 0) return `<p class="muted">No step has been made.</p>`;
  const rows = exported.steps.map(
    (s) =>
      `<tr><td>${s.step}</td><td>${e(s.removed.map((r) => `${r.layer}:${r.index}`).join(", "))}</td>` +
      `<td>${e(s.removed.map((r) => num(r.score)).join(", "))}</td>` +
      `<td>${percent(s.selection.accuracy)}</td><td>${percent(s.test?.accuracy)}</td>` +
      `<td>${count(s.params)}</td><td>${count(s.flops)}</td><td>${s.elapsedSeconds.toFixed(1)}</td></tr>`,
  );
  return (
    `<table class="numbers"><thead><tr><th>Step</th><th>Removed (layer:filter)</th><th>Score</th>` +
    `<th>Selection accuracy</th><th>Test accuracy</th><th>Parameters</th><th>FLOPs</th><th>Seconds</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

function classList(list: ReadonlyArray<{ className: string; drop: number }>): string {
  return list.map((c) => `${e(c.className)} <span class="muted">${num(c.drop, 3)}</span>`).join("<br>");
}

function filtersTable(exported: ExportedRun): string {
  if (exported.filters.length === 0) return `<p class="muted">No filters.</p>`;
  const rows = exported.filters.map((f) => {
    const ranked = f.classImportances;
    const bottom = ranked.slice(Math.max(CLASSES_AT_EACH_END, ranked.length - CLASSES_AT_EACH_END)).reverse();
    const image = f.weightImage
      ? `<img class="kernel" src="${e(f.weightImage)}" alt="kernel of ${e(f.layer)} filter ${f.index}">`
      : "";
    return (
      `<tr${f.removedAtStep !== null ? ` class="removed"` : ""}><td>${image}</td><td>${e(f.layer)}</td>` +
      `<td>${f.index}</td><td>${f.label !== null ? e(f.label) : ""}</td><td>${num(f.car?.drop)}</td>` +
      `<td class="nowrap">${f.car ? `${num(f.car.ci95Low)} … ${num(f.car.ci95High)}` : "—"}</td><td>${f.car?.rank ?? "—"}</td>` +
      `<td>${f.removedAtStep ?? ""}</td><td>${classList(ranked.slice(0, CLASSES_AT_EACH_END))}</td>` +
      `<td>${classList(bottom)}</td></tr>`
    );
  });
  const source =
    exported.analyses.length === 0
      ? "No analysis of the model has scored these filters: CAR columns are empty."
      : `CAR from analysis ${exported.analyses
          .map(
            (a) =>
              `${a.id} (${a.split}${a.images !== null ? `, ${a.images} images` : ""}, ${a.finishedAt ?? ""})`,
          )
          .join("; ")}.`;
  return (
    `<p class="muted">${e(source)} Rows of removed filters are shaded.</p>` +
    `<table class="numbers filters"><thead><tr><th>Kernel</th><th>Layer</th><th>Filter</th><th>Label</th>` +
    `<th>CAR drop</th><th>95% CI</th><th>Rank</th><th>Removed at step</th><th>Most important classes</th>` +
    `<th>Least important classes</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
  );
}

function comments(exported: ExportedRun): string {
  if (exported.comments.length === 0) return "";
  return (
    `<h3>Comments</h3><ul class="comments">` +
    exported.comments
      .map(
        (c) =>
          `<li><p>${e(c.body)}</p><p class="muted">${e(c.author ?? "a former member")}, ${e(c.createdAt)}</p></li>`,
      )
      .join("") +
    `</ul>`
  );
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
table.numbers td { font-variant-numeric: tabular-nums; }
table.settings th { font-weight: 600; color: #444; }
tr.removed { background: #fbeee6; }
img.kernel { width: 40px; height: 40px; image-rendering: pixelated; border: 1px solid #ccc; }
.muted { color: #666; } .nowrap { white-space: nowrap; }
svg.chart { width: 100%; max-width: 680px; height: auto; font-size: 11px; }
figure { margin: 0; } figcaption .key { margin-right: 1rem; white-space: nowrap; } figcaption svg { vertical-align: middle; margin-right: .3rem; }
ul.comments { list-style: none; padding: 0; } ul.comments li { border-left: 3px solid #ccc; padding-left: .8rem; margin-bottom: .8rem; }
ul.comments p { margin: .2rem 0; white-space: pre-wrap; }
`;

export function renderHtml(report: ExportReport): string {
  const title =
    report.kind === "run"
      ? `Pruning run ${report.runs[0]?.run.id ?? ""} of ${report.runs[0]?.model.name ?? ""}`
      : `Comparison of ${report.runs.length} pruning runs`;
  const sections: string[] = [];
  if (report.kind === "comparison") {
    sections.push(
      `<h2>Accuracy</h2>` +
        accuracyChart(
          report.runs.flatMap((r, i) => accuracySeries(r, `#${i + 1} ${r.run.criterion}`).slice(0, 1)),
        ),
      `<table class="numbers"><thead><tr><th>#</th><th>Run</th><th>Model</th><th>Criterion</th><th>Steps</th>` +
        `<th>Parameters</th><th>FLOPs</th><th>Test accuracy</th></tr></thead><tbody>` +
        report.runs
          .map((r, i) => {
            const last = r.steps.at(-1);
            const after = r.run.final ?? last;
            return (
              `<tr><td>${i + 1}</td><td>${e(r.run.id)}</td><td>${e(r.model.name)}</td><td>${e(r.run.criterion)}</td>` +
              `<td>${r.steps.length}</td><td>${count(r.run.original?.params)} → ${count(after?.params)}</td>` +
              `<td>${count(r.run.original?.flops)} → ${count(after?.flops)}</td>` +
              `<td>${percent(r.run.original?.test?.accuracy)} → ${percent(after?.test?.accuracy)}</td></tr>`
            );
          })
          .join("") +
        `</tbody></table>`,
    );
  }
  report.runs.forEach((r, i) => {
    sections.push(
      `<h2>${report.kind === "comparison" ? `#${i + 1} ` : ""}Run ${e(r.run.id)}</h2>` +
        settings(r) +
        `<h3>Before and after</h3>` +
        summary(r) +
        (report.kind === "run"
          ? `<h3>Accuracy after each step</h3>` + accuracyChart(accuracySeries(r, ""))
          : "") +
        `<h3>Steps</h3>` +
        stepsTable(r) +
        `<h3>Filters of the pruned layers</h3>` +
        filtersTable(r) +
        comments(r),
    );
  });
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${e(title)}</title><style>${STYLE}</style></head><body>` +
    `<h1>${e(title)}</h1><p class="muted">Exported from Carve on ${e(report.generatedAt)}.</p>` +
    sections.join("\n") +
    `</body></html>\n`
  );
}
