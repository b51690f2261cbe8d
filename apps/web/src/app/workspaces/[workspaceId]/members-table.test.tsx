import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { mockClient } from "@/test-utils/mock-client";

import { type MemberRow, MembersTable } from "./members-table";

const refresh = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh, push: vi.fn() }) }));

const members: MemberRow[] = [
  {
    userId: "u1",
    email: "owner@localhost",
    displayName: "",
    role: "OWNER",
    createdAt: "2026-12-01T10:00:00Z",
  },
  {
    userId: "u2",
    email: "ada@example.com",
    displayName: "Ada",
    role: "VIEWER",
    createdAt: "2026-12-02T10:00:00Z",
  },
];

describe("MembersTable", () => {
  it("lets an owner change a role and shows the API's refusal to demote the last owner", async () => {
    const { wrapper, calls } = mockClient({
      ChangeRole: {
        errors: [
          {
            message: "the last owner of a workspace cannot be demoted; make someone else an owner first",
            extensions: { code: "CONFLICT", reason: "LAST_OWNER" },
          },
        ],
      },
    });
    render(<MembersTable workspaceId="w1" members={members} canManage meId="u1" />, { wrapper });
    await userEvent.selectOptions(screen.getByLabelText("Role of owner@localhost"), "EDITOR");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "owner@localhost: the last owner of a workspace cannot be demoted; make someone else an owner first (CONFLICT)",
    );
    expect(calls[0]).toEqual({
      operation: "ChangeRole",
      variables: { workspaceId: "w1", userId: "u1", role: "EDITOR" },
    });
  });

  it("shows a viewer the roles as text, and only their own Leave button", () => {
    const { wrapper } = mockClient({});
    render(<MembersTable workspaceId="w1" members={members} canManage={false} meId="u2" />, { wrapper });
    expect(screen.queryByRole("combobox")).toBeNull();
    const rows = screen.getAllByRole("row");
    expect(within(rows[1]!).queryByRole("button")).toBeNull();
    expect(within(rows[2]!).getByRole("button", { name: "Leave the workspace" })).toBeInTheDocument();
  });
});
