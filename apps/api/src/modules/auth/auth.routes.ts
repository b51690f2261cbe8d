/**
 * `GET /auth/sign-in?token=carve_sil_…`: the one-time sign-in link the first start prints. Opening it uses
 * the link up, sets the session cookie and redirects to the dashboard — as a notebook server's token URL
 * does. The response is never cached and sends no Referer onwards, so the token does not travel further.
 */
import express, { type Router } from "express";

import { isAuthError } from "./auth.errors.js";
import { sessionCookie } from "./credentials.js";
import type { Teams } from "./teams.js";

export const SIGN_IN_PATH = "/auth/sign-in";

export interface AuthRouterOptions {
  /** Where a signed-in browser goes next: the dashboard. */
  redirectTo: string;
  /** Cookies get `Secure` (the API is served over HTTPS). */
  secureCookies: boolean;
}

export function authRouter(teams: Teams, options: AuthRouterOptions): Router {
  const router = express.Router();
  router.get(SIGN_IN_PATH, async (req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Referrer-Policy", "no-referrer");
    const token = typeof req.query.token === "string" ? req.query.token : "";
    try {
      const signedIn = await teams.auth.signInWithLink(token);
      res.append(
        "Set-Cookie",
        sessionCookie(signedIn.sessionToken, signedIn.expiresAt, {
          secure: options.secureCookies || req.secure,
        }),
      );
      res.redirect(303, options.redirectTo);
    } catch (error) {
      if (!isAuthError(error, "UNAUTHENTICATED")) {
        next(error);
        return;
      }
      res.status(401).type("text/plain").send(`${error.message}\n`);
    }
  });
  return router;
}

/** The dashboard's page that signs in with a one-time link (it asks for a click, so link previews do not use it up). */
export const DASHBOARD_SIGN_IN_PATH = "/sign-in/link";

/** The sign-in link to print when the dashboard's URL is known. */
export function dashboardSignInUrl(dashboardUrl: string, token: string): string {
  return `${dashboardUrl.replace(/\/+$/, "")}${DASHBOARD_SIGN_IN_PATH}?token=${encodeURIComponent(token)}`;
}

/** The sign-in link to print: the API's origin, the route, the token. */
export function signInLinkUrl(apiOrigin: string, token: string): string {
  return `${apiOrigin.replace(/\/+$/, "")}${SIGN_IN_PATH}?token=${encodeURIComponent(token)}`;
}
