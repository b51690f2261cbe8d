/**
 * Access for plain HTTP routes (uploads, artifact downloads, exports): the same decisions as GraphQL's, and
 * their errors as HTTP statuses: 401 without credentials, 403 for a role that does not allow it, 404 for
 * what does not exist or the caller may not know exists.
 */
import type { Request } from "express";

import { isApiError } from "../../errors.js";
import { isAuthError } from "../auth/auth.errors.js";
import type { Access } from "./access.js";

/** Builds the request's Access (from server.ts, where the database and teams services are). */
export type AccessForRequest = (req: Request) => Access;

/** The status, code and message an access error answers with over HTTP; undefined for any other error. */
export function accessFailure(error: unknown): { status: number; code: string; message: string } | undefined {
  if (isAuthError(error)) {
    const status = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 }[error.code];
    return { status, code: error.code, message: error.message };
  }
  if (isApiError(error, "NOT_FOUND")) return { status: 404, code: error.code, message: error.message };
  return undefined;
}
