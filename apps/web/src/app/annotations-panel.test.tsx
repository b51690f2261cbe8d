import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { mockClient } from "@/test-utils/mock-client";

import { type AnnotationItem, AnnotationsPanel } from "./annotations-panel";

vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: vi.fn(), push: vi.fn() }) }));

const filter = { kind: "FILTER" as const, modelId: "m1", layerName: "conv1", filterIndex: 3 };
const items: AnnotationItem[] = [
  {
    id: "a1",
    kind: "LABEL",
    body: "edge",
    authorId: "u1",
    authorName: "Ada",
    createdAt: "2026-12-01T10:00:00Z",
  },
  {
    id: "a2",
    kind: "LABEL",
    body: "red-green blob",
    authorId: "u1",
    authorName: "Ada",
    createdAt: "2026-12-02T10:00:00Z",
  },
  {
    id: "a3",
    kind: "COMMENT",
    body: "fires on stroke ends",
    authorId: "u2",
    authorName: "Bo",
    createdAt: "2026-12-02T11:00:00Z",
  },
];

describe("AnnotationsPanel", () => {
  it("shows a filter's newest label and its comments, with Delete on one's own only", () => {
    const { wrapper } = mockClient({});
    render(<AnnotationsPanel target={filter} items={items} canComment canLabel meId="u2" />, { wrapper });
    expect(screen.getByText("red-green blob")).toBeInTheDocument();
    expect(screen.getByText("fires on stroke ends")).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: "Delete" })).toHaveLength(1);
  });

  it("labels a filter, refusing a label over 80 characters first", async () => {
    const { wrapper, calls } = mockClient({ AnnotateFilter: { data: { annotateFilter: { id: "a4" } } } });
    render(<AnnotationsPanel target={filter} items={[]} canComment canLabel meId="u1" />, { wrapper });
    await userEvent.type(screen.getByLabelText("What this filter responds to"), "x".repeat(81));
    await userEvent.click(screen.getByRole("button", { name: "Save label" }));
    expect(screen.getByRole("alert")).toHaveTextContent("at most 80 characters; this one has 81");
    expect(calls).toEqual([]);
    await userEvent.clear(screen.getByLabelText("What this filter responds to"));
    await userEvent.type(screen.getByLabelText("What this filter responds to"), "  diagonal edge ");
    await userEvent.click(screen.getByRole("button", { name: "Save label" }));
    expect(calls[0]).toEqual({
      operation: "AnnotateFilter",
      variables: { modelId: "m1", layerName: "conv1", filterIndex: 3, kind: "LABEL", body: "diagonal edge" },
    });
  });

  it("shows a share link's reader the comments without any form", () => {
    const { wrapper } = mockClient({});
    render(
      <AnnotationsPanel
        target={{ kind: "RUN", runId: "r1" }}
        items={items}
        canComment={false}
        canLabel={false}
        meId={null}
      />,
      { wrapper },
    );
    expect(screen.queryByRole("form")).toBeNull();
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.getByText("fires on stroke ends")).toBeInTheDocument();
  });
});
