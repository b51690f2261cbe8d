/**
 * Models and datasets registered before workspaces existed (migration 0006 added the column as NULL) join the
 * default workspace when the server starts, so an upgraded database keeps everything its owner had.
 */
import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";

export async function adoptUnowned(
  db: Kysely<DB>,
  workspaceId: string,
): Promise<{ models: number; datasets: number }> {
  return db.transaction().execute(async (trx) => {
    const models = await trx
      .updateTable("models")
      .set({ workspaceId })
      .where("workspaceId", "is", null)
      .executeTakeFirst();
    // Built-in datasets stay without a workspace: every member reads them.
    const datasets = await trx
      .updateTable("datasets")
      .set({ workspaceId })
      .where("workspaceId", "is", null)
      .where("sourceKind", "<>", "builtin")
      .executeTakeFirst();
    return { models: Number(models.numUpdatedRows), datasets: Number(datasets.numUpdatedRows) };
  });
}
