import { fireEvent, render as renderDom, screen, within } from "@testing-library/react";
import { Client, fetchExchange, Provider } from "@urql/next";
import type { ReactElement } from "react";
import { describe, expect, it } from "vitest";

import type { FilterSummary } from "@/lib/filters";

import { FilterExplorer } from "./filter-explorer";

const filters: FilterSummary[] = [
  {
    index: 0,
    l1Norm: 3,
    weightImage: null,
    car: { drop: 0.02, ci95Low: 0.01, ci95High: 0.03, rank: 3, accuracyWithout: 0.95 },
  },
  {
    index: 1,
    l1Norm: 1,
    weightImage: null,
    car: { drop: -0.001, ci95Low: -0.004, ci95High: 0.002, rank: 1, accuracyWithout: 0.976 },
  },
  {
    index: 2,
    l1Norm: 2,
    weightImage: null,
    car: { drop: 0.004, ci95Low: 0.0, ci95High: 0.008, rank: 2, accuracyWithout: 0.971 },
  },
];

// The what-if panel inside needs a client; these tests never send a request through it.
const client = new Client({ url: "http://127.0.0.1:9/graphql", exchanges: [fetchExchange] });
const render = (ui: ReactElement) => renderDom(<Provider value={client}>{ui}</Provider>);

function tileOrder(): string[] {
  const list = screen.getByRole("list", { name: "Filters" });
  return within(list)
    .getAllByRole("link")
    .map((a) => a.getAttribute("href")!.split("/").pop()!);
}

describe("FilterExplorer", () => {
  it("shows the least important filter first by default when the layer is scored", () => {
    render(<FilterExplorer modelId="m" layerName="conv1" filters={filters} />);
    expect(tileOrder()).toEqual(["1", "2", "0"]);
  });

  it("re-sorts the tiles by L1 norm and by index", () => {
    render(<FilterExplorer modelId="m" layerName="conv1" filters={filters} />);
    fireEvent.change(screen.getByLabelText("Sort by"), { target: { value: "index" } });
    expect(tileOrder()).toEqual(["0", "1", "2"]);
    fireEvent.change(screen.getByLabelText("Sort by"), { target: { value: "l1" } });
    fireEvent.click(screen.getByLabelText("reverse"));
    expect(tileOrder()).toEqual(["0", "2", "1"]);
  });

  it("shows a filter's CAR, interval and rank when it is focused", () => {
    render(<FilterExplorer modelId="m" layerName="conv1" filters={filters} />);
    fireEvent.focus(screen.getByRole("link", { name: /Filter 0:/ }));
    const details = screen.getByRole("complementary", { name: "Filter details" });
    expect(within(details).getByText("Filter 0")).toBeInTheDocument();
    expect(within(details).getByText("+2.00 pp")).toBeInTheDocument();
    expect(within(details).getByText("+1.00 pp … +3.00 pp")).toBeInTheDocument();
    expect(within(details).getByText("3 of 3 (1 = least important)")).toBeInTheDocument();
  });

  it("links each tile to its filter page and lets filters be selected", () => {
    render(<FilterExplorer modelId="m 1" layerName="conv1" filters={filters} />);
    expect(screen.getByRole("link", { name: /Filter 2:/ })).toHaveAttribute(
      "href",
      "/models/m%201/layers/conv1/filters/2",
    );
    fireEvent.click(screen.getByLabelText("Select filter 2"));
    expect(screen.getByRole("button", { name: "Clear selection (1)" })).toBeInTheDocument();
    expect(screen.getByText("1 filter selected: #2")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Measure accuracy without them" })).toBeEnabled();
  });

  it("offers no CAR sort and says filters are unscored when no analysis has run", () => {
    const unscored = filters.map((f) => ({ ...f, car: null }));
    render(<FilterExplorer modelId="m" layerName="conv1" filters={unscored} />);
    expect(screen.getByRole("option", { name: /CAR/ })).toBeDisabled();
    expect(tileOrder()).toEqual(["0", "1", "2"]);
  });
});
