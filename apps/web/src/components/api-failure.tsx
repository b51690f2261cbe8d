import type { ApiFailure } from "@/lib/api-error";

/** The error state of a page whose data did not come: an unreachable API says how to start it. */
export function ApiFailureState({ failure, what }: { failure: ApiFailure; what: string }) {
  return (
    <section className="state state-error" role="alert">
      <h1>{failure.kind === "unreachable" ? "The Carve API is not reachable" : `Could not load ${what}`}</h1>
      <p>{failure.message}</p>
      {failure.kind === "unreachable" ? (
        <p>
          Start the API and the dashboard together with <code>npm start</code>, or the API alone with{" "}
          <code>npm run api</code>; the dashboard reads its address from <code>CARVE_API_URL</code>. Then
          reload this page.
        </p>
      ) : (
        failure.code && <p className="muted">Error code: {failure.code}</p>
      )}
    </section>
  );
}
