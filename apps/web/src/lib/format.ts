/** Number formats shared by every page, so the same quantity reads the same everywhere. */

/** 0.9751 → "97.51%". */
export function percent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return `${(value * 100).toFixed(digits)}%`;
}

/** An accuracy difference in percentage points, signed: 0.012 → "+1.20 pp". */
export function points(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const text = (value * 100).toFixed(digits);
  return `${value > 0 ? "+" : value < 0 ? "" : "±"}${text} pp`;
}

/** 1234567 → "1.23 M"; below 10,000 the whole number with separators. */
export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return Math.round(value).toLocaleString("en-US");
}

/** Bytes in binary units: 1536 → "1.5 KiB". */
export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${v} B` : `${v.toFixed(1)} ${units[unit]}`;
}

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** An ISO date as "2026-11-28 12:30 UTC" (the same for every reader, whatever their time zone). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** [28, 28, 16] → "28 × 28 × 16"; nulls (free dimensions) as "?". */
export function shape(dims: ReadonlyArray<number | null>): string {
  return dims.length === 0 ? "scalar" : dims.map((d) => (d === null ? "?" : String(d))).join(" × ");
}

/** A UUID's first block, enough to tell jobs apart on screen: "31422490-ca9b-…" → "31422490". */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? id.slice(0, 8) : id;
}
