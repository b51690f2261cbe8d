/**
 * Share links: read-only links to a model, a pruning run, or a comparison of runs, opened without an account.
 * The token (256 random bits) is shown once and stored only as its HMAC; a link may expire and can be
 * revoked. Resolving a token gives a {@link ShareGrant} naming exactly what it shares and nothing else; an
 * unknown, revoked or expired token answers NOT_FOUND, the same for all three, so a guess learns nothing.
 *
 * Editors and owners create, list and revoke the links of their workspace.
 */
import { randomUUID } from "node:crypto";

import type { Kysely } from "kysely";

import { type DB, SHARE_TARGET_KINDS, type ShareTargetKindValue } from "../../db/schema.js";
import { ApiError } from "../../errors.js";
import type { AuthService } from "../auth/auth.service.js";
import type { Identity } from "../auth/identity.js";
import { looksLikeToken } from "../auth/tokens.js";
import { requireRole } from "../workspace/roles.js";
import { ShareLinkRepository, type ShareLinkRow } from "./share.repository.js";

const DAY = 24 * 60 * 60 * 1000;
/** Runs in one comparison link, at most. */
export const MAX_COMPARED_RUNS = 10;

export interface ShareTarget {
  kind: ShareTargetKindValue;
  /** [model id], [run id], or the run ids of a comparison (2 to {@link MAX_COMPARED_RUNS}), in order. */
  ids: string[];
}

/** What a resolved share token lets its holder read, and nothing more. */
export interface ShareGrant {
  linkId: string;
  workspaceId: string;
  target: ShareTarget;
  expiresAt: string | null;
}

/** A new share link: `token` goes into the URL and is shown this once. */
export interface CreatedShareLink {
  token: string;
  link: ShareLinkRow;
}

/** Whether every id of a share target exists in the workspace (a link never shares another team's work). */
export interface ShareTargets {
  check(workspaceId: string, target: ShareTarget): Promise<boolean>;
}

/** Targets checked against the models and pruning_runs tables. */
export function targetsInDatabase(db: Kysely<DB>): ShareTargets {
  const repository = new ShareLinkRepository(db);
  return {
    async check(workspaceId, target) {
      const table = target.kind === "MODEL" ? "models" : "pruningRuns";
      const found = await repository.inWorkspace(table, target.ids, workspaceId);
      return target.ids.every((id) => found.has(id));
    },
  };
}

function checkTarget(target: ShareTarget): ShareTarget {
  if (!(SHARE_TARGET_KINDS as readonly string[]).includes(target.kind)) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `target.kind: expected one of ${SHARE_TARGET_KINDS.join(", ")}, got "${String(target.kind)}"`,
      { argument: "target.kind" },
    );
  }
  const ids = target.ids.map((id) => id.trim());
  const [min, max] = target.kind === "COMPARISON" ? [2, MAX_COMPARED_RUNS] : [1, 1];
  if (
    ids.length < min ||
    ids.length > max ||
    ids.some((id) => id === "") ||
    new Set(ids).size !== ids.length
  ) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      target.kind === "COMPARISON"
        ? `target.ids: a comparison shares 2 to ${MAX_COMPARED_RUNS} different run ids, got ${ids.length}`
        : `target.ids: a ${target.kind.toLowerCase()} link shares exactly one id, got ${ids.length}`,
      { argument: "target.ids" },
    );
  }
  return { kind: target.kind, ids };
}

export class ShareService {
  readonly repository: ShareLinkRepository;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly auth: AuthService,
    private readonly targets: ShareTargets = targetsInDatabase(db),
  ) {
    this.repository = new ShareLinkRepository(db);
  }

  /** A new read-only link to a target of the workspace (editors), optionally expiring after `expiresInDays`. */
  async create(
    identity: Identity | null,
    workspaceId: string,
    input: { target: ShareTarget; expiresInDays?: number | undefined },
  ): Promise<CreatedShareLink> {
    const access = await requireRole(this.db, identity, workspaceId, "EDITOR");
    const target = checkTarget(input.target);
    const days = input.expiresInDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `expiresInDays: expected a whole number from 1 to 3650, got ${days}; leave it out for a link that ` +
          "works until revoked",
        { argument: "expiresInDays" },
      );
    }
    if (!(await this.targets.check(workspaceId, target))) {
      const what = target.kind === "MODEL" ? "model" : "run";
      throw new ApiError(
        "NOT_FOUND",
        `no ${what} with id ${target.ids.map((id) => `"${id}"`).join(" or ")} in this workspace`,
        { argument: "target.ids" },
      );
    }
    const { token, tokenHash } = this.auth.newToken("shareLink");
    const now = new Date(this.auth.now());
    const link = await this.repository.insert({
      id: randomUUID(),
      workspaceId,
      targetKind: target.kind,
      targetIds: target.ids,
      tokenHash,
      createdBy: access.userId,
      createdAt: now.toISOString(),
      expiresAt: days === undefined ? null : new Date(now.getTime() + days * DAY).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { token, link };
  }

  /** The workspace's share links, revoked and expired ones included (editors). */
  async list(
    identity: Identity | null,
    workspaceId: string,
    kind?: ShareTargetKindValue,
  ): Promise<ShareLinkRow[]> {
    await requireRole(this.db, identity, workspaceId, "EDITOR");
    return this.repository.ofWorkspace(workspaceId, kind);
  }

  /** Revokes a link (editors of its workspace; NOT_FOUND for anyone else). Revoking twice is a no-op. */
  async revoke(identity: Identity | null, linkId: string): Promise<ShareLinkRow> {
    const notFound = new ApiError("NOT_FOUND", `no share link with id "${linkId}"`, { argument: "id" });
    const link = await this.repository.findById(linkId);
    if (!link) throw notFound;
    try {
      await requireRole(this.db, identity, link.workspaceId, "EDITOR");
    } catch (error) {
      throw error instanceof ApiError && error.code === "NOT_FOUND" ? notFound : error;
    }
    await this.repository.revoke(linkId, this.auth.now());
    return (await this.repository.findById(linkId))!;
  }

  /**
   * What a share token grants; NOT_FOUND when it is unknown, revoked or expired. Records when it was last
   * used (at most once a minute: a shared page makes many requests).
   */
  async resolve(token: string): Promise<ShareGrant> {
    const now = this.auth.now();
    const link = looksLikeToken("shareLink", token)
      ? await this.repository.live(this.auth.hash(token), now)
      : undefined;
    if (!link) {
      throw new ApiError(
        "NOT_FOUND",
        "this share link is unknown, revoked or expired; ask whoever sent it for a new one",
        { argument: "shareToken" },
      );
    }
    if (this.auth.due(link.lastUsedAt)) await this.repository.touch(link.id, now);
    return {
      linkId: link.id,
      workspaceId: link.workspaceId,
      target: { kind: link.targetKind, ids: link.targetIds },
      expiresAt: link.expiresAt,
    };
  }
}

/**
 * Whether a grant covers one object: the shared model, the shared run, or a run of the shared comparison.
 * Exact ids only; what else a shared page may show of it (e.g. a run's model summary) is decided where the
 * page's fields are resolved.
 */
export function grantCovers(grant: ShareGrant, kind: "MODEL" | "RUN", id: string): boolean {
  if (kind === "MODEL") return grant.target.kind === "MODEL" && grant.target.ids[0] === id;
  return grant.target.kind !== "MODEL" && grant.target.ids.includes(id);
}
