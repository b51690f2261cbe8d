/**
 * The teams services built together over one database, as the server will hold them: accounts and
 * credentials, workspaces and members, share links, annotations.
 */
import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";
import { AnnotationService } from "../annotation/annotation.service.js";
import { ShareService, type ShareTargets } from "../share/share.service.js";
import { WorkspaceService } from "../workspace/workspace.service.js";
import { AuthService } from "./auth.service.js";
import { SignInRateLimiter } from "./rate-limit.js";
import type { ServerSecrets } from "./secrets.js";

export interface Teams {
  auth: AuthService;
  workspaces: WorkspaceService;
  shares: ShareService;
  annotations: AnnotationService;
}

export interface TeamsOptions {
  db: Kysely<DB>;
  secrets: ServerSecrets;
  /** CARVE_SESSION_DAYS. */
  sessionDays?: number;
  rateLimiter?: SignInRateLimiter;
  /** How share links check that their target is in the workspace (default: that it exists). */
  shareTargets?: ShareTargets;
  /** The clock (tests move it). */
  now?: () => Date;
}

export function createTeams(options: TeamsOptions): Teams {
  const auth = new AuthService({
    db: options.db,
    secrets: options.secrets,
    rateLimiter: options.rateLimiter ?? new SignInRateLimiter(),
    ...(options.sessionDays === undefined ? {} : { sessionDays: options.sessionDays }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    auth,
    workspaces: new WorkspaceService(options.db, auth),
    shares: new ShareService(options.db, auth, options.shareTargets),
    annotations: new AnnotationService(options.db, auth),
  };
}
