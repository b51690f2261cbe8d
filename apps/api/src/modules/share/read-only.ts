/**
 * A share link only reads. Operations that change something call {@link requireWriter} first, so that a
 * visitor who holds just a share link learns that the link is read-only (FORBIDDEN) instead of being asked to
 * sign in to an account they may not have (UNAUTHENTICATED), and so that nothing behind a write ever counts the
 * link as a permission.
 */
import type { Context } from "../../context.js";
import { AuthError } from "../auth/auth.errors.js";
import type { Identity } from "../auth/identity.js";
import { requireIdentity } from "../workspace/roles.js";

export async function requireWriter(ctx: Pick<Context, "identity" | "access">): Promise<Identity> {
  const identity = await ctx.identity();
  if (identity) return identity;
  if (await ctx.access.shareScope()) {
    throw new AuthError(
      "FORBIDDEN",
      "a share link only reads; sign in as a member of the workspace to change anything",
    );
  }
  return requireIdentity(identity);
}
