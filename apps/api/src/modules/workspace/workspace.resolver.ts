import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";

import { SignInPayload } from "../auth/auth.type.js";
import { requireCookieResponse, startBrowserSession } from "../auth/auth.resolver.js";
import type { TeamsContext } from "../auth/teams.context.js";
import { CreatedInvite, Invite, InvitePreview, Membership, Role, Workspace } from "./workspace.type.js";

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Query(() => [Workspace], {
    description: "The caller's workspaces, oldest first, with their role in each.",
  })
  async workspaces(@Ctx() ctx: TeamsContext): Promise<Workspace[]> {
    return (await ctx.teams.workspaces.list(await ctx.identity())) as Workspace[];
  }

  @Query(() => Workspace, { description: "One of the caller's workspaces; NOT_FOUND for any other id." })
  async workspace(@Arg("id", () => ID) id: string, @Ctx() ctx: TeamsContext): Promise<Workspace> {
    return (await ctx.teams.workspaces.get(await ctx.identity(), id)) as Workspace;
  }

  @FieldResolver(() => [Membership], { description: "Owners first, then editors, then viewers." })
  async members(@Root() workspace: Workspace, @Ctx() ctx: TeamsContext): Promise<Membership[]> {
    return (await ctx.teams.workspaces.members(await ctx.identity(), workspace.id)) as Membership[];
  }

  @FieldResolver(() => [Invite], { description: "Its invites, newest first (owners; FORBIDDEN for others)." })
  async invites(@Root() workspace: Workspace, @Ctx() ctx: TeamsContext): Promise<Invite[]> {
    return (await ctx.teams.workspaces.invites(await ctx.identity(), workspace.id)) as Invite[];
  }

  @Mutation(() => Workspace, { description: "A new workspace with the caller as its owner." })
  async createWorkspace(
    @Arg("name", () => String) name: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<Workspace> {
    const row = await ctx.teams.workspaces.create(await ctx.identity(), name);
    return { ...row, role: Role.OWNER };
  }

  @Mutation(() => Workspace, { description: "Renames a workspace (owners)." })
  async renameWorkspace(
    @Arg("id", () => ID) id: string,
    @Arg("name", () => String) name: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<Workspace> {
    const identity = await ctx.identity();
    await ctx.teams.workspaces.rename(identity, id, name);
    return (await ctx.teams.workspaces.get(identity, id)) as Workspace;
  }

  @Mutation(() => CreatedInvite, {
    description:
      "A single-use invite link's token with a role (owners); pass it on yourself — no e-mail is sent.",
  })
  async createInvite(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("role", () => Role) role: Role,
    @Arg("expiresInDays", () => Int, { nullable: true, description: "Default 7, at most 90." })
    expiresInDays: number | null,
    @Ctx() ctx: TeamsContext,
  ): Promise<CreatedInvite> {
    return (await ctx.teams.workspaces.createInvite(await ctx.identity(), workspaceId, {
      role,
      expiresInDays: expiresInDays ?? undefined,
    })) as CreatedInvite;
  }

  @Mutation(() => Invite, { description: "Revokes an unused invite (owners)." })
  async revokeInvite(@Arg("id", () => ID) id: string, @Ctx() ctx: TeamsContext): Promise<Invite> {
    return (await ctx.teams.workspaces.revokeInvite(await ctx.identity(), id)) as Invite;
  }

  @Query(() => InvitePreview, {
    description:
      "What an invite link offers, without an account; NOT_FOUND when it is used, revoked or expired.",
  })
  async invitePreview(
    @Arg("token", () => String) token: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<InvitePreview> {
    return (await ctx.teams.workspaces.previewInvite(token)) as InvitePreview;
  }

  @Mutation(() => Workspace, {
    description: "Joins the invite's workspace with its role; the invite is used up.",
  })
  async acceptInvite(
    @Arg("token", () => String) token: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<Workspace> {
    const identity = await ctx.identity();
    const access = await ctx.teams.workspaces.acceptInvite(identity, token);
    return (await ctx.teams.workspaces.get(identity, access.workspaceId)) as Workspace;
  }

  @Mutation(() => SignInPayload, {
    description: "Creates an account through an invite, joins its workspace and signs in (session cookie).",
  })
  async signUpWithInvite(
    @Arg("token", () => String) token: string,
    @Arg("email", () => String) email: string,
    @Arg("password", () => String) password: string,
    @Arg("displayName", () => String, { nullable: true }) displayName: string | null,
    @Ctx() ctx: TeamsContext,
  ): Promise<SignInPayload> {
    requireCookieResponse(ctx);
    const { signedIn } = await ctx.teams.workspaces.signUpWithInvite(token, {
      email,
      password,
      displayName: displayName ?? undefined,
    });
    return startBrowserSession(ctx, signedIn);
  }

  @Mutation(() => Membership, {
    description: "Changes a member's role (owners); the last owner cannot be demoted.",
  })
  async changeRole(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("userId", () => ID) userId: string,
    @Arg("role", () => Role) role: Role,
    @Ctx() ctx: TeamsContext,
  ): Promise<Membership> {
    return (await ctx.teams.workspaces.changeRole(
      await ctx.identity(),
      workspaceId,
      userId,
      role,
    )) as Membership;
  }

  @Mutation(() => Boolean, {
    description:
      "Removes a member (owners), or the caller themselves (leaving). The last owner can neither leave nor be " +
      "removed (CONFLICT, extensions.reason LAST_OWNER).",
  })
  async removeMember(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("userId", () => ID) userId: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<boolean> {
    await ctx.teams.workspaces.removeMember(await ctx.identity(), workspaceId, userId);
    return true;
  }
}
