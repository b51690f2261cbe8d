/** SQL for workspaces, their members and their invites. */
import type { Kysely, Selectable } from "kysely";

import type { DB, InvitesTable, MembershipsTable, RoleValue, WorkspacesTable } from "../../db/schema.js";

export type WorkspaceRow = Selectable<WorkspacesTable>;
export type MembershipRow = Selectable<MembershipsTable>;
/** An invite as owners see it: never its token hash. */
export type InviteRow = Omit<Selectable<InvitesTable>, "tokenHash">;

/** A member with the user's e-mail and name. */
export interface MemberRow extends MembershipRow {
  email: string;
  displayName: string;
}

/** A workspace with the caller's role in it. */
export interface WorkspaceWithRole extends WorkspaceRow {
  role: RoleValue;
}

const INVITE_COLUMNS = [
  "id",
  "workspaceId",
  "role",
  "createdBy",
  "createdAt",
  "expiresAt",
  "usedAt",
  "usedBy",
  "revokedAt",
] as const;

export class WorkspaceRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insertWorkspace(row: WorkspaceRow, db: Kysely<DB> = this.db): Promise<WorkspaceRow> {
    return db.insertInto("workspaces").values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findById(id: string): Promise<WorkspaceRow | undefined> {
    return this.db.selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async rename(id: string, name: string, now: string): Promise<WorkspaceRow | undefined> {
    return this.db
      .updateTable("workspaces")
      .set({ name, updatedAt: now })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Touches the workspace row as a transaction's first write: on PostgreSQL that locks it, so membership
   * changes of one workspace take turns and the owner count each reads is current (two owners demoting each
   * other at once cannot leave none). SQLite runs one write transaction at a time anyway.
   */
  async lock(db: Kysely<DB>, id: string, now: string): Promise<boolean> {
    const result = await db
      .updateTable("workspaces")
      .set({ updatedAt: now })
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The user's workspaces with their role, oldest first. */
  async workspacesOf(userId: string): Promise<WorkspaceWithRole[]> {
    return this.db
      .selectFrom("workspaces")
      .innerJoin("memberships", "memberships.workspaceId", "workspaces.id")
      .selectAll("workspaces")
      .select("memberships.role")
      .where("memberships.userId", "=", userId)
      .orderBy("workspaces.createdAt")
      .orderBy("workspaces.id")
      .execute();
  }

  async insertMembership(row: MembershipRow, db: Kysely<DB> = this.db): Promise<void> {
    await db.insertInto("memberships").values(row).execute();
  }

  async membership(
    workspaceId: string,
    userId: string,
    db: Kysely<DB> = this.db,
  ): Promise<MembershipRow | undefined> {
    return db
      .selectFrom("memberships")
      .selectAll()
      .where("workspaceId", "=", workspaceId)
      .where("userId", "=", userId)
      .executeTakeFirst();
  }

  /** Members with their e-mail and name: owners first, then editors, then viewers; by e-mail within a role. */
  async members(workspaceId: string): Promise<MemberRow[]> {
    const rows = await this.db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.userId")
      .selectAll("memberships")
      .select(["users.email", "users.displayName"])
      .where("memberships.workspaceId", "=", workspaceId)
      .orderBy("users.email")
      .execute();
    const order: Record<RoleValue, number> = { OWNER: 0, EDITOR: 1, VIEWER: 2 };
    return rows.sort((a, b) => order[a.role] - order[b.role]);
  }

  async countOwners(db: Kysely<DB>, workspaceId: string): Promise<number> {
    const row = await db
      .selectFrom("memberships")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("workspaceId", "=", workspaceId)
      .where("role", "=", "OWNER")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setRole(db: Kysely<DB>, workspaceId: string, userId: string, role: RoleValue, now: string) {
    await db
      .updateTable("memberships")
      .set({ role, updatedAt: now })
      .where("workspaceId", "=", workspaceId)
      .where("userId", "=", userId)
      .execute();
  }

  async deleteMembership(db: Kysely<DB>, workspaceId: string, userId: string): Promise<void> {
    await db
      .deleteFrom("memberships")
      .where("workspaceId", "=", workspaceId)
      .where("userId", "=", userId)
      .execute();
  }

  async insertInvite(row: Selectable<InvitesTable>): Promise<InviteRow> {
    return this.db.insertInto("invites").values(row).returning(INVITE_COLUMNS).executeTakeFirstOrThrow();
  }

  /** A workspace's invites, newest first. */
  async invitesOf(workspaceId: string): Promise<InviteRow[]> {
    return this.db
      .selectFrom("invites")
      .select(INVITE_COLUMNS)
      .where("workspaceId", "=", workspaceId)
      .orderBy("createdAt", "desc")
      .orderBy("id")
      .execute();
  }

  async inviteById(id: string): Promise<InviteRow | undefined> {
    return this.db.selectFrom("invites").select(INVITE_COLUMNS).where("id", "=", id).executeTakeFirst();
  }

  /** The invite behind a token hash if it can still be accepted, with its workspace's name. */
  async openInvite(tokenHash: string, now: string) {
    return this.db
      .selectFrom("invites")
      .innerJoin("workspaces", "workspaces.id", "invites.workspaceId")
      .select([...INVITE_COLUMNS.map((c) => `invites.${c}` as const), "workspaces.name as workspaceName"])
      .where("invites.tokenHash", "=", tokenHash)
      .where("invites.usedAt", "is", null)
      .where("invites.revokedAt", "is", null)
      .where("invites.expiresAt", ">", now)
      .executeTakeFirst();
  }

  /** Uses up an open invite in one statement (two people cannot both accept it); undefined if it is not open. */
  async consumeInvite(
    db: Kysely<DB>,
    tokenHash: string,
    userId: string,
    now: string,
  ): Promise<{ workspaceId: string; role: RoleValue } | undefined> {
    return db
      .updateTable("invites")
      .set({ usedAt: now, usedBy: userId })
      .where("tokenHash", "=", tokenHash)
      .where("usedAt", "is", null)
      .where("revokedAt", "is", null)
      .where("expiresAt", ">", now)
      .returning(["workspaceId", "role"])
      .executeTakeFirst();
  }

  async revokeInvite(id: string, now: string): Promise<void> {
    await this.db
      .updateTable("invites")
      .set({ revokedAt: now })
      .where("id", "=", id)
      .where("revokedAt", "is", null)
      .where("usedAt", "is", null)
      .execute();
  }
}
