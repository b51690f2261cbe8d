"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { dateTime } from "@/lib/format";
import { type Role, roleLabel, ROLES } from "@/lib/roles";
import { ActionsTable } from "@/components/actions-table";
import { FormError } from "@/components/form-error";

const ChangeRoleMutation = graphql(`
  mutation ChangeRole($workspaceId: ID!, $userId: ID!, $role: Role!) {
    changeRole(workspaceId: $workspaceId, userId: $userId, role: $role) {
      userId
      role
    }
  }
`);

const RemoveMemberMutation = graphql(`
  mutation RemoveMember($workspaceId: ID!, $userId: ID!) {
    removeMember(workspaceId: $workspaceId, userId: $userId)
  }
`);

export interface MemberRow {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: string;
}

/**
 * A workspace's members. Owners change roles and remove members; anyone may leave. The API refuses to demote or
 * remove the last owner, and its message is shown as it is.
 */
export function MembersTable({
  workspaceId,
  members,
  canManage,
  meId,
}: {
  workspaceId: string;
  members: readonly MemberRow[];
  canManage: boolean;
  meId: string | null;
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [changeState, changeRole] = useMutation(ChangeRoleMutation);
  const [removeState, removeMember] = useMutation(RemoveMemberMutation);
  const busy = changeState.fetching || removeState.fetching;

  async function onRole(member: MemberRow, role: Role) {
    setError(undefined);
    const result = await changeRole({ workspaceId, userId: member.userId, role });
    if (result.error) setError(`${member.email}: ${errorText(result.error)}`);
    router.refresh();
  }

  async function onRemove(member: MemberRow) {
    const self = member.userId === meId;
    if (!window.confirm(self ? "Leave this workspace?" : `Remove ${member.email} from this workspace?`))
      return;
    setError(undefined);
    const result = await removeMember({ workspaceId, userId: member.userId });
    if (result.error) setError(`${member.email}: ${errorText(result.error)}`);
    else if (self) router.push("/workspaces");
    else router.refresh();
  }

  return (
    <>
      <FormError message={error} />
      <ActionsTable label="Members" columns={["Member", "Role", "Joined"]}>
        {members.map((m) => (
          <tr key={m.userId}>
            <td>
              {m.displayName || m.email}
              {m.userId === meId && <span className="tag">you</span>}
              <div className="muted small">{m.email}</div>
            </td>
            <td>
              {canManage ? (
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  disabled={busy}
                  onChange={(e) => void onRole(m, e.target.value as Role)}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {roleLabel(r)}
                    </option>
                  ))}
                </select>
              ) : (
                roleLabel(m.role)
              )}
            </td>
            <td>{dateTime(m.createdAt)}</td>
            <td>
              {(canManage || m.userId === meId) && (
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() => void onRemove(m)}
                  aria-label={m.userId === meId ? "Leave the workspace" : `Remove ${m.email}`}
                >
                  {m.userId === meId ? "Leave" : "Remove"}
                </button>
              )}
            </td>
          </tr>
        ))}
      </ActionsTable>
    </>
  );
}
