import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { mockClient } from "@/test-utils/mock-client";

import { ShareButton } from "./share-button";

describe("ShareButton", () => {
  it("creates a read-only link to a run and shows it once", async () => {
    const { wrapper, calls } = mockClient({
      CreateShareLink: { data: { createShareLink: { path: "/s/carve_shr_abc", link: { id: "l1" } } } },
    });
    render(<ShareButton workspaceId="w1" target={{ kind: "RUN", ids: ["r1"] }} what="this run" />, {
      wrapper,
    });
    await userEvent.click(screen.getByRole("button", { name: "Share" }));
    await userEvent.type(screen.getByLabelText(/Link expires after/), "30");
    await userEvent.click(screen.getByRole("button", { name: "Create read-only link" }));
    expect(await screen.findByLabelText("Share link")).toHaveValue(
      `${window.location.origin}/s/carve_shr_abc`,
    );
    expect(calls[0]).toEqual({
      operation: "CreateShareLink",
      variables: { workspaceId: "w1", target: { kind: "RUN", ids: ["r1"] }, expiresInDays: 30 },
    });
  });

  it("shows the API's refusal for a viewer", async () => {
    const { wrapper } = mockClient({
      CreateShareLink: {
        errors: [{ message: "viewers may not create share links", extensions: { code: "FORBIDDEN" } }],
      },
    });
    render(<ShareButton workspaceId="w1" target={{ kind: "MODEL", ids: ["m1"] }} what="this model" />, {
      wrapper,
    });
    await userEvent.click(screen.getByRole("button", { name: "Share" }));
    await userEvent.click(screen.getByRole("button", { name: "Create read-only link" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "viewers may not create share links (FORBIDDEN)",
    );
  });
});
