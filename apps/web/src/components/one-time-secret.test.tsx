import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { OneTimeSecret } from "./one-time-secret";

describe("OneTimeSecret", () => {
  it("shows the secret once with a warning and copies it", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<OneTimeSecret label="New API token" value="carve_pat_abc" />);
    expect(screen.getByLabelText("New API token")).toHaveValue("carve_pat_abc");
    expect(screen.getByText(/Shown this once/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith("carve_pat_abc");
    expect(screen.getByRole("button", { name: "Copied" })).toBeInTheDocument();
  });

  it("says so when the browser refuses the clipboard", async () => {
    const writeText = vi.fn(() => Promise.reject(new Error("denied")));
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<OneTimeSecret label="Invite link" value="http://x/invite?token=t" />);
    await userEvent.click(screen.getByRole("button", { name: "Copy" }));
    expect(screen.getByText(/select the text and copy it yourself/)).toBeInTheDocument();
  });
});
