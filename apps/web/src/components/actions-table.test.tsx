import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { ActionsTable } from "./actions-table";

describe("ActionsTable", () => {
  it("names the table and its columns, and gives the actions column a header only screen readers see", () => {
    render(
      <ActionsTable label="Invites" columns={["Created", "Role"]}>
        <tr>
          <td>today</td>
          <td>Editor</td>
          <td>
            <button type="button">Revoke</button>
          </td>
        </tr>
      </ActionsTable>,
    );
    const table = screen.getByRole("table", { name: "Invites" });
    expect(table.parentElement).toHaveClass("table-wrap");
    const headers = screen.getAllByRole("columnheader");
    expect(headers.map((h) => h.textContent)).toEqual(["Created", "Role", "Actions"]);
    expect(headers[2]?.firstElementChild).toHaveClass("sr-only");
    expect(screen.getByRole("row", { name: /Editor/ })).toContainElement(
      screen.getByRole("button", { name: "Revoke" }),
    );
  });
});
