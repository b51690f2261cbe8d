/**
 * A small, dependency-free SVG line chart for reports and the CLI (`carve compare --svg`): axes with ticks and
 * units, one line per series, a legend. The dashboard draws its charts with a charting library; this exists so
 * a report is a single self-contained file.
 */

export interface ChartSeries {
  label: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Dashed line, e.g. for the fine-tuned variant of a criterion. */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Y axis range; default fitted to the data. */
  yDomain?: [number, number];
  /** Formats y tick labels, e.g. as percentages. */
  formatY?: (y: number) => string;
}

/** Okabe–Ito: distinguishable by people with the common colour-vision deficiencies. */
export const COLOR_BLIND_SAFE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
];

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** "Nice" tick values covering [min, max]: steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function renderLineChartSvg(series: readonly ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const margin = { top: 40, right: 180, bottom: 50, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(1, ...xs);
  const [yMin, yMax] = options.yDomain ?? [Math.min(...ys), Math.max(...ys)];
  const yPad = yMax > yMin ? 0 : 0.05;
  const y0 = yMin - yPad;
  const y1 = yMax + yPad;
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const formatY = options.formatY ?? ((y: number) => String(y));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left}" y="22" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  for (const t of niceTicks(y0, y1)) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${sy(t) + 4}" text-anchor="end">${escapeXml(formatY(t))}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax).filter((t) => Number.isInteger(t))) {
    parts.push(
      `<line x1="${sx(t)}" x2="${sx(t)}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`,
      `<text x="${sx(t)}" y="${margin.top + plotH + 18}" text-anchor="middle">${t}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLOR_BLIND_SAFE[i % COLOR_BLIND_SAFE.length]!;
    const d = s.points
      .map((p, j) => `${j === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
      .join(" ");
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    const ly = margin.top + 10 + i * 20;
    const lx = margin.left + plotW + 16;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
