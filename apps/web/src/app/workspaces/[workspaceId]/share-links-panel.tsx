"use client";

import Link from "next/link";
import { useState } from "react";

import { graphql } from "@/gql";
import { dateTime, shortId } from "@/lib/format";
import { ActionsTable } from "@/components/actions-table";
import { FormError } from "@/components/form-error";

import { RevokeButton, useRevoke } from "../../revoke-button";

const RevokeShareLinkMutation = graphql(`
  mutation RevokeShareLink($id: ID!) {
    revokeShareLink(id: $id) {
      id
      revokedAt
    }
  }
`);

export interface ShareLinkRow {
  id: string;
  targetKind: "MODEL" | "RUN" | "COMPARISON";
  targetIds: readonly string[];
  createdAt: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  /** Whether the link still opens its target (the API's answer: neither revoked nor expired). */
  active: boolean;
}

function targetLink(link: ShareLinkRow) {
  const [first] = link.targetIds;
  if (!first) return "—";
  if (link.targetKind === "MODEL")
    return <Link href={`/models/${encodeURIComponent(first)}`}>model #{shortId(first)}</Link>;
  if (link.targetKind === "RUN")
    return <Link href={`/runs/${encodeURIComponent(first)}`}>run #{shortId(first)}</Link>;
  return `comparison of ${link.targetIds.map((id) => `#${shortId(id)}`).join(", ")}`;
}

/** A workspace's share links (editors and owners): what each opens, its use, and revoking it at once. */
export function ShareLinksPanel({ links }: { links: readonly ShareLinkRow[] }) {
  const [error, setError] = useState<string>();
  const revoker = useRevoke(RevokeShareLinkMutation, setError);

  return (
    <section className="panel" aria-labelledby="share-links-title">
      <h2 id="share-links-title">Share links</h2>
      <p className="hint">
        Read-only links to a model, a run or a comparison, created with the Share button on those pages.
      </p>
      <FormError message={error} />
      {links.length === 0 ? (
        <p className="muted">No share links.</p>
      ) : (
        <ActionsTable label="Share links" columns={["Opens", "Created", "Expires", "Last opened"]}>
          {links.map((link) => {
            return (
              <tr key={link.id}>
                <td>
                  {targetLink(link)}
                  {link.revokedAt && <span className="tag">revoked</span>}
                  {!link.revokedAt && !link.active && <span className="tag">expired</span>}
                </td>
                <td>{dateTime(link.createdAt)}</td>
                <td>{link.expiresAt ? dateTime(link.expiresAt) : "when revoked"}</td>
                <td>{link.lastUsedAt ? dateTime(link.lastUsedAt) : "never"}</td>
                <td>{link.active && <RevokeButton revoker={revoker} itemId={link.id} />}</td>
              </tr>
            );
          })}
        </ActionsTable>
      )}
    </section>
  );
}
