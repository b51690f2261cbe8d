import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { FormError } from "@/components/form-error";
import { RevokeApiTokenDocument } from "@/gql/graphql";
import { mockClient } from "@/test-utils/mock-client";

import { RevokeButton, useRevoke } from "./revoke-button";

const refresh = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh, push: vi.fn() }) }));

afterEach(() => {
  refresh.mockClear();
  vi.restoreAllMocks();
});

/** A panel in miniature: one revoker for two rows, and the panel's error paragraph. */
function TwoRows({ confirmation }: { confirmation?: string }) {
  const [error, setError] = useState<string>();
  const revoker = useRevoke(RevokeApiTokenDocument, setError);
  return (
    <>
      <FormError message={error} />
      <RevokeButton revoker={revoker} itemId="t1" label="Revoke notebook" confirmation={confirmation} />
      <RevokeButton revoker={revoker} itemId="t2" />
    </>
  );
}

describe("RevokeButton", () => {
  it("revokes its row's item by id and refreshes the page", async () => {
    const { wrapper, calls } = mockClient({
      RevokeApiToken: { data: { revokeApiToken: { id: "t2", revokedAt: "2026-12-01T00:00:00Z" } } },
    });
    render(<TwoRows />, { wrapper });
    await userEvent.click(screen.getByRole("button", { name: "Revoke" }));
    expect(calls).toEqual([{ operation: "RevokeApiToken", variables: { id: "t2" } }]);
    expect(refresh).toHaveBeenCalledOnce();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("sends nothing when the confirmation is declined", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    const { wrapper, calls } = mockClient({});
    render(<TwoRows confirmation='Revoke "notebook"?' />, { wrapper });
    await userEvent.click(screen.getByRole("button", { name: "Revoke notebook" }));
    expect(confirm).toHaveBeenCalledWith('Revoke "notebook"?');
    expect(calls).toEqual([]);
    expect(refresh).not.toHaveBeenCalled();
  });

  it("shows the API's refusal in the panel's error paragraph and still refreshes", async () => {
    const { wrapper } = mockClient({
      RevokeApiToken: { errors: [{ message: "API token not found", extensions: { code: "NOT_FOUND" } }] },
    });
    render(<TwoRows />, { wrapper });
    await userEvent.click(screen.getByRole("button", { name: "Revoke" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("API token not found (NOT_FOUND)");
    expect(refresh).toHaveBeenCalledOnce();
  });

  it("is disabled while its table's revoker is busy", () => {
    const revoke = vi.fn(() => Promise.resolve());
    render(<RevokeButton revoker={{ busy: true, revoke }} itemId="t1" />);
    expect(screen.getByRole("button", { name: "Revoke" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Revoke" })).toHaveClass("secondary");
  });
});
