"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { dateTime } from "@/lib/format";
import { FormError } from "@/components/form-error";

const AnnotateFilterMutation = graphql(`
  mutation AnnotateFilter(
    $modelId: ID!
    $layerName: String!
    $filterIndex: Int!
    $kind: AnnotationKind!
    $body: String!
  ) {
    annotateFilter(
      modelId: $modelId
      layerName: $layerName
      filterIndex: $filterIndex
      kind: $kind
      body: $body
    ) {
      id
    }
  }
`);

const CommentOnRunMutation = graphql(`
  mutation CommentOnRun($runId: ID!, $body: String!) {
    commentOnRun(runId: $runId, body: $body) {
      id
    }
  }
`);

const DeleteAnnotationMutation = graphql(`
  mutation DeleteAnnotation($id: ID!) {
    deleteAnnotation(id: $id)
  }
`);

export interface AnnotationItem {
  id: string;
  kind: "LABEL" | "COMMENT";
  body: string;
  authorId?: string | null;
  authorName?: string | null;
  createdAt: string;
}

/** The API's limits (AnnotationKind): a label names, a comment discusses. */
export const LABEL_MAX = 80;
export const COMMENT_MAX = 5000;

export type AnnotationTarget =
  | { kind: "FILTER"; modelId: string; layerName: string; filterIndex: number }
  | { kind: "RUN"; runId: string };

/**
 * Comments on a filter or a run, and a filter's label: members comment, editors label, authors delete their own.
 * A share link's reader sees them read-only (no forms).
 */
export function AnnotationsPanel({
  target,
  items,
  canComment,
  canLabel,
  meId,
}: {
  target: AnnotationTarget;
  items: readonly AnnotationItem[];
  canComment: boolean;
  canLabel: boolean;
  meId: string | null;
}) {
  const router = useRouter();
  const [comment, setComment] = useState("");
  const [label, setLabel] = useState("");
  const [error, setError] = useState<string>();
  const [filterState, annotateFilter] = useMutation(AnnotateFilterMutation);
  const [runState, commentOnRun] = useMutation(CommentOnRunMutation);
  const [deleteState, deleteAnnotation] = useMutation(DeleteAnnotationMutation);
  const busy = filterState.fetching || runState.fetching || deleteState.fetching;
  const comments = items.filter((a) => a.kind === "COMMENT");
  const currentLabel = [...items].reverse().find((a) => a.kind === "LABEL");

  async function send(kind: "LABEL" | "COMMENT", body: string): Promise<boolean> {
    const text = body.trim();
    const max = kind === "LABEL" ? LABEL_MAX : COMMENT_MAX;
    if (!text) {
      setError(kind === "LABEL" ? "Type a label, e.g. “red-green colour blob”." : "Type a comment first.");
      return false;
    }
    if (text.length > max) {
      setError(`A ${kind.toLowerCase()} has at most ${max} characters; this one has ${text.length}.`);
      return false;
    }
    setError(undefined);
    const result =
      target.kind === "FILTER"
        ? await annotateFilter({
            modelId: target.modelId,
            layerName: target.layerName,
            filterIndex: target.filterIndex,
            kind,
            body: text,
          })
        : await commentOnRun({ runId: target.runId, body: text });
    if (result.error) {
      setError(errorText(result.error));
      return false;
    }
    router.refresh();
    return true;
  }

  async function onComment(event: FormEvent) {
    event.preventDefault();
    if (await send("COMMENT", comment)) setComment("");
  }

  async function onLabel(event: FormEvent) {
    event.preventDefault();
    if (await send("LABEL", label)) setLabel("");
  }

  async function onDelete(id: string) {
    setError(undefined);
    const result = await deleteAnnotation({ id });
    if (result.error) setError(errorText(result.error));
    router.refresh();
  }

  return (
    <section className="panel annotations" aria-labelledby="annotations-title">
      <h2 id="annotations-title">{target.kind === "FILTER" ? "Label and comments" : "Comments"}</h2>
      {target.kind === "FILTER" && (
        <p>
          Label:{" "}
          {currentLabel ? (
            <strong className="filter-label">{currentLabel.body}</strong>
          ) : (
            <span className="muted">none yet</span>
          )}
        </p>
      )}
      {canLabel && target.kind === "FILTER" && (
        <form onSubmit={onLabel} noValidate className="inline-form" aria-label="Label this filter">
          <div>
            <label htmlFor="filter-label">What this filter responds to</label>
            <input
              id="filter-label"
              value={label}
              maxLength={LABEL_MAX + 20}
              placeholder="e.g. red-green colour blob"
              onChange={(e) => setLabel(e.target.value)}
            />
          </div>
          <button type="submit" disabled={busy}>
            Save label
          </button>
        </form>
      )}
      {comments.length === 0 ? (
        <p className="muted">No comments yet.</p>
      ) : (
        <ul className="annotations" aria-label="Comments">
          {comments.map((a) => (
            <li key={a.id}>
              <p className="small muted">
                {a.authorName ?? "a former member"} · {dateTime(a.createdAt)}
                {meId && a.authorId === meId && (
                  <>
                    {" "}
                    ·{" "}
                    <button
                      type="button"
                      className="link"
                      disabled={busy}
                      onClick={() => void onDelete(a.id)}
                    >
                      Delete
                    </button>
                  </>
                )}
              </p>
              <p>{a.body}</p>
            </li>
          ))}
        </ul>
      )}
      {canComment && (
        <form onSubmit={onComment} noValidate aria-label="Add a comment">
          <label htmlFor="comment-body">Comment</label>
          <textarea id="comment-body" rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit" disabled={busy}>
            Add comment
          </button>
        </form>
      )}
      <FormError message={error} />
    </section>
  );
}
