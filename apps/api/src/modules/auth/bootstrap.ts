/**
 * The first start of an empty database: the default workspace, its owner (an account without a password),
 * and a one-time sign-in link token for that owner, which the server prints — as a notebook server prints
 * its token URL — so the embedded default stays one command with nothing to configure.
 *
 * It happens once: the claim is a row in `settings`, inserted in the same transaction, so two servers starting
 * together on one PostgreSQL database create one owner. On later starts, while the owner has never signed in,
 * a fresh link replaces the previous one (a restart before the first sign-in does not lock the owner out);
 * once they have, nothing is created or printed.
 */
import { randomUUID } from "node:crypto";

import type { AuthService } from "./auth.service.js";

/** settings keys: the default workspace's id, and the id of the owner the first start created. */
export const DEFAULT_WORKSPACE_SETTING = "default_workspace_id";
export const BOOTSTRAP_OWNER_SETTING = "bootstrap_owner_id";

export interface BootstrapOptions {
  /** The owner's e-mail (default owner@localhost); they can sign in with it once they set a password. */
  ownerEmail?: string;
  /** The default workspace's name (default "Default workspace"). */
  workspaceName?: string;
  /** How long the sign-in link works (default 7 days). */
  linkHours?: number;
}

export type BootstrapResult =
  | {
      /** "created": this start created the workspace and owner; "pending": the owner has not signed in yet. */
      state: "created" | "pending";
      workspaceId: string;
      ownerId: string;
      /** The one-time sign-in link's token (print it; it is stored only hashed). */
      signInToken: string;
    }
  /** Nothing to do; `workspaceId` is null when accounts existed before any default workspace was recorded. */
  | { state: "done"; workspaceId: string | null };

export async function bootstrap(auth: AuthService, options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const db = auth.repository.db;
  const workspaceName = options.workspaceName ?? "Default workspace";
  const ownerEmail = options.ownerEmail ?? "owner@localhost";
  return db.transaction().execute(async (trx) => {
    const workspaceId = randomUUID();
    const claimed = await trx
      .insertInto("settings")
      .values({ key: DEFAULT_WORKSPACE_SETTING, value: workspaceId })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("value")
      .executeTakeFirst();
    if (claimed && (await auth.repository.countUsers(trx)) === 0) {
      const now = auth.now();
      await trx
        .insertInto("workspaces")
        .values({ id: workspaceId, name: workspaceName, createdAt: now, updatedAt: now })
        .execute();
      const owner = await auth.createAccount({ email: ownerEmail }, trx);
      await trx
        .insertInto("memberships")
        .values({ workspaceId, userId: owner.id, role: "OWNER", createdAt: now, updatedAt: now })
        .execute();
      await trx.insertInto("settings").values({ key: BOOTSTRAP_OWNER_SETTING, value: owner.id }).execute();
      const signInToken = await auth.createSignInLink(owner.id, options.linkHours, trx);
      return { state: "created", workspaceId, ownerId: owner.id, signInToken };
    }
    if (claimed) {
      // Accounts exist but no default workspace was recorded: nothing to bootstrap; keep no false claim.
      await trx.deleteFrom("settings").where("key", "=", DEFAULT_WORKSPACE_SETTING).execute();
      return { state: "done", workspaceId: null };
    }
    const settings = await trx
      .selectFrom("settings")
      .select(["key", "value"])
      .where("key", "in", [DEFAULT_WORKSPACE_SETTING, BOOTSTRAP_OWNER_SETTING])
      .execute();
    const existing = settings.find((s) => s.key === DEFAULT_WORKSPACE_SETTING)!.value;
    const ownerId = settings.find((s) => s.key === BOOTSTRAP_OWNER_SETTING)?.value;
    const owner =
      ownerId === undefined
        ? undefined
        : await trx.selectFrom("users").select("id").where("id", "=", ownerId).executeTakeFirst();
    if (owner && !(await auth.repository.hasEverSignedIn(owner.id, trx))) {
      const signInToken = await auth.createSignInLink(owner.id, options.linkHours, trx);
      return { state: "pending", workspaceId: existing, ownerId: owner.id, signInToken };
    }
    return { state: "done", workspaceId: existing };
  });
}
