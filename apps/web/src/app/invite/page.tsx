import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { graphql } from "@/gql";
import { dateTime } from "@/lib/format";
import { roleDescription, roleLabel } from "@/lib/roles";
import { loadOrFailure, loadQuietly } from "@/lib/server-client";

import { AcceptInvite } from "./accept-invite";

export const metadata: Metadata = { title: "Invite", referrer: "no-referrer" };

const InvitePreviewQuery = graphql(`
  query InvitePreview($token: String!) {
    invitePreview(token: $token) {
      workspaceId
      workspaceName
      role
      expiresAt
    }
  }
`);

const InviteMeQuery = graphql(`
  query InviteMe {
    me {
      id
      email
    }
  }
`);

type Props = { searchParams: Promise<{ token?: string | string[] }> };

/** An invite link: what it offers; accept it when signed in, or create an account with it. */
export default async function InvitePage({ searchParams }: Props) {
  const { token } = await searchParams;
  if (typeof token !== "string" || !token)
    return (
      <section className="state state-error" role="alert">
        <h1>This invite link is incomplete</h1>
        <p>
          Copy the whole link you were given; it ends in <code>?token=…</code>.
        </p>
      </section>
    );
  const preview = await loadOrFailure(InvitePreviewQuery, { token });
  if (!preview.ok) {
    if (preview.failure.kind === "not-found")
      return (
        <section className="state state-error" role="alert">
          <h1>This invite is no longer valid</h1>
          <p>It was used, revoked, or it expired. Ask the workspace&apos;s owner for a new link.</p>
        </section>
      );
    return <ApiFailureState failure={preview.failure} what="the invite" />;
  }
  const invite = preview.data.invitePreview;
  const me = (await loadQuietly(InviteMeQuery, {}))?.me ?? null;
  return (
    <section className="narrow">
      <h1>Join {invite.workspaceName}</h1>
      <p className="lead">
        You are invited as <strong>{roleLabel(invite.role)}</strong>: you may {roleDescription(invite.role)}.
        The link works once, until {dateTime(invite.expiresAt)}.
      </p>
      <AcceptInvite token={token} workspaceId={invite.workspaceId} signedInAs={me?.email ?? null} />
    </section>
  );
}
