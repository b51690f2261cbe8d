import type { CombinedError } from "@urql/core";

/** What went wrong talking to the API, in the words a page shows. */
export interface ApiFailure {
  /** `unreachable`: no answer at all; `not-found`: an unknown id; `graphql`: the API refused the request. */
  kind: "unreachable" | "not-found" | "graphql";
  message: string;
  /** The first error's `extensions.code`, e.g. BAD_USER_INPUT. */
  code?: string;
}

/** Classifies an urql error: network failures, NOT_FOUND, and other GraphQL errors with their codes. */
export function describeApiError(error: CombinedError): ApiFailure {
  if (error.networkError && error.graphQLErrors.length === 0)
    return { kind: "unreachable", message: error.networkError.message || "no answer" };
  const first = error.graphQLErrors[0];
  const code = typeof first?.extensions?.code === "string" ? first.extensions.code : undefined;
  const message = first?.message ?? error.message;
  if (code === "NOT_FOUND") return { kind: "not-found", message, code };
  return { kind: "graphql", message, code };
}

/** A one-line message for a failed mutation, e.g. "BAD_USER_INPUT: maxImages must be positive". */
export function errorText(error: CombinedError): string {
  const failure = describeApiError(error);
  if (failure.kind === "unreachable") return `The Carve API did not answer (${failure.message}).`;
  return failure.code ? `${failure.message} (${failure.code})` : failure.message;
}
