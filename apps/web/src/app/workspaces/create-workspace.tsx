"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { FormError } from "@/components/form-error";

const CreateWorkspaceMutation = graphql(`
  mutation CreateWorkspace($name: String!) {
    createWorkspace(name: $name) {
      id
    }
  }
`);

/** A new workspace with the reader as its owner. */
export function CreateWorkspace() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const [state, create] = useMutation(CreateWorkspaceMutation);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setError("Name the workspace, e.g. your team's name.");
      return;
    }
    setError(undefined);
    const result = await create({ name: name.trim() });
    if (result.error) setError(errorText(result.error));
    else if (result.data) router.push(`/workspaces/${encodeURIComponent(result.data.createWorkspace.id)}`);
  }

  return (
    <section className="panel" aria-labelledby="new-workspace-title">
      <h2 id="new-workspace-title">New workspace</h2>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <div>
          <label htmlFor="workspace-name">Name</label>
          <input id="workspace-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Creating…" : "Create workspace"}
        </button>
      </form>
      <FormError message={error} />
    </section>
  );
}
