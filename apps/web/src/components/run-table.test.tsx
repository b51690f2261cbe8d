import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { RunTable, shortTarget } from "./run-table";

describe("shortTarget", () => {
  it("writes each kind of target in a few characters", () => {
    expect(shortTarget({ keep: 8 })).toBe("keep 8");
    expect(shortTarget({ removeFraction: 0.5 })).toBe("remove 50%");
    expect(shortTarget({ minAccuracy: 0.95 })).toBe("≥ 95.0%");
  });
});

describe("RunTable", () => {
  const base = {
    scope: "LAYER",
    layers: ["conv2"],
    createdAt: "2026-11-28T12:00:00.000Z",
    fineTune: { schedule: "NONE" },
    target: { removeFraction: 0.5 },
    progress: { stepsDone: 3, plannedSteps: 16, fraction: 3 / 16 },
  };

  it("shows a finished run's compressed model with its size beside the original's", () => {
    render(
      <RunTable
        modelId="m"
        baseAccuracy={0.975}
        baseSize={84_480}
        runs={[
          {
            ...base,
            id: "a885f6c0-461e-435c-b8ac-b9ebf535a39d",
            status: "SUCCEEDED",
            criterion: "CAR",
            resultModel: {
              id: "r1",
              name: "mnist (pruned by CAR)",
              accuracy: 0.9555,
              params: 10_300,
              flops: 1e6,
              sizeBytes: 43_930,
            },
          },
        ]}
      />,
    );
    const row = screen.getAllByRole("row")[1]!;
    expect(within(row).getByRole("link", { name: "CAR #a885f6c0" })).toHaveAttribute(
      "href",
      "/runs/a885f6c0-461e-435c-b8ac-b9ebf535a39d",
    );
    expect(within(row).getByRole("link", { name: "mnist (pruned by CAR)" })).toHaveAttribute(
      "href",
      "/models/r1",
    );
    expect(row).toHaveTextContent("95.55%");
    expect(row).toHaveTextContent("42.9 KiB (52%)");
  });

  it("shows a running run's progress and no compressed model yet", () => {
    render(
      <RunTable
        modelId="m"
        baseAccuracy={null}
        baseSize={1}
        runs={[{ ...base, id: "r2", status: "RUNNING", criterion: "L1" }]}
      />,
    );
    const row = screen.getAllByRole("row")[1]!;
    expect(row).toHaveTextContent("running 3/16");
    expect(within(row).getAllByText("—").length).toBeGreaterThanOrEqual(3);
  });
});
