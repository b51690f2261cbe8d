import type { ReactNode } from "react";

/**
 * A labelled table whose last column holds each row's buttons (Revoke…). That column's header is for screen
 * readers only: the buttons say what they do, and a visible "Actions" would only widen the table.
 */
export function ActionsTable({
  label,
  columns,
  children,
}: {
  /** The table's accessible name, which browser tests and screen readers find it by. */
  label: string;
  /** The headers of the columns before the actions column. */
  columns: readonly string[];
  /** The rows (`<tr>`), each ending with its actions cell, empty where the row has none. */
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
