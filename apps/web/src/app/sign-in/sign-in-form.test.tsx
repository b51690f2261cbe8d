import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { mockClient } from "@/test-utils/mock-client";

import { SignInForm } from "./sign-in-form";

describe("SignInForm", () => {
  it("asks for both fields before sending anything", async () => {
    const { wrapper, calls } = mockClient({});
    render(<SignInForm next="/models" />, { wrapper });
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter your e-mail address and your password.");
    expect(calls).toEqual([]);
  });

  it("says how long to wait when the API rate-limits failed sign-ins", async () => {
    const { wrapper, calls } = mockClient({
      SignIn: {
        errors: [
          {
            message: "too many failed sign-ins",
            extensions: { code: "RATE_LIMITED", retryAfterSeconds: 42 },
          },
        ],
      },
    });
    render(<SignInForm next="/models" />, { wrapper });
    await userEvent.type(screen.getByLabelText("E-mail"), "  ada@example.com ");
    await userEvent.type(screen.getByLabelText("Password"), "wrong password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "too many failed sign-ins Try again in 42 seconds. (RATE_LIMITED)",
    );
    expect(calls).toEqual([
      { operation: "SignIn", variables: { email: "ada@example.com", password: "wrong password" } },
    ]);
  });

  it("shows the API's message for a wrong password", async () => {
    const { wrapper } = mockClient({
      SignIn: {
        errors: [{ message: "wrong e-mail or password", extensions: { code: "UNAUTHENTICATED" } }],
      },
    });
    render(<SignInForm next="/models" />, { wrapper });
    await userEvent.type(screen.getByLabelText("E-mail"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "nope nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong e-mail or password (UNAUTHENTICATED)");
  });
});
