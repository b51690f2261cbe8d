import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { mockClient } from "@/test-utils/mock-client";

import { inviteState, InvitesPanel } from "./invites-panel";

vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: vi.fn(), push: vi.fn() }) }));

const base = {
  id: "i1",
  role: "EDITOR" as const,
  createdAt: "2026-12-01T00:00:00Z",
  expiresAt: "2026-12-08T00:00:00Z",
};

describe("inviteState", () => {
  it("tells used, revoked, expired and open invites apart", () => {
    const now = Date.parse("2026-12-03T00:00:00Z");
    expect(inviteState({ ...base, usedAt: "2026-12-02T00:00:00Z" }, now)).toBe("used");
    expect(inviteState({ ...base, revokedAt: "2026-12-02T00:00:00Z" }, now)).toBe("revoked");
    expect(inviteState(base, Date.parse("2026-12-09T00:00:00Z"))).toBe("expired");
    expect(inviteState(base, now)).toBe("open");
  });
});

describe("InvitesPanel", () => {
  it("creates a viewer's invite and shows its link once", async () => {
    const { wrapper, calls } = mockClient({
      CreateInvite: { data: { createInvite: { token: "carve_inv_secret", invite: { id: "i2" } } } },
    });
    render(<InvitesPanel workspaceId="w1" invites={[]} />, { wrapper });
    await userEvent.selectOptions(screen.getByLabelText("Role"), "VIEWER");
    await userEvent.click(screen.getByRole("button", { name: "Create invite link" }));
    expect(await screen.findByLabelText("Invite link")).toHaveValue(
      `${window.location.origin}/invite?token=carve_inv_secret`,
    );
    expect(calls[0]).toEqual({
      operation: "CreateInvite",
      variables: { workspaceId: "w1", role: "VIEWER", expiresInDays: 7 },
    });
  });

  it("refuses a lifetime the API would refuse, before sending", async () => {
    const { wrapper, calls } = mockClient({});
    render(<InvitesPanel workspaceId="w1" invites={[]} />, { wrapper });
    await userEvent.clear(screen.getByLabelText("Valid for (days)"));
    await userEvent.type(screen.getByLabelText("Valid for (days)"), "365");
    await userEvent.click(screen.getByRole("button", { name: "Create invite link" }));
    expect(screen.getByRole("alert")).toHaveTextContent('from 1 to 90, not "365"');
    expect(calls).toEqual([]);
  });
});
