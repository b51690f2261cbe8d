"use client";

import { AccuracyCurve, type CurveSeries } from "@/components/accuracy-curve";

/** The compare page's chart: every chosen run's test accuracy against the share of filters removed. */
export function CompareChart({ series }: { series: CurveSeries[] }) {
  return (
    <AccuracyCurve
      label="Test accuracy of the runs against the share of filters removed"
      series={series}
      x="fraction"
      height={380}
    />
  );
}
