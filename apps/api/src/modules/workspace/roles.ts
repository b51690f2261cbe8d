/**
 * Roles and the one authorization check every workspace-scoped operation goes through.
 *
 * OWNER ⊃ EDITOR ⊃ VIEWER: a viewer reads; an editor also registers models and starts and cancels runs; an
 * owner also manages members, invites and the workspace. A workspace the caller is not a member of answers
 * NOT_FOUND, exactly like one that does not exist, so IDs from another team reveal nothing.
 */
import type { Kysely } from "kysely";

import { ROLES, type DB, type RoleValue } from "../../db/schema.js";
import { ApiError } from "../../errors.js";
import { AuthError } from "../auth/auth.errors.js";
import type { Identity } from "../auth/identity.js";

export type Role = RoleValue;
export { ROLES };

const RANK: Record<Role, number> = { VIEWER: 1, EDITOR: 2, OWNER: 3 };

/** Whether `role` includes the rights of `minimum`. */
export function hasRole(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The caller's membership, as {@link requireRole} returns it. */
export interface Access {
  workspaceId: string;
  userId: string;
  role: Role;
}

/** The answer for a workspace that does not exist or that the caller may not know exists. */
export function workspaceNotFound(workspaceId: string): ApiError {
  return new ApiError("NOT_FOUND", `no workspace with id "${workspaceId}"`, { argument: "workspaceId" });
}

/** UNAUTHENTICATED for a request without an identity. */
export function requireIdentity(identity: Identity | null | undefined): Identity {
  if (!identity) {
    throw new AuthError(
      "UNAUTHENTICATED",
      "sign in first: send the session cookie, or an API token as `Authorization: Bearer carve_pat_…`",
    );
  }
  return identity;
}

/**
 * The caller's role in a workspace, if at least `minimum`: UNAUTHENTICATED without an identity, NOT_FOUND
 * when not a member (or no such workspace), FORBIDDEN when a member with a lesser role.
 */
export async function requireRole(
  db: Kysely<DB>,
  identity: Identity | null | undefined,
  workspaceId: string,
  minimum: Role,
): Promise<Access> {
  const who = requireIdentity(identity);
  const row = await db
    .selectFrom("memberships")
    .select("role")
    .where("workspaceId", "=", workspaceId)
    .where("userId", "=", who.userId)
    .executeTakeFirst();
  if (!row) throw workspaceNotFound(workspaceId);
  if (!hasRole(row.role, minimum)) {
    throw new AuthError(
      "FORBIDDEN",
      `your role in this workspace is ${row.role}; this needs ${minimum}${minimum === "OWNER" ? "" : " or higher"}` +
        "; ask an owner of the workspace to change your role",
      { role: row.role, requiredRole: minimum },
    );
  }
  return { workspaceId, userId: who.userId, role: row.role };
}
