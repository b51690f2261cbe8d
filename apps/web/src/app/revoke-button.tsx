"use client";

import { type TypedDocumentNode, useMutation } from "@urql/next";
import { useRouter } from "next/navigation";

import { errorText } from "@/lib/api-error";

/** A panel's revoke mutation, from {@link useRevoke}: whether one is in flight, and how to revoke by id. */
export interface Revoker {
  busy: boolean;
  revoke: (id: string) => Promise<void>;
}

/**
 * Runs a revoke mutation that takes the item's `id` (API token, invite, share link) for a whole table.
 *
 * `onError` is the panel's one error paragraph, which its create form shares: a new attempt clears whatever
 * either left there. The page refreshes after a refusal too: the API refuses (NOT_FOUND, FORBIDDEN) mostly
 * when the page is out of date, the item gone or the reader's role changed, and the fresh page shows that.
 */
export function useRevoke(
  mutation: TypedDocumentNode<unknown, { id: string }>,
  onError: (message: string | undefined) => void,
): Revoker {
  const router = useRouter();
  const [state, execute] = useMutation(mutation);

  async function revoke(id: string) {
    onError(undefined);
    const result = await execute({ id });
    if (result.error) onError(errorText(result.error));
    router.refresh();
  }

  return { busy: state.fetching, revoke };
}

/**
 * A table row's Revoke button. One {@link Revoker} serves the whole table, so while any revoke is in flight
 * every row's button is disabled and a second click cannot race the first.
 */
export function RevokeButton({
  revoker,
  itemId,
  label,
  confirmation,
}: {
  revoker: Revoker;
  itemId: string;
  /** An accessible name that says which item ("Revoke notebook"), where the row's text alone is ambiguous. */
  label?: string;
  /** Asked with `window.confirm` first, for revokes that break something at once (a token in use). */
  confirmation?: string;
}) {
  function onClick() {
    if (confirmation && !window.confirm(confirmation)) return;
    void revoker.revoke(itemId);
  }

  return (
    <button type="button" className="secondary" disabled={revoker.busy} onClick={onClick} aria-label={label}>
      Revoke
    </button>
  );
}
