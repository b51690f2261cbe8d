"use client";

import { useMutation } from "@urql/next";
import { useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";

const SignInWithLinkMutation = graphql(`
  mutation SignInWithLink($token: String!) {
    signInWithLink(token: $token) {
      user {
        id
        email
      }
    }
  }
`);

/** One button that spends the one-time token (`signInWithLink`), then opens `next` as the signed-in user. */
export function LinkSignIn({ token, next }: { token: string; next: string }) {
  const [state, signIn] = useMutation(SignInWithLinkMutation);
  const [error, setError] = useState<string>();

  async function onClick() {
    setError(undefined);
    const result = await signIn({ token });
    if (result.error) setError(errorText(result.error));
    else if (result.data) window.location.assign(next);
  }

  return (
    <>
      <p>The link signs you in once. After that, set a password on your account page to sign in again.</p>
      <p className="actions">
        <button type="button" onClick={onClick} disabled={state.fetching || !!state.data}>
          {state.fetching || state.data ? "Signing in…" : "Sign in"}
        </button>
      </p>
      {error && (
        <div className="field-error" role="alert">
          <p>{error}</p>
          <p>
            A one-time link works once. Restarting the API prints a new one while the owner has not signed in
            yet; otherwise <a href="/sign-in">sign in with your e-mail and password</a>.
          </p>
        </div>
      )}
    </>
  );
}
