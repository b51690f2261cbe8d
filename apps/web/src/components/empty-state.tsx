import type { ReactNode } from "react";

/** A list or chart with nothing in it yet, and what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children && <div>{children}</div>}
    </div>
  );
}
