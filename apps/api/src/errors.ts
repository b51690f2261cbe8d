/**
 * Errors the API raises on purpose carry a code in `extensions.code`: Carve's core codes (NOT_FOUND,
 * INVALID_ARGUMENT, INVALID_MODEL, …) pass through unchanged, so a client tells them apart without parsing
 * messages. Anything else is a bug: it is logged with its stack and answered as a generic internal error.
 */
import { unwrapResolverError } from "@apollo/server/errors";
import type { CarveErrorCode } from "@carve/core";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";

/** FORBIDDEN_PATH: a server path outside CARVE_ALLOWED_PATHS. */
export type ApiErrorCode = CarveErrorCode | "CONFLICT" | "FORBIDDEN_PATH" | "INTERNAL";

/** Codes a client may see; "INTERNAL" is never shown (it becomes INTERNAL_SERVER_ERROR). */
const CARVE_CODES: ReadonlySet<string> = new Set<CarveErrorCode>([
  "INVALID_ARGUMENT",
  "INVALID_DATA",
  "INVALID_MODEL",
  "UNSUPPORTED_LAYER",
  "SHAPE_MISMATCH",
  "BACKEND_UNAVAILABLE",
  "NOT_FOUND",
  "ABORTED",
]);

export class ApiError extends GraphQLError {
  readonly code: ApiErrorCode;

  /** `details` go into `extensions` beside the code, e.g. `{ argument: "input.layers" }`. */
  constructor(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...details } });
    this.name = "ApiError";
    this.code = code;
  }

  /** An error a worker thread reported as `{ code, message }` (a CarveError's code, or "INTERNAL"). */
  static fromWorker(error: { code: string; message: string }): ApiError {
    return new ApiError(
      CARVE_CODES.has(error.code) ? (error.code as CarveErrorCode) : "INTERNAL",
      error.message,
    );
  }
}

/** What NOT_FOUND names, and the query that lists the ids a caller may use. */
const FINDABLE = {
  model: { noun: "model", hint: "list them with the models query" },
  run: { noun: "pruning run", hint: "list them with the pruningRuns query" },
  analysis: { noun: "analysis", hint: "list them with the model { analyses } query" },
  dataset: { noun: "dataset", hint: "list them with the datasets query" },
  workspace: { noun: "workspace", hint: "list yours with the workspaces query" },
} as const;

/**
 * NOT_FOUND for an id that does not exist or that the caller may not see: one wording for both (services and
 * the access checks use this), so the answer never tells another workspace's ids from unknown ones.
 */
export function notFound(kind: keyof typeof FINDABLE, id: string, argument: string): ApiError {
  const { noun, hint } = FINDABLE[kind];
  return new ApiError("NOT_FOUND", `no ${noun} with id "${id}"; ${hint}`, { argument });
}

export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

const INTERNAL_MESSAGE = "Internal server error: the API logged the details.";

/**
 * The one place errors are shaped for clients, over HTTP and WebSocket alike. GraphQL's own errors (parse,
 * validation, BAD_USER_INPUT for a wrong variable) keep their codes; an ApiError keeps its code and details
 * (an INTERNAL one loses its message); anything else is logged and hidden.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof ApiError && original.code !== "INTERNAL") {
    return { message: original.message, path: formatted.path, extensions: { ...original.extensions } };
  }
  const code = formatted.extensions?.code;
  const isKnownGraphQLError =
    original instanceof GraphQLError &&
    !(original instanceof ApiError) &&
    typeof code === "string" &&
    code !== "INTERNAL_SERVER_ERROR";
  if (isKnownGraphQLError || (original instanceof GraphQLError && !original.originalError && !code)) {
    return formatted;
  }
  logger.error({ err: original, path: formatted.path }, "unexpected error while answering a GraphQL request");
  return { message: INTERNAL_MESSAGE, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
