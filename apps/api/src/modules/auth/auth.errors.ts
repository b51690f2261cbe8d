/**
 * Errors of signing in and of permissions. Their codes go to `extensions.code` like an ApiError's:
 * UNAUTHENTICATED (no valid session or token: sign in), FORBIDDEN (a member whose role does not allow it),
 * RATE_LIMITED (too many failed sign-ins; `extensions.retryAfterSeconds` says when to try again).
 *
 * They are GraphQLErrors with a code, which errors.ts's formatError passes to clients unchanged. Something
 * that does not exist, or that the caller may not know exists, is an ApiError NOT_FOUND instead.
 */
import { GraphQLError } from "graphql";

export type AuthErrorCode = "UNAUTHENTICATED" | "FORBIDDEN" | "RATE_LIMITED";

export class AuthError extends GraphQLError {
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...details } });
    this.name = "AuthError";
    this.code = code;
  }
}

export function isAuthError(error: unknown, code?: AuthErrorCode): error is AuthError {
  return error instanceof AuthError && (code === undefined || error.code === code);
}
