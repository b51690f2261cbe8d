import { CombinedError } from "@urql/core";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";

import { describeApiError, errorText, isUnauthenticated, waitText } from "./api-error";

describe("describeApiError", () => {
  it("calls a network failure unreachable", () => {
    const error = new CombinedError({ networkError: new Error("fetch failed") });
    expect(describeApiError(error)).toEqual({ kind: "unreachable", message: "fetch failed" });
    expect(errorText(error)).toBe("The Carve API did not answer (fetch failed).");
  });

  it("recognises NOT_FOUND and keeps other codes", () => {
    const notFound = new CombinedError({
      graphQLErrors: [new GraphQLError('no model with id "x"', { extensions: { code: "NOT_FOUND" } })],
    });
    expect(describeApiError(notFound).kind).toBe("not-found");
    const bad = new CombinedError({
      graphQLErrors: [
        new GraphQLError("keep must be at least 1", { extensions: { code: "BAD_USER_INPUT" } }),
      ],
    });
    expect(describeApiError(bad)).toEqual({
      kind: "graphql",
      message: "keep must be at least 1",
      code: "BAD_USER_INPUT",
    });
    expect(errorText(bad)).toBe("keep must be at least 1 (BAD_USER_INPUT)");
  });
});

describe("auth errors", () => {
  it("says when to try again after too many failed sign-ins", () => {
    const limited = new CombinedError({
      graphQLErrors: [
        new GraphQLError("too many failed sign-ins; try again in 120 s", {
          extensions: { code: "RATE_LIMITED", retryAfterSeconds: 120 },
        }),
      ],
    });
    expect(describeApiError(limited).retryAfterSeconds).toBe(120);
    expect(errorText(limited)).toMatch(/Try again in 2 minutes\. \(RATE_LIMITED\)$/);
    expect(waitText(1)).toBe("1 second");
    expect(waitText(45)).toBe("45 seconds");
  });

  it("tells a missing session from a role that may not act", () => {
    const unauthenticated = new CombinedError({
      graphQLErrors: [new GraphQLError("sign in first", { extensions: { code: "UNAUTHENTICATED" } })],
    });
    const forbidden = new CombinedError({
      graphQLErrors: [
        new GraphQLError("viewers may not start runs; ask an owner for the editor role", {
          extensions: { code: "FORBIDDEN" },
        }),
      ],
    });
    expect(describeApiError(unauthenticated).kind).toBe("unauthenticated");
    expect(isUnauthenticated(unauthenticated)).toBe(true);
    expect(isUnauthenticated(forbidden)).toBe(false);
    expect(describeApiError(forbidden).kind).toBe("forbidden");
    expect(errorText(forbidden)).toBe(
      "viewers may not start runs; ask an owner for the editor role (FORBIDDEN)",
    );
  });
});
