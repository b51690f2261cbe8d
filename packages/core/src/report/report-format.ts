/**
 * Number and table formatting shared by the report's sentences and tables. Tables come out exactly as
 * Prettier formats markdown (columns padded to equal width), so the committed report passes
 * `prettier --check` without a formatting pass.
 */

/** 0.9781 → "97.8%". */
export function pct(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : "n/a";
}

/** A difference of two accuracies in percentage points, signed: 0.0123 → "+1.2", −0.2 → "−20.0". */
export function points(delta: number, digits = 1): string {
  if (!Number.isFinite(delta)) return "n/a";
  const text = Math.abs(delta * 100).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${delta < 0 ? "−" : "+"}${text}`;
}

/** The size of a difference in percentage points, unsigned: −0.2 → "20.0". */
export function absPoints(delta: number, digits = 1): string {
  return Number.isFinite(delta) ? Math.abs(delta * 100).toFixed(digits) : "n/a";
}

/** A probability for a sentence: "0.003", "< 0.001", "1". */
export function probability(p: number): string {
  if (!Number.isFinite(p)) return "n/a";
  if (p < 0.001) return "< 0.001";
  if (p >= 0.9995) return "1";
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

/** Fixed decimals, with a real minus sign. */
export function decimal(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return "n/a";
  const text = value.toFixed(digits);
  return Number(text) < 0 ? `−${text.slice(1)}` : text.replace(/^-/, "");
}

/** Seconds as "42 s", "3.5 min" or "1.2 h". */
export function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Integers with thin grouping: 55000 → "55,000". */
export function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export type Align = "left" | "right";

/** Display width as Prettier counts it for the characters the report uses (one column per code point). */
function width(text: string): number {
  return [...text].length;
}

/** Table cells may not contain a pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * A markdown table, columns padded to their widest cell as Prettier does. `align` gives each column's
 * alignment (default left).
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const all = [header, ...rows].map((r) => header.map((_, i) => cell(r[i] ?? "")));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => width(r[i]!))));
  const pad = (text: string, i: number) => {
    const fill = " ".repeat(widths[i]! - width(text));
    return align[i] === "right" ? fill + text : text + fill;
  };
  const line = (r: readonly string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join("\n");
}

const CRITERION_LABELS: Readonly<Record<string, string>> = {
  car: "CAR",
  l1: "L1 norm",
  random: "random",
  "mean-activation": "mean activation",
  apoz: "APoZ",
  taylor: "Taylor",
};

/** How the report names a criterion: "CAR", "L1 norm", "APoZ", … */
export function criterionLabel(criterion: string): string {
  return CRITERION_LABELS[criterion] ?? criterion;
}
