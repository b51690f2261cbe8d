import { GraphQLError } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";

import { ApiError, formatError } from "./errors.js";

function recordingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

/** What Apollo hands formatError for an error thrown in a resolver: a GraphQLError wrapping it. */
function thrownInResolver(error: Error) {
  const wrapped = new GraphQLError(error.message, { path: ["model"], originalError: error });
  return {
    formatted: { message: error.message, path: ["model"], extensions: { code: "INTERNAL_SERVER_ERROR" } },
    wrapped,
  };
}

describe("formatError", () => {
  it("keeps the code, message and details of an ApiError", () => {
    const { logger, lines } = recordingLogger();
    const { formatted, wrapped } = thrownInResolver(
      new ApiError("NOT_FOUND", "no model", { argument: "id" }),
    );
    expect(formatError(formatted, wrapped, logger)).toEqual({
      message: "no model",
      path: ["model"],
      extensions: { code: "NOT_FOUND", argument: "id" },
    });
    expect(lines).toEqual([]);
  });

  it("logs an unexpected error with its stack and answers a generic internal error", () => {
    const { logger, lines } = recordingLogger();
    const { formatted, wrapped } = thrownInResolver(new TypeError("cannot read properties of undefined"));
    const result = formatError(formatted, wrapped, logger);
    expect(result.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(result.message).not.toMatch(/undefined/);
    expect(lines.join("")).toMatch(/cannot read properties of undefined/);
    expect(lines.join("")).toMatch(/TypeError/);
  });

  it("hides the message of an INTERNAL ApiError (a worker's crash) too", () => {
    const { logger } = recordingLogger();
    const { formatted, wrapped } = thrownInResolver(
      ApiError.fromWorker({ code: "WEIRD", message: "at secret.js:1" }),
    );
    expect(formatError(formatted, wrapped, logger).message).not.toMatch(/secret/);
  });

  it("passes GraphQL's own errors (validation, bad variables) through with their codes", () => {
    const { logger, lines } = recordingLogger();
    const validation = new GraphQLError('Cannot query field "nope" on type "Query".', {
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    const formatted = { message: validation.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
    expect(formatError(formatted, validation, logger)).toBe(formatted);
    expect(lines).toEqual([]);
  });
});
