import type { ReactNode } from "react";

/** A form's error, as a check or the API worded it, announced by screen readers; nothing when there is none. */
export function FormError({ message }: { message?: ReactNode }) {
  if (!message) return null;
  return (
    <p className="field-error" role="alert">
      {message}
    </p>
  );
}
