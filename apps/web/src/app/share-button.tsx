"use client";

import { useMutation } from "@urql/next";
import { type FormEvent, useState } from "react";

import { OneTimeSecret } from "@/components/one-time-secret";
import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import type { SharedTargetInfo } from "@/lib/share-target";
import { FormError } from "@/components/form-error";

const CreateShareLinkMutation = graphql(`
  mutation CreateShareLink($workspaceId: ID!, $target: ShareTargetInput!, $expiresInDays: Int) {
    createShareLink(workspaceId: $workspaceId, target: $target, expiresInDays: $expiresInDays) {
      path
      link {
        id
      }
    }
  }
`);

/**
 * "Share" for editors: creates a read-only link to a model, a run or a comparison (optionally expiring) and shows
 * it once. Whoever opens it sees that page without an account, and nothing else; owners revoke it on the
 * workspace page.
 */
export function ShareButton({
  workspaceId,
  target,
  what,
}: {
  workspaceId: string;
  target: SharedTargetInfo;
  /** What is shared, for the dialog: "this model", "this run", "this comparison". */
  what: string;
}) {
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState("");
  const [error, setError] = useState<string>();
  const [link, setLink] = useState<string>();
  const [state, create] = useMutation(CreateShareLinkMutation);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const text = days.trim();
    if (text !== "" && !(/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 3650)) {
      setError(
        `Expiry must be a whole number of days from 1 to 3650 (or empty: until revoked), not "${text}".`,
      );
      return;
    }
    setError(undefined);
    const result = await create({
      workspaceId,
      target: { kind: target.kind, ids: [...target.ids] },
      expiresInDays: text === "" ? null : Number(text),
    });
    if (result.error) setError(errorText(result.error));
    else if (result.data) setLink(`${window.location.origin}${result.data.createShareLink.path}`);
  }

  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Share
      </button>
    );
  return (
    <div className="panel share-dialog" role="group" aria-label={`Share ${what}`}>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <div>
          <label htmlFor="share-days">Link expires after (days, empty: until revoked)</label>
          <input
            id="share-days"
            inputMode="numeric"
            size={6}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </div>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Creating…" : "Create read-only link"}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Close
        </button>
      </form>
      <p className="hint">
        Anyone with the link sees {what}, read-only, without an account — and nothing else.
      </p>
      <FormError message={error} />
      {link && (
        <OneTimeSecret
          label="Share link"
          value={link}
          note="Shown this once. Revoke it on the workspace page when it should stop working."
        />
      )}
    </div>
  );
}
