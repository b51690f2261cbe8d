import type { CombinedError } from "@urql/core";

/** What went wrong talking to the API, in the words a page shows. */
export interface ApiFailure {
  /**
   * `unreachable`: no answer at all; `not-found`: an unknown id (or one of another workspace); `unauthenticated`:
   * no valid session; `forbidden`: the reader's role may not do it; `graphql`: the API refused the request.
   */
  kind: "unreachable" | "not-found" | "unauthenticated" | "forbidden" | "graphql";
  message: string;
  /** The first error's `extensions.code`, e.g. BAD_USER_INPUT. */
  code?: string;
  /** RATE_LIMITED: seconds until the API accepts another attempt. */
  retryAfterSeconds?: number;
}

/** Classifies an urql error: network failures, NOT_FOUND, auth refusals, and other codes. */
export function describeApiError(error: CombinedError): ApiFailure {
  if (error.networkError && error.graphQLErrors.length === 0)
    return { kind: "unreachable", message: error.networkError.message || "no answer" };
  const first = error.graphQLErrors[0];
  const code = typeof first?.extensions?.code === "string" ? first.extensions.code : undefined;
  const message = first?.message ?? error.message;
  if (code === "NOT_FOUND") return { kind: "not-found", message, code };
  if (code === "UNAUTHENTICATED") return { kind: "unauthenticated", message, code };
  if (code === "FORBIDDEN") return { kind: "forbidden", message, code };
  const retry = first?.extensions?.retryAfterSeconds;
  if (code === "RATE_LIMITED" && typeof retry === "number")
    return { kind: "graphql", message, code, retryAfterSeconds: retry };
  return { kind: "graphql", message, code };
}

/** Whether any of the errors says the request had no valid session (UNAUTHENTICATED). */
export function isUnauthenticated(error: CombinedError | undefined): boolean {
  return !!error?.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
}

/** A one-line message for a failed mutation, e.g. "maxImages must be positive (BAD_USER_INPUT)". */
export function errorText(error: CombinedError): string {
  const failure = describeApiError(error);
  if (failure.kind === "unreachable") return `The Carve API did not answer (${failure.message}).`;
  if (failure.retryAfterSeconds !== undefined)
    return `${failure.message} Try again in ${waitText(failure.retryAfterSeconds)}. (${failure.code})`;
  return failure.code ? `${failure.message} (${failure.code})` : failure.message;
}

/** 45 → "45 seconds", 130 → "3 minutes" (rounded up: "try again" must not come too early). */
export function waitText(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) === 1 ? "" : "s"}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
