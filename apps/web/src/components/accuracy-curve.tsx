"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { SERIES_COLORS } from "@/lib/color-scale";
import type { SeriesPoint } from "@/lib/run-series";

export interface CurveSeries {
  key: string;
  label: string;
  points: readonly SeriesPoint[];
  /** Which accuracy to draw (default test). */
  measure?: "test" | "selection";
  dashed?: boolean;
}

/**
 * Accuracy (%) against compression: filters removed, or the share of the prunable filters removed when runs
 * over different layers are compared. One line per series, colours from the Okabe–Ito palette.
 */
export function AccuracyCurve({
  series,
  x = "removed",
  label,
  height = 320,
}: {
  series: readonly CurveSeries[];
  x?: "removed" | "fraction";
  label: string;
  height?: number;
}) {
  const xLabel = x === "removed" ? "filters removed" : "share of the prunable filters removed (%)";
  const all = series.flatMap((s) =>
    s.points.flatMap((p) => {
      const v = s.measure === "selection" ? p.selection : p.test;
      return v === null ? [] : [v * 100];
    }),
  );
  const low = all.length ? Math.max(0, Math.floor(Math.min(...all) / 5) * 5) : 0;
  return (
    <figure className="chart" aria-label={label}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart margin={{ top: 10, right: 30, bottom: 30, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            domain={x === "removed" ? [0, "dataMax"] : [0, 100]}
            allowDecimals={x !== "removed"}
            label={{ value: xLabel, position: "bottom", offset: 10 }}
          />
          <YAxis
            type="number"
            domain={[low, 100]}
            tickFormatter={(v: number) => `${v}`}
            label={{ value: "accuracy (%)", angle: -90, position: "insideLeft" }}
          />
          <Tooltip
            formatter={(value, name) => [`${Number(value).toFixed(2)}%`, String(name)]}
            labelFormatter={(v) =>
              x === "removed" ? `${String(v)} filters removed` : `${Number(v).toFixed(1)}% removed`
            }
          />
          <Legend verticalAlign="top" height={30} />
          {series.map((s, i) => (
            <Line
              key={s.key}
              name={s.label}
              data={s.points.flatMap((p) => {
                const v = s.measure === "selection" ? p.selection : p.test;
                return v === null ? [] : [{ x: x === "removed" ? p.removed : p.fraction * 100, y: v * 100 }];
              })}
              dataKey="y"
              stroke={SERIES_COLORS[i % SERIES_COLORS.length]}
              strokeWidth={2}
              strokeDasharray={s.dashed ? "6 4" : undefined}
              dot={{ r: 2.5 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
