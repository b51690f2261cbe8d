"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { histogram } from "@/lib/filters";

/** How a layer's CAR scores are spread: filters per bin of accuracy drop (percentage points). */
export function CarHistogram({ drops }: { drops: readonly number[] }) {
  const bins = histogram(drops, 12).map((b) => ({
    label: `${(b.from * 100).toFixed(1)}…${(b.to * 100).toFixed(1)}`,
    mid: ((b.from + b.to) / 2) * 100,
    count: b.count,
  }));
  return (
    <figure className="chart" aria-label="Histogram of CAR scores">
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={bins} margin={{ top: 10, right: 20, bottom: 30, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="label"
            label={{
              value: "CAR: accuracy drop without the filter (percentage points)",
              position: "bottom",
              offset: 10,
            }}
            tick={{ fontSize: 11 }}
          />
          <YAxis allowDecimals={false} label={{ value: "filters", angle: -90, position: "insideLeft" }} />
          <Tooltip
            formatter={(value) => [`${String(value)} filters`, "count"]}
            labelFormatter={(l) => `${String(l)} pp`}
          />
          <Bar dataKey="count" name="filters" fill="#0072B2" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
