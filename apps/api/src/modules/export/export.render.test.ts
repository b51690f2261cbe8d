import { describe, expect, it } from "vitest";

import { CSV_COLUMNS, renderCsv } from "./export.csv.js";
import { accuracyChart, escapeHtml, renderHtml } from "./export.html.js";
import type { ExportReport, ExportedRun } from "./export.service.js";

/** A run that made no step yet, with one filter whose label and classes need escaping. */
function report(label: string, className: string): ExportReport {
  const run = {
    id: "run-1",
    status: "QUEUED",
    criterion: "CAR",
    scope: "LAYER",
    layers: ["conv1"],
    groups: ["conv1"],
    resultModelId: null,
    target: { keep: 1, removeFraction: null, minAccuracy: null },
    stepSize: 1,
    fineTune: { schedule: "NONE", epochs: 0, learningRate: null, maxTrainImages: null },
    protection: null,
    selectionSplit: "SELECTION",
    maxSelectionImages: null,
    maxTestImages: null,
    seed: 0,
    progress: { stepsDone: 0, plannedSteps: 1, fraction: 0, phase: null, etaSeconds: null },
    original: null,
    final: null,
    baseAccuracy: null,
    finalAccuracy: null,
    stopReason: null,
    error: null,
    resumes: 0,
    createdAt: "2026-01-01T00:00:00.000Z",
    startedAt: null,
    finishedAt: null,
  } as unknown as ExportedRun["run"];
  return {
    kind: "run",
    generatedAt: "2026-01-02T00:00:00.000Z",
    runs: [
      {
        run,
        model: {
          id: "m",
          name: 'model "one", the best',
          params: 10,
          flops: 20,
          testAccuracy: null,
          classNames: [className],
        },
        steps: [],
        analyses: [],
        filters: [
          {
            layer: "conv1",
            groupId: "conv1",
            index: 0,
            car: { drop: -0.5, ci95Low: -0.6, ci95High: -0.4, rank: 1 },
            removedAtStep: null,
            label,
            classImportances: [{ classIndex: 0, className, drop: 0.25 }],
            weightImage: null,
          },
        ],
        comments: [
          { author: "<img src=x>", body: "line one\nline two", createdAt: "2026-01-01T00:00:00.000Z" },
        ],
      },
    ],
  };
}

describe("the HTML export", () => {
  it("escapes the five characters that could open markup or leave an attribute", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("escapes what users and models wrote, and says when there is nothing to chart", () => {
    const html = renderHtml(report("<script>x</script>", "<b>cat</b>"));
    expect(html).not.toMatch(/<script|<b>|<img src=x/);
    expect(html).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(html).toContain("&lt;b&gt;cat&lt;/b&gt;");
    expect(html).toContain("model &quot;one&quot;, the best");
    expect(html).toContain("No step has been made");
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("draws one dashed or solid line per series, even for equal values", () => {
    const svg = accuracyChart([
      {
        name: "a",
        points: [
          { step: 0, accuracy: 0.9 },
          { step: 1, accuracy: 0.9 },
        ],
      },
      {
        name: "b",
        points: [
          { step: 0, accuracy: 0.9 },
          { step: 1, accuracy: 0.9 },
        ],
      },
    ]);
    const lines = svg.match(/<polyline[^>]*>/g) ?? [];
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toContain("stroke-dasharray");
    expect(lines[1]).toContain("stroke-dasharray");
  });
});

describe("the CSV export", () => {
  it("quotes commas, quotes and line breaks, and defuses cells a spreadsheet would run as a formula", () => {
    const csv = renderCsv(report('=HYPERLINK("http://x")', "a,b"));
    const [header, row] = csv.split("\r\n");
    expect(header).toBe(CSV_COLUMNS.join(","));
    expect(row).toBe(
      `run-1,"model ""one"", the best",conv1,0,-0.5,-0.6,-0.4,1,,"'=HYPERLINK(""http://x"")","a,b (0.2500)",`,
    );
    expect(csv.endsWith("\r\n")).toBe(true);
  });
});
