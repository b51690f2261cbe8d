"use client";

import { useMutation } from "@urql/next";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { dateTime, shortId } from "@/lib/format";
import { FormError } from "@/components/form-error";

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
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [state, revoke] = useMutation(RevokeShareLinkMutation);

  async function onRevoke(id: string) {
    setError(undefined);
    const result = await revoke({ id });
    if (result.error) setError(errorText(result.error));
    router.refresh();
  }

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
        <div className="table-wrap">
          <table aria-label="Share links">
            <thead>
              <tr>
                <th scope="col">Opens</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last opened</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
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
                    <td>
                      {link.active && (
                        <button
                          type="button"
                          className="secondary"
                          disabled={state.fetching}
                          onClick={() => void onRevoke(link.id)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
