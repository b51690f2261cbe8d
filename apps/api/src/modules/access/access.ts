/**
 * Who may read or change what, decided in one place for every query, mutation, subscription and download.
 *
 * A request reads as a member of its workspaces (session cookie or API token) and/or through a share link
 * (`X-Carve-Share` header, or the `share` connection parameter over WebSocket). Members act within their role
 * (viewer reads; editor also registers, starts, cancels and deletes; owner also manages the workspace). A share
 * link only reads, and only what it shares: a MODEL link the model with its layers, filters, analyses, runs
 * and the models its runs produced; a RUN or COMPARISON link those runs, the models they pruned and the
 * models they produced (without those models' analyses and other runs).
 *
 * Anything the caller may not see answers NOT_FOUND with the same message as an id that does not exist, so
 * ids from another workspace reveal nothing; a request with no credentials at all gets UNAUTHENTICATED.
 */
import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";
import { ApiError, isApiError, notFound } from "../../errors.js";
import { AuthError } from "../auth/auth.errors.js";
import type { Identity } from "../auth/identity.js";
import type { ShareGrant, ShareService } from "../share/share.service.js";
import { type Role, hasRole, requireIdentity } from "../workspace/roles.js";

/** The HTTP header that carries a share link's token (over WebSocket: the connection parameter `share`). */
export const SHARE_HEADER = "x-carve-share";

/** What a share link lets its holder read, expanded to ids. */
export interface ShareScope {
  grant: ShareGrant;
  modelIds: ReadonlySet<string>;
  runIds: ReadonlySet<string>;
  /** Analyses of the shared models are readable (MODEL links only). */
  analyses: boolean;
}

/** What lists show the caller: models and runs of these workspaces, plus what a share link names. */
export interface ReadScope {
  workspaceIds: string[];
  modelIds: string[];
  runIds: string[];
}

export interface AccessDeps {
  db: Kysely<DB>;
  shares: ShareService;
  identity: () => Promise<Identity | null>;
  /** The share token the request carries, if any. */
  shareToken: string | undefined;
}

function readOnlyShare(minimum?: Role): AuthError {
  return new AuthError(
    "FORBIDDEN",
    "a share link only reads; sign in as a member of the workspace to change anything",
    minimum ? { requiredRole: minimum } : {},
  );
}

/** One request's view of permissions; memberships and the share grant are read once per request. */
export class Access {
  private roles?: Promise<Map<string, Role>>;
  private share?: Promise<ShareScope | null>;

  constructor(private readonly deps: AccessDeps) {}

  /**
   * The signed-in user, for anything that changes something: UNAUTHENTICATED without credentials, FORBIDDEN
   * for a request that holds only a share link (it learns the link only reads, rather than being asked to
   * sign in to an account it may not have).
   */
  async member(): Promise<Identity> {
    const identity = await this.deps.identity();
    if (!identity && (await this.shareScope())) throw readOnlyShare();
    return requireIdentity(identity);
  }

  /** The signed-in user if they are an editor or owner of some workspace (who may upload files). */
  async uploader(): Promise<string> {
    const identity = await this.member();
    const roles = await this.memberships();
    if (![...roles.values()].some((role) => hasRole(role, "EDITOR"))) {
      throw new AuthError(
        "FORBIDDEN",
        "uploading needs the EDITOR role in a workspace, and you have it in none; ask an owner to change your role",
        { requiredRole: "EDITOR" },
      );
    }
    return identity.userId;
  }

  /** The caller's role in each workspace they belong to (empty without an identity). */
  memberships(): Promise<Map<string, Role>> {
    this.roles ??= (async () => {
      const identity = await this.deps.identity();
      if (!identity) return new Map<string, Role>();
      const rows = await this.deps.db
        .selectFrom("memberships")
        .select(["workspaceId", "role"])
        .where("userId", "=", identity.userId)
        .execute();
      return new Map(rows.map((r) => [r.workspaceId, r.role]));
    })();
    return this.roles;
  }

  /**
   * What the request's share link grants, or null without one. A bad, revoked or expired link answers
   * NOT_FOUND, unless the request is also signed in: a member's stale link must not lock them out of their
   * own workspaces.
   */
  shareScope(): Promise<ShareScope | null> {
    this.share ??= (async () => {
      const token = this.deps.shareToken;
      if (token === undefined || token === "") return null;
      let grant: ShareGrant;
      try {
        grant = await this.deps.shares.resolve(token);
      } catch (error) {
        if (isApiError(error, "NOT_FOUND") && (await this.deps.identity())) return null;
        throw error;
      }
      const { kind, ids } = grant.target;
      const db = this.deps.db;
      const runs = await db
        .selectFrom("pruningRuns")
        .select(["id", "modelId", "resultModelId"])
        .where(kind === "MODEL" ? "modelId" : "id", "in", ids)
        .execute();
      const modelIds = new Set<string>(kind === "MODEL" ? ids : []);
      for (const run of runs) {
        modelIds.add(run.modelId);
        if (run.resultModelId) modelIds.add(run.resultModelId);
      }
      return { grant, modelIds, runIds: new Set(runs.map((r) => r.id)), analyses: kind === "MODEL" };
    })();
    return this.share;
  }

  /**
   * Checks the caller may act on something of `workspaceId` with at least `minimum`, or read it through the
   * share link (`shared`, for reads only); otherwise throws the error the caller may see.
   */
  private async decide(
    workspaceId: string | null,
    minimum: Role,
    shared: (scope: ShareScope) => boolean,
    missing: () => ApiError,
  ): Promise<void> {
    const [identity, roles] = await Promise.all([this.deps.identity(), this.memberships()]);
    const scope = await this.shareScope();
    if (!identity && !scope) requireIdentity(identity);
    const role = workspaceId === null ? undefined : roles.get(workspaceId);
    if (role !== undefined && hasRole(role, minimum)) return;
    if (minimum === "VIEWER" && scope && scope.grant.workspaceId === workspaceId && shared(scope)) return;
    if (role !== undefined) {
      throw new AuthError(
        "FORBIDDEN",
        `your role in this workspace is ${role}; this needs ${minimum}${minimum === "OWNER" ? "" : " or higher"}` +
          "; ask an owner of the workspace to change your role",
        { role, requiredRole: minimum },
      );
    }
    if (minimum !== "VIEWER" && scope && identity === null) throw readOnlyShare(minimum);
    throw missing();
  }

  /** A model the caller may act on with `minimum` (or read through the share link); its workspace. */
  async model(id: string, minimum: Role = "VIEWER", argument = "id"): Promise<{ workspaceId: string }> {
    const row = await this.deps.db
      .selectFrom("models")
      .select("workspaceId")
      .where("id", "=", id)
      .executeTakeFirst();
    const missing = () => notFound("model", id, argument);
    await this.decide(row?.workspaceId ?? null, minimum, (s) => s.modelIds.has(id), missing);
    if (!row?.workspaceId) throw missing();
    return { workspaceId: row.workspaceId };
  }

  /** A pruning run the caller may act on with `minimum` (or read through the share link). */
  async run(
    id: string,
    minimum: Role = "VIEWER",
    argument = "id",
  ): Promise<{ workspaceId: string; modelId: string }> {
    const row = await this.deps.db
      .selectFrom("pruningRuns")
      .innerJoin("models", "models.id", "pruningRuns.modelId")
      .select(["models.workspaceId", "pruningRuns.modelId"])
      .where("pruningRuns.id", "=", id)
      .executeTakeFirst();
    const missing = () => notFound("run", id, argument);
    await this.decide(row?.workspaceId ?? null, minimum, (s) => s.runIds.has(id), missing);
    if (!row?.workspaceId) throw missing();
    return { workspaceId: row.workspaceId, modelId: row.modelId };
  }

  /** An analysis the caller may act on with `minimum` (or read through a MODEL share link of its model). */
  async analysis(
    id: string,
    minimum: Role = "VIEWER",
    argument = "id",
  ): Promise<{ workspaceId: string; modelId: string }> {
    const row = await this.deps.db
      .selectFrom("analyses")
      .innerJoin("models", "models.id", "analyses.modelId")
      .select(["models.workspaceId", "analyses.modelId"])
      .where("analyses.id", "=", id)
      .executeTakeFirst();
    const missing = () => notFound("analysis", id, argument);
    await this.decide(
      row?.workspaceId ?? null,
      minimum,
      (s) => s.analyses && row !== undefined && s.modelIds.has(row.modelId),
      missing,
    );
    if (!row?.workspaceId) throw missing();
    return { workspaceId: row.workspaceId, modelId: row.modelId };
  }

  /**
   * A dataset the caller may use: a built-in one (no workspace) reads for everyone signed in or holding a
   * share link, but nobody changes it; a registered one needs `minimum` in its workspace. With `inWorkspace`,
   * a registered dataset must also belong to that workspace (a model is evaluated or analysed only on data of
   * its own workspace).
   */
  async dataset(
    id: string,
    minimum: Role = "VIEWER",
    options: { argument?: string; inWorkspace?: string } = {},
  ): Promise<{ workspaceId: string | null }> {
    const argument = options.argument ?? "id";
    const row = await this.deps.db
      .selectFrom("datasets")
      .select(["workspaceId", "sourceKind"])
      .where("id", "=", id)
      .executeTakeFirst();
    const missing = () => notFound("dataset", id, argument);
    if (row && row.sourceKind === "builtin") {
      const [identity, scope] = await Promise.all([this.deps.identity(), this.shareScope()]);
      if (!identity && !scope) requireIdentity(identity);
      if (minimum !== "VIEWER") {
        throw new AuthError(
          "FORBIDDEN",
          `dataset "${id}" is built into Carve: it cannot be changed or deleted`,
          {
            requiredRole: minimum,
          },
        );
      }
      return { workspaceId: null };
    }
    await this.decide(row?.workspaceId ?? null, minimum, () => false, missing);
    if (!row?.workspaceId) throw missing();
    if (options.inWorkspace !== undefined && row.workspaceId !== options.inWorkspace) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `dataset "${id}" belongs to another workspace than the model: register the data in the model's workspace`,
        { argument },
      );
    }
    return { workspaceId: row.workspaceId };
  }

  /**
   * The workspace something new goes into: `workspaceId` if the caller has `minimum` there; without it, the
   * caller's only workspace where they have `minimum` (INVALID_ARGUMENT when there are several, naming them).
   */
  async target(
    workspaceId: string | null | undefined,
    minimum: Role = "EDITOR",
    argument = "workspaceId",
  ): Promise<string> {
    await this.member();
    const roles = await this.memberships();
    if (workspaceId != null) {
      const missing = () => notFound("workspace", workspaceId, argument);
      await this.decide(workspaceId, minimum, () => false, missing);
      return workspaceId;
    }
    const candidates = [...roles].filter(([, role]) => hasRole(role, minimum)).map(([id]) => id);
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length === 0) {
      throw new AuthError(
        "FORBIDDEN",
        `this needs the ${minimum} role in a workspace, and you have it in none; ask an owner to change your role`,
        { requiredRole: minimum },
      );
    }
    throw new ApiError(
      "INVALID_ARGUMENT",
      `you can do this in ${candidates.length} workspaces: say which with ${argument} (one of ${candidates.join(", ")})`,
      { argument },
    );
  }

  /**
   * What lists may show: the caller's workspaces (or just `workspaceId`, checked), plus the share link's
   * models and runs. UNAUTHENTICATED without any credentials.
   */
  async readScope(workspaceId?: string | null): Promise<ReadScope> {
    const [identity, roles, scope] = await Promise.all([
      this.deps.identity(),
      this.memberships(),
      this.shareScope(),
    ]);
    if (!identity && !scope) requireIdentity(identity);
    const shared = { modelIds: [...(scope?.modelIds ?? [])], runIds: [...(scope?.runIds ?? [])] };
    if (workspaceId != null) {
      if (roles.has(workspaceId)) return { workspaceIds: [workspaceId], modelIds: [], runIds: [] };
      if (scope?.grant.workspaceId === workspaceId) return { workspaceIds: [], ...shared };
      throw notFound("workspace", workspaceId, "workspaceId");
    }
    return { workspaceIds: [...roles.keys()], ...shared };
  }

  /**
   * Within a model the caller reads, which of its runs and analyses nested lists may show: all of them for a
   * member of its workspace or a MODEL share link; only the shared runs (and no analyses) for a RUN or
   * COMPARISON link.
   */
  async within(
    workspaceId: string | null,
  ): Promise<{ runIds: ReadonlySet<string> | null; analyses: boolean }> {
    const roles = await this.memberships();
    if (workspaceId !== null && roles.has(workspaceId)) return { runIds: null, analyses: true };
    const scope = await this.shareScope();
    if (!scope) return { runIds: new Set(), analyses: false };
    return scope.analyses ? { runIds: null, analyses: true } : { runIds: scope.runIds, analyses: false };
  }

  /**
   * Whether a nested field may show a model or run reached from something the caller already reads (a run's
   * compressed model, a compressed model's source): a member of its workspace, or the share link covers it.
   */
  async mayRead(kind: "model" | "run", id: string, workspaceId: string | null): Promise<boolean> {
    const roles = await this.memberships();
    if (workspaceId !== null && roles.has(workspaceId)) return true;
    const scope = await this.shareScope();
    return scope !== null && (kind === "model" ? scope.modelIds : scope.runIds).has(id);
  }
}
