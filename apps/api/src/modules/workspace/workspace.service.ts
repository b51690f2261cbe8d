/**
 * Workspaces (teams) and their members: create and rename a workspace, invite by link (no e-mail server: the
 * owner passes the link on), accept an invite with an account or by signing up, change roles, remove members
 * and leave. A workspace always keeps at least one owner: the last owner can neither leave, be removed nor be
 * demoted (CONFLICT with `extensions.reason = "LAST_OWNER"`).
 */
import { randomUUID } from "node:crypto";

import type { Kysely } from "kysely";

import { type DB, ROLES } from "../../db/schema.js";
import { ApiError } from "../../errors.js";
import { type AuthService, type SignedIn, checkName } from "../auth/auth.service.js";
import type { Identity } from "../auth/identity.js";
import { looksLikeToken } from "../auth/tokens.js";
import { type Access, type Role, requireIdentity, requireRole, workspaceNotFound } from "./roles.js";
import {
  type InviteRow,
  type MemberRow,
  WorkspaceRepository,
  type WorkspaceRow,
  type WorkspaceWithRole,
} from "./workspace.repository.js";

const DAY = 24 * 60 * 60 * 1000;

/** A new invite: `token` goes into the link and is shown this once. */
export interface CreatedInvite {
  token: string;
  invite: InviteRow;
}

/** What an invite link shows before it is accepted (to anyone holding it). */
export interface InvitePreview {
  workspaceId: string;
  workspaceName: string;
  role: Role;
  expiresAt: string;
}

function checkRole(role: string, argument = "role"): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `${argument}: expected one of ${ROLES.join(", ")}, got "${role}"`,
      {
        argument,
      },
    );
  }
  return role as Role;
}

function lastOwner(action: string): ApiError {
  return new ApiError(
    "CONFLICT",
    `the last owner of a workspace cannot ${action}; make another member an owner first`,
    { reason: "LAST_OWNER" },
  );
}

function inviteClosed(): ApiError {
  return new ApiError(
    "NOT_FOUND",
    "this invite link is unknown, already used, revoked or expired; ask an owner of the workspace for a new one",
    { argument: "token" },
  );
}

export class WorkspaceService {
  readonly repository: WorkspaceRepository;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly auth: AuthService,
  ) {
    this.repository = new WorkspaceRepository(db);
  }

  /** See {@link requireRole}. */
  requireRole(identity: Identity | null | undefined, workspaceId: string, minimum: Role): Promise<Access> {
    return requireRole(this.db, identity, workspaceId, minimum);
  }

  /** A new workspace whose only member, its owner, is the caller. */
  async create(identity: Identity | null, name: string): Promise<WorkspaceRow> {
    const who = requireIdentity(identity);
    const checked = checkName(name, "name");
    const now = this.auth.now();
    return this.db.transaction().execute(async (trx) => {
      const workspace = await this.repository.insertWorkspace(
        { id: randomUUID(), name: checked, createdAt: now, updatedAt: now },
        trx,
      );
      await this.repository.insertMembership(
        { workspaceId: workspace.id, userId: who.userId, role: "OWNER", createdAt: now, updatedAt: now },
        trx,
      );
      return workspace;
    });
  }

  /** Renames a workspace (owners). */
  async rename(identity: Identity | null, workspaceId: string, name: string): Promise<WorkspaceRow> {
    await this.requireRole(identity, workspaceId, "OWNER");
    const row = await this.repository.rename(workspaceId, checkName(name, "name"), this.auth.now());
    if (!row) throw workspaceNotFound(workspaceId);
    return row;
  }

  /** One workspace, for any member. */
  async get(identity: Identity | null, workspaceId: string): Promise<WorkspaceWithRole> {
    const access = await this.requireRole(identity, workspaceId, "VIEWER");
    const row = await this.repository.findById(workspaceId);
    if (!row) throw workspaceNotFound(workspaceId);
    return { ...row, role: access.role };
  }

  /** The caller's workspaces with their role in each. */
  async list(identity: Identity | null): Promise<WorkspaceWithRole[]> {
    return this.repository.workspacesOf(requireIdentity(identity).userId);
  }

  /** The members of a workspace (any member may see who else is in it). */
  async members(identity: Identity | null, workspaceId: string): Promise<MemberRow[]> {
    await this.requireRole(identity, workspaceId, "VIEWER");
    return this.repository.members(workspaceId);
  }

  /** A single-use invite link with a role, valid for `expiresInDays` (default 7; owners). */
  async createInvite(
    identity: Identity | null,
    workspaceId: string,
    input: { role: string; expiresInDays?: number | undefined },
  ): Promise<CreatedInvite> {
    const access = await this.requireRole(identity, workspaceId, "OWNER");
    const role = checkRole(input.role);
    const days = input.expiresInDays ?? 7;
    if (!Number.isInteger(days) || days < 1 || days > 90) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `expiresInDays: expected a whole number from 1 to 90, got ${days}`,
        {
          argument: "expiresInDays",
        },
      );
    }
    const { token, tokenHash } = this.auth.newToken("invite");
    const now = new Date(this.auth.now());
    const invite = await this.repository.insertInvite({
      id: randomUUID(),
      workspaceId,
      tokenHash,
      role,
      createdBy: access.userId,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + days * DAY).toISOString(),
      usedAt: null,
      usedBy: null,
      revokedAt: null,
    });
    return { token, invite };
  }

  /** A workspace's invites, used and revoked ones included (owners). */
  async invites(identity: Identity | null, workspaceId: string): Promise<InviteRow[]> {
    await this.requireRole(identity, workspaceId, "OWNER");
    return this.repository.invitesOf(workspaceId);
  }

  /** Revokes an unused invite (owners of its workspace; NOT_FOUND for anyone else). */
  async revokeInvite(identity: Identity | null, inviteId: string): Promise<InviteRow> {
    const invite = await this.repository.inviteById(inviteId);
    const notFound = new ApiError("NOT_FOUND", `no invite with id "${inviteId}"`, { argument: "id" });
    if (!invite) throw notFound;
    try {
      await this.requireRole(identity, invite.workspaceId, "OWNER");
    } catch (error) {
      throw error instanceof ApiError && error.code === "NOT_FOUND" ? notFound : error;
    }
    await this.repository.revokeInvite(inviteId, this.auth.now());
    return (await this.repository.inviteById(inviteId))!;
  }

  /** What an open invite offers (for the page an invite link opens); NOT_FOUND when it cannot be accepted. */
  async previewInvite(token: string): Promise<InvitePreview> {
    const invite = looksLikeToken("invite", token)
      ? await this.repository.openInvite(this.auth.hash(token), this.auth.now())
      : undefined;
    if (!invite) throw inviteClosed();
    return {
      workspaceId: invite.workspaceId,
      workspaceName: invite.workspaceName,
      role: invite.role,
      expiresAt: invite.expiresAt,
    };
  }

  /**
   * Joins the invite's workspace with its role, using the invite up. A member already in the workspace gets
   * CONFLICT and the invite stays open for someone else.
   */
  async acceptInvite(identity: Identity | null, token: string): Promise<Access> {
    const who = requireIdentity(identity);
    const preview = await this.previewInvite(token);
    const existing = await this.repository.membership(preview.workspaceId, who.userId);
    if (existing) {
      throw new ApiError(
        "CONFLICT",
        `you are already a member of this workspace (${existing.role}); an owner can change your role`,
        { reason: "ALREADY_MEMBER" },
      );
    }
    return this.db.transaction().execute((trx) => this.join(trx, token, who.userId));
  }

  /**
   * Signs up through an invite: creates the account, joins the workspace and signs in, all or nothing (an
   * invite that cannot be accepted creates no account).
   */
  async signUpWithInvite(
    token: string,
    input: { email: string; password: string; displayName?: string | undefined },
  ): Promise<{ access: Access; signedIn: SignedIn }> {
    await this.previewInvite(token);
    const account = await this.auth.prepareAccount(input);
    const access = await this.db.transaction().execute(async (trx) => {
      const user = await this.auth.insertAccount(account, trx);
      return this.join(trx, token, user.id);
    });
    return { access, signedIn: await this.auth.startSessionFor(access.userId) };
  }

  private async join(trx: Kysely<DB>, token: string, userId: string): Promise<Access> {
    const now = this.auth.now();
    const invite = await this.repository.consumeInvite(trx, this.auth.hash(token), userId, now);
    if (!invite) throw inviteClosed();
    await this.repository.insertMembership(
      { workspaceId: invite.workspaceId, userId, role: invite.role, createdAt: now, updatedAt: now },
      trx,
    );
    return { workspaceId: invite.workspaceId, userId, role: invite.role };
  }

  /**
   * Locks the workspace for a membership change, then checks the caller's role again under the lock: an owner
   * demoted by a change that committed a moment ago must not go on acting as one.
   */
  private async lockAsMember(
    trx: Kysely<DB>,
    identity: Identity,
    workspaceId: string,
    minimum: Role,
    now: string,
  ): Promise<void> {
    if (!(await this.repository.lock(trx, workspaceId, now))) throw workspaceNotFound(workspaceId);
    await requireRole(trx, identity, workspaceId, minimum);
  }

  /** Changes a member's role (owners); the last owner cannot be demoted. */
  async changeRole(
    identity: Identity | null,
    workspaceId: string,
    userId: string,
    role: string,
  ): Promise<MemberRow> {
    const who = requireIdentity(identity);
    await this.requireRole(who, workspaceId, "OWNER");
    const newRole = checkRole(role);
    const now = this.auth.now();
    await this.db.transaction().execute(async (trx) => {
      await this.lockAsMember(trx, who, workspaceId, "OWNER", now);
      const member = await this.repository.membership(workspaceId, userId, trx);
      if (!member) throw memberNotFound(userId);
      if (
        member.role === "OWNER" &&
        newRole !== "OWNER" &&
        (await this.repository.countOwners(trx, workspaceId)) <= 1
      ) {
        throw lastOwner("be demoted");
      }
      await this.repository.setRole(trx, workspaceId, userId, newRole, now);
    });
    return (await this.repository.members(workspaceId)).find((m) => m.userId === userId)!;
  }

  /** Removes a member (owners), or the caller themselves (leaving; any member). Never the last owner. */
  async removeMember(identity: Identity | null, workspaceId: string, userId: string): Promise<void> {
    const who = requireIdentity(identity);
    const leaving = userId === who.userId;
    const minimum = leaving ? "VIEWER" : "OWNER";
    await this.requireRole(who, workspaceId, minimum);
    await this.db.transaction().execute(async (trx) => {
      await this.lockAsMember(trx, who, workspaceId, minimum, this.auth.now());
      const member = await this.repository.membership(workspaceId, userId, trx);
      if (!member) throw memberNotFound(userId);
      if (member.role === "OWNER" && (await this.repository.countOwners(trx, workspaceId)) <= 1) {
        throw lastOwner(leaving ? "leave it" : "be removed");
      }
      await this.repository.deleteMembership(trx, workspaceId, userId);
    });
  }
}

function memberNotFound(userId: string): ApiError {
  return new ApiError("NOT_FOUND", `no member with user id "${userId}" in this workspace`, {
    argument: "userId",
  });
}
