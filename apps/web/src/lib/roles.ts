/** Workspace roles as the API names them (enum Role), and what each may do in the dashboard. */
export type Role = "OWNER" | "EDITOR" | "VIEWER";

export const ROLES: readonly Role[] = ["OWNER", "EDITOR", "VIEWER"];

/** "OWNER" → "owner". */
export function roleLabel(role: Role): string {
  return role.toLowerCase();
}

/** What a role may do, in a sentence, for invite and member pages. */
export function roleDescription(role: Role): string {
  if (role === "OWNER") return "everything an editor may, and manage members, invites and share links";
  if (role === "EDITOR")
    return "register models and datasets, start and cancel analyses and runs, label filters";
  return "read everything in the workspace and comment; change nothing";
}

/** Editors and owners register models and start, cancel and delete analyses and runs; viewers only read. */
export function canEdit(role: Role | null | undefined): boolean {
  return role === "OWNER" || role === "EDITOR";
}
