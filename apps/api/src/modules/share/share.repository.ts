/** SQL for share links. */
import type { Kysely, Selectable } from "kysely";

import { type DB, type ShareLinksTable, type ShareTargetKindValue, fromJson } from "../../db/schema.js";

/** A share link as its workspace's editors see it: never its token hash. */
export interface ShareLinkRow extends Omit<Selectable<ShareLinksTable>, "tokenHash" | "targetIds"> {
  targetIds: string[];
}

const COLUMNS = [
  "id",
  "workspaceId",
  "targetKind",
  "targetIds",
  "createdBy",
  "createdAt",
  "expiresAt",
  "lastUsedAt",
  "revokedAt",
] as const;

function toRow(row: Omit<Selectable<ShareLinksTable>, "tokenHash">): ShareLinkRow {
  return { ...row, targetIds: fromJson<string[]>(row.targetIds) };
}

export class ShareLinkRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: Omit<Selectable<ShareLinksTable>, "targetIds"> & { targetIds: string[] }) {
    const inserted = await this.db
      .insertInto("shareLinks")
      .values({ ...row, targetIds: JSON.stringify(row.targetIds) })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRow(inserted);
  }

  async findById(id: string): Promise<ShareLinkRow | undefined> {
    const row = await this.db
      .selectFrom("shareLinks")
      .select(COLUMNS)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toRow(row);
  }

  /** A workspace's links, newest first, optionally only those to one kind of target. */
  async ofWorkspace(workspaceId: string, kind?: ShareTargetKindValue): Promise<ShareLinkRow[]> {
    let query = this.db.selectFrom("shareLinks").select(COLUMNS).where("workspaceId", "=", workspaceId);
    if (kind !== undefined) query = query.where("targetKind", "=", kind);
    const rows = await query.orderBy("createdAt", "desc").orderBy("id").execute();
    return rows.map(toRow);
  }

  /** The link behind a token hash, if neither revoked nor expired. */
  async live(tokenHash: string, now: string): Promise<ShareLinkRow | undefined> {
    const row = await this.db
      .selectFrom("shareLinks")
      .select(COLUMNS)
      .where("tokenHash", "=", tokenHash)
      .where("revokedAt", "is", null)
      .where((eb) => eb.or([eb("expiresAt", "is", null), eb("expiresAt", ">", now)]))
      .executeTakeFirst();
    return row && toRow(row);
  }

  async touch(id: string, now: string): Promise<void> {
    await this.db.updateTable("shareLinks").set({ lastUsedAt: now }).where("id", "=", id).execute();
  }

  async revoke(id: string, now: string): Promise<void> {
    await this.db
      .updateTable("shareLinks")
      .set({ revokedAt: now })
      .where("id", "=", id)
      .where("revokedAt", "is", null)
      .execute();
  }

  /** Which of `ids` name a model (kind "models") or a pruning run (kind "pruningRuns"). */
  /** Which of these models (or runs, through their model) belong to the workspace. */
  async inWorkspace(
    table: "models" | "pruningRuns",
    ids: readonly string[],
    workspaceId: string,
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows =
      table === "models"
        ? await this.db
            .selectFrom("models")
            .select("id")
            .where("id", "in", ids)
            .where("workspaceId", "=", workspaceId)
            .execute()
        : await this.db
            .selectFrom("pruningRuns")
            .innerJoin("models", "models.id", "pruningRuns.modelId")
            .select("pruningRuns.id")
            .where("pruningRuns.id", "in", ids)
            .where("models.workspaceId", "=", workspaceId)
            .execute();
    return new Set(rows.map((r) => r.id));
  }
}
