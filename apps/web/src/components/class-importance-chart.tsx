"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { points } from "@/lib/format";

/** Class-wise CAR as horizontal bars, most important class on top; the ends of the ranking are labelled. */
export function ClassImportanceChart({
  classes,
}: {
  classes: ReadonlyArray<{ classIndex: number; className: string; drop: number }>;
}) {
  const data = classes.map((c) => ({ name: c.className, value: c.drop * 100 }));
  const height = Math.max(160, 28 * data.length + 60);
  return (
    <figure className="chart" aria-label="Class importance bar chart">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} layout="vertical" margin={{ top: 5, right: 30, bottom: 30, left: 20 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis
            type="number"
            label={{
              value: "accuracy drop on the class without the filter (percentage points)",
              position: "bottom",
              offset: 10,
            }}
            tickFormatter={(v: number) => v.toFixed(1)}
          />
          <YAxis type="category" dataKey="name" width={110} interval={0} />
          <ReferenceLine x={0} stroke="#555" />
          <Tooltip formatter={(v) => [points(Number(v) / 100), "importance"]} />
          <Bar dataKey="value" name="importance" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.name} fill={d.value >= 0 ? "#0072B2" : "#D55E00"} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="legend small">
        <span className="swatch" style={{ background: "#0072B2" }} aria-hidden="true" /> needs the filter{" "}
        <span className="swatch" style={{ background: "#D55E00" }} aria-hidden="true" /> better without it
      </figcaption>
    </figure>
  );
}
