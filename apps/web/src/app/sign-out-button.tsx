"use client";

import { useMutation } from "@urql/next";
import { useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);

/** Ends the session in the API (the cookie stops working everywhere), then shows the sign-in page. */
export function SignOutButton() {
  const [state, signOut] = useMutation(SignOutMutation);
  const [error, setError] = useState<string>();

  async function onClick() {
    setError(undefined);
    const result = await signOut({});
    if (result.error) setError(errorText(result.error));
    else window.location.assign("/sign-in");
  }

  return (
    <>
      <button type="button" className="link" onClick={onClick} disabled={state.fetching}>
        Sign out
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
