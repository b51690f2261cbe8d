"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { OneTimeSecret } from "@/components/one-time-secret";
import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { dateTime } from "@/lib/format";
import { type Role, roleDescription, roleLabel, ROLES } from "@/lib/roles";
import { ActionsTable } from "@/components/actions-table";
import { FormError } from "@/components/form-error";

import { RevokeButton, useRevoke } from "../../revoke-button";

const CreateInviteMutation = graphql(`
  mutation CreateInvite($workspaceId: ID!, $role: Role!, $expiresInDays: Int) {
    createInvite(workspaceId: $workspaceId, role: $role, expiresInDays: $expiresInDays) {
      token
      invite {
        id
      }
    }
  }
`);

const RevokeInviteMutation = graphql(`
  mutation RevokeInvite($id: ID!) {
    revokeInvite(id: $id) {
      id
      revokedAt
    }
  }
`);

export interface InviteRow {
  id: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
  usedAt?: string | null;
  revokedAt?: string | null;
}

/** Where an invite stands: used, revoked, expired, or open. */
export function inviteState(invite: InviteRow, now = Date.now()): "used" | "revoked" | "expired" | "open" {
  if (invite.usedAt) return "used";
  if (invite.revokedAt) return "revoked";
  if (Date.parse(invite.expiresAt) <= now) return "expired";
  return "open";
}

/** Owners invite by link (no e-mail is sent): create one with a role, copy it once, revoke unused ones. */
export function InvitesPanel({
  workspaceId,
  invites,
}: {
  workspaceId: string;
  invites: readonly InviteRow[];
}) {
  const router = useRouter();
  const [role, setRole] = useState<Role>("EDITOR");
  const [days, setDays] = useState("7");
  const [error, setError] = useState<string>();
  const [link, setLink] = useState<string>();
  const [createState, createInvite] = useMutation(CreateInviteMutation);
  const revoker = useRevoke(RevokeInviteMutation, setError);

  async function onCreate(event: FormEvent) {
    event.preventDefault();
    const expiresInDays = Number(days);
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > 90) {
      setError(`The link's lifetime must be a whole number of days from 1 to 90, not "${days}".`);
      return;
    }
    setError(undefined);
    setLink(undefined);
    const result = await createInvite({ workspaceId, role, expiresInDays });
    if (result.error) setError(errorText(result.error));
    else if (result.data) {
      setLink(`${window.location.origin}/invite?token=${encodeURIComponent(result.data.createInvite.token)}`);
      router.refresh();
    }
  }

  return (
    <section className="panel" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <form onSubmit={onCreate} noValidate className="inline-form">
        <div>
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="invite-days">Valid for (days)</label>
          <input
            id="invite-days"
            inputMode="numeric"
            size={4}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </div>
        <button type="submit" disabled={createState.fetching}>
          {createState.fetching ? "Creating…" : "Create invite link"}
        </button>
      </form>
      <p className="hint">
        {role === "VIEWER" ? "A" : "An"} {roleLabel(role)} may {roleDescription(role)}. The link works once;
        pass it on yourself — Carve sends no e-mail.
      </p>
      <FormError message={error} />
      {link && (
        <OneTimeSecret
          label="Invite link"
          value={link}
          note="Shown this once: send it to the person you invite. It works once, until it expires or you revoke it."
        />
      )}
      {invites.length > 0 && (
        <ActionsTable label="Invites" columns={["Created", "Role", "Expires", "State"]}>
          {invites.map((invite) => {
            const state = inviteState(invite);
            return (
              <tr key={invite.id}>
                <td>{dateTime(invite.createdAt)}</td>
                <td>{roleLabel(invite.role)}</td>
                <td>{dateTime(invite.expiresAt)}</td>
                <td>{state}</td>
                <td>{state === "open" && <RevokeButton revoker={revoker} itemId={invite.id} />}</td>
              </tr>
            );
          })}
        </ActionsTable>
      )}
    </section>
  );
}
