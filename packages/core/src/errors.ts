/**
 * Every error Carve raises on purpose is a `CarveError` with a stable `code`, so the CLI can exit cleanly and
 * the API can map it to `extensions.code` without parsing messages.
 */
export type CarveErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_DATA"
  | "INVALID_MODEL"
  | "UNSUPPORTED_LAYER"
  | "SHAPE_MISMATCH"
  | "BACKEND_UNAVAILABLE"
  | "NOT_FOUND"
  | "ABORTED";

export class CarveError extends Error {
  readonly code: CarveErrorCode;

  constructor(code: CarveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CarveError";
    this.code = code;
  }
}

export function isCarveError(error: unknown, code?: CarveErrorCode): error is CarveError {
  return error instanceof CarveError && (code === undefined || error.code === code);
}

/** Throws `ABORTED` if the signal fired; long loops call this between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new CarveError("ABORTED", `${what} was cancelled`, { cause: signal.reason });
  }
}
