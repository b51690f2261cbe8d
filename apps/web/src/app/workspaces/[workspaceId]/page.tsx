import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { graphql } from "@/gql";
import { canEdit, roleDescription, roleLabel } from "@/lib/roles";
import { load } from "@/lib/server-client";

import { InvitesPanel } from "./invites-panel";
import { MembersTable } from "./members-table";
import { RenameWorkspace } from "./rename-workspace";
import { ShareLinksPanel } from "./share-links-panel";

const WorkspacePageQuery = graphql(`
  query WorkspacePage($id: ID!) {
    me {
      id
    }
    workspace(id: $id) {
      id
      name
      role
      members {
        userId
        email
        displayName
        role
        createdAt
      }
    }
  }
`);

const WorkspaceInvitesQuery = graphql(`
  query WorkspaceInvites($id: ID!) {
    workspace(id: $id) {
      id
      invites {
        id
        role
        createdAt
        expiresAt
        usedAt
        revokedAt
      }
    }
  }
`);

const WorkspaceShareLinksQuery = graphql(`
  query WorkspaceShareLinks($id: ID!) {
    shareLinks(workspaceId: $id) {
      id
      targetKind
      targetIds
      createdAt
      expiresAt
      lastUsedAt
      revokedAt
      active
    }
  }
`);

type Props = { params: Promise<{ workspaceId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { workspaceId } = await params;
  const result = await load(WorkspacePageQuery, { id: decodeURIComponent(workspaceId) });
  return { title: result.ok ? result.data.workspace.name : "Workspace" };
}

export default async function WorkspacePage({ params }: Props) {
  const { workspaceId } = await params;
  const id = decodeURIComponent(workspaceId);
  const result = await load(WorkspacePageQuery, { id });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this workspace" />;
  const { workspace, me } = result.data;
  const owner = workspace.role === "OWNER";
  // Invites are the owners' business (FORBIDDEN for others), so only owners ask for them.
  const invites = owner ? await load(WorkspaceInvitesQuery, { id }) : null;
  // Share links are the editors' and owners' (FORBIDDEN for viewers).
  const shareLinks = canEdit(workspace.role) ? await load(WorkspaceShareLinksQuery, { id }) : null;
  return (
    <>
      <Breadcrumbs items={[{ label: "Workspaces", href: "/workspaces" }, { label: workspace.name }]} />
      <h1>{workspace.name}</h1>
      <p className="lead">
        You are {workspace.role === "OWNER" ? "an" : "a"} <strong>{roleLabel(workspace.role)}</strong> here:{" "}
        {roleDescription(workspace.role)}.
      </p>
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <MembersTable
          workspaceId={workspace.id}
          members={workspace.members}
          canManage={owner}
          meId={me?.id ?? null}
        />
      </section>
      {invites &&
        (invites.ok ? (
          <InvitesPanel workspaceId={workspace.id} invites={invites.data.workspace.invites} />
        ) : (
          <ApiFailureState failure={invites.failure} what="the invites" />
        ))}
      {shareLinks &&
        (shareLinks.ok ? (
          <ShareLinksPanel links={shareLinks.data.shareLinks} />
        ) : (
          <ApiFailureState failure={shareLinks.failure} what="the share links" />
        ))}
      {owner && <RenameWorkspace workspaceId={workspace.id} name={workspace.name} />}
    </>
  );
}
