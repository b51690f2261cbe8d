import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { mockClient } from "@/test-utils/mock-client";

import { AcceptInvite } from "./accept-invite";

describe("AcceptInvite", () => {
  it("offers a signed-in reader one button", () => {
    const { wrapper } = mockClient({});
    render(<AcceptInvite token="t" workspaceId="w1" signedInAs="ada@example.com" />, { wrapper });
    expect(screen.getByText("ada@example.com")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Accept the invite" })).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Create an account" })).toBeNull();
  });

  it("checks a new account's password length before sending, then shows the API's refusal", async () => {
    const { wrapper, calls } = mockClient({
      SignUpWithInvite: {
        errors: [
          {
            message: "an account with this e-mail exists; sign in and accept",
            extensions: { code: "CONFLICT" },
          },
        ],
      },
    });
    render(<AcceptInvite token="carve_inv_x" workspaceId="w1" signedInAs={null} />, { wrapper });
    await userEvent.type(screen.getByLabelText("E-mail"), "bo@example.com");
    await userEvent.type(screen.getByLabelText(/^Password/), "short");
    await userEvent.click(screen.getByRole("button", { name: "Create account and join" }));
    expect(screen.getByRole("alert")).toHaveTextContent("at least 8 characters (it has 5)");
    expect(calls).toEqual([]);

    await userEvent.type(screen.getByLabelText(/^Password/), " and longer");
    await userEvent.click(screen.getByRole("button", { name: "Create account and join" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("an account with this e-mail exists");
    expect(calls[0]).toEqual({
      operation: "SignUpWithInvite",
      variables: {
        token: "carve_inv_x",
        email: "bo@example.com",
        password: "short and longer",
        displayName: null,
      },
    });
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute(
      "href",
      "/sign-in?next=%2Finvite%3Ftoken%3Dcarve_inv_x",
    );
  });
});
