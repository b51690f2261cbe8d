import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";

import type { Context } from "../../context.js";
import { ShareTargetInput } from "./share.input.js";
import type { ShareLinkRow } from "./share.repository.js";
import { CreatedShareLink, ShareLink, SharedTarget, ShareTargetKind } from "./share.type.js";

/** Where the dashboard opens a share link (apps/web/src/app/s/[token]). */
export const SHARE_PATH = "/s/";

function toShareLink(row: ShareLinkRow, now: string): ShareLink {
  return {
    ...row,
    targetKind: row.targetKind as ShareTargetKind,
    active: row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now),
  };
}

@Resolver(() => ShareLink)
export class ShareLinkResolver {
  @Query(() => [ShareLink], {
    description:
      "A workspace's share links, newest first, revoked and expired ones included (editors and owners); " +
      "`kind` keeps links to one kind of target.",
  })
  async shareLinks(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("kind", () => ShareTargetKind, { nullable: true }) kind: ShareTargetKind | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ShareLink[]> {
    const identity = await ctx.access.member();
    const links = await ctx.teams.shares.list(identity, workspaceId, kind ?? undefined);
    const now = ctx.teams.auth.now();
    return links.map((link) => toShareLink(link, now));
  }

  @Query(() => SharedTarget, {
    nullable: true,
    description:
      "What the request's share link (X-Carve-Share header, `share` connection parameter) lets it read: which " +
      "page a read-only view shows. Null without a share link; NOT_FOUND for an unknown, revoked or expired one.",
  })
  async sharedTarget(@Ctx() ctx: Context): Promise<SharedTarget | null> {
    const scope = await ctx.access.shareScope();
    if (!scope) return null;
    const { grant } = scope;
    return {
      kind: grant.target.kind as ShareTargetKind,
      ids: grant.target.ids,
      workspaceId: grant.workspaceId,
      expiresAt: grant.expiresAt,
    };
  }

  @Mutation(() => CreatedShareLink, {
    description:
      "A read-only link to a model, a run or a comparison of runs of the workspace (editors and owners). The " +
      "token is in the result only: pass on `path` (the dashboard page) or the token itself.",
  })
  async createShareLink(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("target", () => ShareTargetInput) target: ShareTargetInput,
    @Arg("expiresInDays", () => Int, {
      nullable: true,
      description: "1 to 3650; leave it out for a link that works until revoked.",
    })
    expiresInDays: number | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<CreatedShareLink> {
    const identity = await ctx.access.member();
    const { token, link } = await ctx.teams.shares.create(identity, workspaceId, {
      target: { kind: target.kind, ids: target.ids },
      expiresInDays: expiresInDays ?? undefined,
    });
    return { token, path: `${SHARE_PATH}${token}`, link: toShareLink(link, ctx.teams.auth.now()) };
  }

  @Mutation(() => ShareLink, {
    description:
      "Revokes a share link at once (editors and owners of its workspace); revoking twice changes nothing.",
  })
  async revokeShareLink(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<ShareLink> {
    const identity = await ctx.access.member();
    return toShareLink(await ctx.teams.shares.revoke(identity, id), ctx.teams.auth.now());
  }
}
