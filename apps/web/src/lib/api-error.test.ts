import { CombinedError } from "@urql/core";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";

import { describeApiError, errorText } from "./api-error";

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
