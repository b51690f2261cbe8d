"use client";

import Link from "next/link";

export default function PageError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <section className="state state-error" role="alert">
      <h1>Something went wrong</h1>
      <p>{error.message || "The page could not be shown."}</p>
      {error.digest && <p className="muted">Reference: {error.digest} (in the dashboard&apos;s log).</p>}
      <p className="actions">
        <button type="button" onClick={reset}>
          Try again
        </button>
        <Link href="/models">Back to the models</Link>
      </p>
    </section>
  );
}
