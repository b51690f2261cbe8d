import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";

import { ApiError } from "../../errors.js";
import { type SignedIn, toUser } from "./auth.service.js";
import { ApiToken, CreatedApiToken, SignInPayload, User } from "./auth.type.js";
import { clearedSessionCookie, sessionCookie } from "./credentials.js";
import type { TeamsContext } from "./teams.context.js";
import { requireIdentity } from "../workspace/roles.js";

/** The cookie setter of an HTTP request; over WebSocket there is no response to set a session cookie on. */
export function requireCookieResponse(ctx: TeamsContext): (value: string) => void {
  if (!ctx.setCookie) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      "sign in over HTTP (POST /graphql): a session lives in a cookie, which a WebSocket cannot set",
    );
  }
  return ctx.setCookie;
}

/** Puts a new session into the response's cookie. */
export function startBrowserSession(ctx: TeamsContext, signedIn: SignedIn): SignInPayload {
  requireCookieResponse(ctx)(
    sessionCookie(signedIn.sessionToken, signedIn.expiresAt, { secure: ctx.secureCookies }),
  );
  return { user: signedIn.user, expiresAt: signedIn.expiresAt };
}

@Resolver()
export class AuthResolver {
  @Query(() => User, { nullable: true, description: "The signed-in user; null without a session or token." })
  async me(@Ctx() ctx: TeamsContext): Promise<User | null> {
    const identity = await ctx.identity();
    if (!identity) return null;
    const row = await ctx.teams.auth.repository.userById(identity.userId);
    return row ? toUser(row) : null;
  }

  @Mutation(() => SignInPayload, {
    description:
      "Signs in with e-mail and password; the session is set as an HttpOnly cookie. Failed attempts are " +
      "rate-limited per e-mail and per address (RATE_LIMITED with extensions.retryAfterSeconds).",
  })
  async signIn(
    @Arg("email", () => String) email: string,
    @Arg("password", () => String) password: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<SignInPayload> {
    requireCookieResponse(ctx);
    const signedIn = await ctx.teams.auth.signIn({ email, password, address: ctx.clientAddress });
    return startBrowserSession(ctx, signedIn);
  }

  @Mutation(() => SignInPayload, {
    description: "Signs in with a one-time sign-in link's token (the first start prints one); it is used up.",
  })
  async signInWithLink(
    @Arg("token", () => String) token: string,
    @Ctx() ctx: TeamsContext,
  ): Promise<SignInPayload> {
    requireCookieResponse(ctx);
    return startBrowserSession(ctx, await ctx.teams.auth.signInWithLink(token));
  }

  @Mutation(() => Boolean, {
    description:
      "Ends this session (in the database: the cookie stops working everywhere) and clears the cookie.",
  })
  async signOut(@Ctx() ctx: TeamsContext): Promise<boolean> {
    await ctx.teams.auth.signOut(requireIdentity(await ctx.identity()));
    ctx.setCookie?.(clearedSessionCookie({ secure: ctx.secureCookies }));
    return true;
  }

  @Mutation(() => Boolean, {
    description:
      "Sets the caller's password (currentPassword is needed when one is set) and ends their other sessions.",
  })
  async setPassword(
    @Arg("newPassword", () => String) newPassword: string,
    @Arg("currentPassword", () => String, { nullable: true }) currentPassword: string | null,
    @Ctx() ctx: TeamsContext,
  ): Promise<boolean> {
    await ctx.teams.auth.setPassword(requireIdentity(await ctx.identity()), {
      currentPassword: currentPassword ?? undefined,
      newPassword,
    });
    return true;
  }

  @Query(() => [ApiToken], { description: "The caller's API tokens, newest first (revoked ones too)." })
  async apiTokens(@Ctx() ctx: TeamsContext): Promise<ApiToken[]> {
    return ctx.teams.auth.listApiTokens(requireIdentity(await ctx.identity()));
  }

  @Mutation(() => CreatedApiToken, {
    description:
      "A new personal API token (from a signed-in session only); its secret is in the answer, once.",
  })
  async createApiToken(
    @Arg("name", () => String) name: string,
    @Arg("expiresInDays", () => Int, { nullable: true, description: "Default: no expiry." })
    expiresInDays: number | null,
    @Ctx() ctx: TeamsContext,
  ): Promise<CreatedApiToken> {
    return ctx.teams.auth.createApiToken(requireIdentity(await ctx.identity()), {
      name,
      expiresInDays: expiresInDays ?? undefined,
    });
  }

  @Mutation(() => ApiToken, {
    description: "Revokes one of the caller's API tokens; it stops working at once.",
  })
  async revokeApiToken(@Arg("id", () => ID) id: string, @Ctx() ctx: TeamsContext): Promise<ApiToken> {
    return ctx.teams.auth.revokeApiToken(requireIdentity(await ctx.identity()), id);
  }
}
