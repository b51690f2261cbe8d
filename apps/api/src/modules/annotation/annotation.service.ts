/**
 * Annotations: labels that say what a filter does ("red-green colour blob"), shown on the layer and filter
 * pages, and comments on filters and runs. They belong to a workspace; every member reads them.
 *
 * Who may write: a label is part of the workspace's shared interpretation of the model, so editors and owners
 * add them; comments are discussion, so any member (viewers too) comments. Authors edit their own
 * annotations; authors and owners delete them.
 */
import { randomUUID } from "node:crypto";

import type { Kysely } from "kysely";

import type { DB } from "../../db/schema.js";
import { ApiError } from "../../errors.js";
import { AuthError } from "../auth/auth.errors.js";
import type { AuthService } from "../auth/auth.service.js";
import type { Identity } from "../auth/identity.js";
import { type Access, type Role, hasRole, requireRole } from "../workspace/roles.js";
import { AnnotationRepository, type AnnotationWithAuthor } from "./annotation.repository.js";

export type AnnotationKind = "LABEL" | "COMMENT";

export type AnnotationTarget =
  | { kind: "FILTER"; modelId: string; layerName: string; filterIndex: number }
  | { kind: "RUN"; runId: string };

/** The least role that may write each kind. */
export const WRITE_ROLE: Record<AnnotationKind, Role> = { LABEL: "EDITOR", COMMENT: "VIEWER" };
export const MAX_BODY_LENGTH: Record<AnnotationKind, number> = { LABEL: 80, COMMENT: 5000 };

function checkBody(kind: AnnotationKind, body: string): string {
  const text = kind === "LABEL" ? body.trim().replace(/\s+/g, " ") : body.trim();
  const max = MAX_BODY_LENGTH[kind];
  if (text.length === 0 || text.length > max) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `body: a ${kind.toLowerCase()} has 1 to ${max} characters, got ${text.length}`,
      { argument: "body" },
    );
  }
  return text;
}

export class AnnotationService {
  readonly repository: AnnotationRepository;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly auth: AuthService,
  ) {
    this.repository = new AnnotationRepository(db);
  }

  /**
   * Adds a label (filters only) or a comment to a filter or run of the workspace; NOT_FOUND when the filter or
   * run is not the workspace's (annotations never point into another team's work).
   */
  async create(
    identity: Identity | null,
    workspaceId: string,
    input: { kind: AnnotationKind; target: AnnotationTarget; body: string },
  ): Promise<AnnotationWithAuthor> {
    if (input.kind !== "LABEL" && input.kind !== "COMMENT") {
      throw new ApiError("INVALID_ARGUMENT", `kind: expected LABEL or COMMENT, got "${String(input.kind)}"`, {
        argument: "kind",
      });
    }
    const access = await requireRole(this.db, identity, workspaceId, WRITE_ROLE[input.kind]);
    const body = checkBody(input.kind, input.body);
    const { target } = input;
    if (target.kind === "RUN" && input.kind === "LABEL") {
      throw new ApiError(
        "INVALID_ARGUMENT",
        "kind: labels name filters; a run takes comments (kind COMMENT)",
        {
          argument: "kind",
        },
      );
    }
    const exists =
      target.kind === "FILTER"
        ? await this.repository.filterExists(
            workspaceId,
            target.modelId,
            target.layerName,
            target.filterIndex,
          )
        : await this.repository.runExists(workspaceId, target.runId);
    if (!exists) {
      throw new ApiError(
        "NOT_FOUND",
        target.kind === "FILTER"
          ? `no filter ${target.filterIndex} in layer "${target.layerName}" of model "${target.modelId}"`
          : `no run with id "${target.runId}"`,
        { argument: "target" },
      );
    }
    const now = this.auth.now();
    return this.repository.insert({
      id: randomUUID(),
      workspaceId,
      kind: input.kind,
      targetKind: target.kind,
      modelId: target.kind === "FILTER" ? target.modelId : null,
      layerName: target.kind === "FILTER" ? target.layerName : null,
      filterIndex: target.kind === "FILTER" ? target.filterIndex : null,
      runId: target.kind === "RUN" ? target.runId : null,
      body,
      authorId: access.userId,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The annotation and the caller's access to its workspace; NOT_FOUND if the caller is not a member. */
  private async annotation(
    identity: Identity | null,
    id: string,
  ): Promise<{ row: AnnotationWithAuthor; access: Access }> {
    const notFound = new ApiError("NOT_FOUND", `no annotation with id "${id}"`, { argument: "id" });
    const row = await this.repository.findById(id);
    if (!row) throw notFound;
    try {
      return { row, access: await requireRole(this.db, identity, row.workspaceId, "VIEWER") };
    } catch (error) {
      throw error instanceof ApiError && error.code === "NOT_FOUND" ? notFound : error;
    }
  }

  /** Changes the text of one's own annotation (still with the role its kind needs). */
  async update(identity: Identity | null, id: string, body: string): Promise<AnnotationWithAuthor> {
    const { row, access } = await this.annotation(identity, id);
    if (row.authorId !== access.userId || !hasRole(access.role, WRITE_ROLE[row.kind])) {
      throw new AuthError("FORBIDDEN", "only its author may edit an annotation", {
        requiredRole: WRITE_ROLE[row.kind],
      });
    }
    await this.repository.update(id, checkBody(row.kind, body), this.auth.now());
    return (await this.repository.findById(id))!;
  }

  /** Deletes an annotation (its author, or an owner of the workspace). */
  async delete(identity: Identity | null, id: string): Promise<void> {
    const { row, access } = await this.annotation(identity, id);
    if (row.authorId !== access.userId && access.role !== "OWNER") {
      throw new AuthError(
        "FORBIDDEN",
        "only its author or an owner of the workspace may delete an annotation",
      );
    }
    await this.repository.delete(id);
  }

  /** Labels and comments of a model's filters: a layer's, or one filter's (members). */
  async ofFilters(
    identity: Identity | null,
    workspaceId: string,
    filter: { modelId: string; layerName?: string; filterIndex?: number },
    kind?: AnnotationKind,
  ): Promise<AnnotationWithAuthor[]> {
    await requireRole(this.db, identity, workspaceId, "VIEWER");
    return this.repository.ofFilters(workspaceId, filter, kind);
  }

  /** Comments on a run (members). */
  async ofRun(
    identity: Identity | null,
    workspaceId: string,
    runId: string,
  ): Promise<AnnotationWithAuthor[]> {
    await requireRole(this.db, identity, workspaceId, "VIEWER");
    return this.repository.ofRun(workspaceId, runId);
  }
}
