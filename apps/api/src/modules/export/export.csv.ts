/**
 * The CSV export (RFC 4180): one row per filter of each run's pruned groups, for spreadsheets and pandas.
 * Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) get a leading
 * apostrophe; numbers are written as they are.
 */
import { CLASSES_AT_EACH_END, type ExportReport } from "./export.service.js";

export const CSV_COLUMNS = [
  "run",
  "model",
  "layer",
  "filter",
  "car_drop",
  "car_ci95_low",
  "car_ci95_high",
  "car_rank",
  "removed_at_step",
  "label",
  "top_classes",
  "bottom_classes",
] as const;

function cell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** "name (drop)" of a few classes, joined with "; ". */
function classes(list: ReadonlyArray<{ className: string; drop: number }>): string {
  return list.map((c) => `${c.className} (${c.drop.toFixed(4)})`).join("; ");
}

export function renderCsv(report: ExportReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const { run, model, filters } of report.runs) {
    for (const f of filters) {
      const ranked = f.classImportances;
      const bottom = ranked
        .slice(Math.max(CLASSES_AT_EACH_END, ranked.length - CLASSES_AT_EACH_END))
        .reverse();
      lines.push(
        [
          run.id,
          model.name,
          f.layer,
          f.index,
          f.car?.drop ?? null,
          f.car?.ci95Low ?? null,
          f.car?.ci95High ?? null,
          f.car?.rank ?? null,
          f.removedAtStep,
          f.label,
          classes(ranked.slice(0, CLASSES_AT_EACH_END)),
          classes(bottom),
        ]
          .map(cell)
          .join(","),
      );
    }
  }
  return lines.join("\r\n") + "\r\n";
}
