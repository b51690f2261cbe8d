import "server-only";

import { headers } from "next/headers";

import { graphql } from "@/gql";

import { cookieValue, SHARE_COOKIE } from "./forwarded-auth";
import { canEdit, type Role } from "./roles";
import { loadQuietly } from "./server-client";

const AccessQuery = graphql(`
  query Access {
    workspaces {
      id
      name
      role
    }
  }
`);

/** What the reader may do: a share link's reader nothing; a member what their role in each workspace allows. */
export interface Access {
  /** Reading through a share link (read-only, no account). */
  shared: boolean;
  /** The reader's workspaces with their role, oldest first (empty for a share link's reader). */
  workspaces: Array<{ id: string; name: string; role: Role }>;
}

/** The reader's access, for pages that show or hide editor actions. Never redirects; the API still decides. */
export async function readerAccess(): Promise<Access> {
  const shared = !!cookieValue((await headers()).get("cookie"), SHARE_COOKIE);
  if (shared) return { shared, workspaces: [] };
  const data = await loadQuietly(AccessQuery, {});
  return { shared, workspaces: data?.workspaces ?? [] };
}

/**
 * Whether the reader may change things in a workspace (register, start, cancel, delete): an editor or owner of
 * it. Without a workspace id (the model's is unknown), whether they edit in any workspace.
 */
export function mayEdit(access: Access, workspaceId?: string | null): boolean {
  if (access.shared) return false;
  if (workspaceId) return canEdit(access.workspaces.find((w) => w.id === workspaceId)?.role);
  return access.workspaces.some((w) => canEdit(w.role));
}

/** The workspaces where the reader may register models and datasets. */
export function editableWorkspaces(access: Access): Access["workspaces"] {
  return access.shared ? [] : access.workspaces.filter((w) => canEdit(w.role));
}
