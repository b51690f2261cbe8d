"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { validatePasswordForm } from "@/lib/password-form";
import { FormError } from "@/components/form-error";

const SetPasswordMutation = graphql(`
  mutation SetPassword($currentPassword: String, $newPassword: String!) {
    setPassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

/** Sets or changes the reader's password (the current one is needed once one is set); other sessions end. */
export function SetPassword({ hasPassword }: { hasPassword: boolean }) {
  const router = useRouter();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [state, setPassword] = useMutation(SetPasswordMutation);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(undefined);
    const problem = validatePasswordForm({ hasPassword, current, next, repeat });
    if (problem) {
      setError(problem);
      return;
    }
    setError(undefined);
    const result = await setPassword({ currentPassword: hasPassword ? current : null, newPassword: next });
    if (result.error) setError(errorText(result.error));
    else {
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone("Password saved. Your other sessions were signed out.");
      router.refresh();
    }
  }

  return (
    <section className="panel narrow" aria-labelledby="password-title">
      <h2 id="password-title">{hasPassword ? "Change your password" : "Set a password"}</h2>
      {!hasPassword && (
        <p className="hint">You signed in with a one-time link. Set a password to sign in again later.</p>
      )}
      <form onSubmit={onSubmit} noValidate>
        {hasPassword && (
          <>
            <label htmlFor="current-password">Current password</label>
            <input
              id="current-password"
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </>
        )}
        <label htmlFor="new-password">New password</label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <label htmlFor="repeat-password">New password again</label>
        <input
          id="repeat-password"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
        />
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Saving…" : "Save password"}
        </button>
      </form>
      <FormError message={error} />
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
    </section>
  );
}
