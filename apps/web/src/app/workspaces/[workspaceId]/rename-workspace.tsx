"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { FormError } from "@/components/form-error";

const RenameWorkspaceMutation = graphql(`
  mutation RenameWorkspace($id: ID!, $name: String!) {
    renameWorkspace(id: $id, name: $name) {
      id
      name
    }
  }
`);

/** Owners rename a workspace; members see the new name at their next page load. */
export function RenameWorkspace({ workspaceId, name }: { workspaceId: string; name: string }) {
  const router = useRouter();
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string>();
  const [state, rename] = useMutation(RenameWorkspaceMutation);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const wanted = draft.trim();
    if (!wanted) {
      setError("A workspace needs a name, e.g. your team's name.");
      return;
    }
    setError(undefined);
    const result = await rename({ id: workspaceId, name: wanted });
    if (result.error) setError(errorText(result.error));
    else router.refresh();
  }

  return (
    <section className="panel" aria-labelledby="rename-workspace-title">
      <h2 id="rename-workspace-title">Name</h2>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <div>
          <label htmlFor="workspace-rename">Workspace name</label>
          <input id="workspace-rename" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </div>
        <button type="submit" disabled={state.fetching || draft.trim() === name}>
          {state.fetching ? "Renaming…" : "Rename"}
        </button>
      </form>
      <FormError message={error} />
    </section>
  );
}
