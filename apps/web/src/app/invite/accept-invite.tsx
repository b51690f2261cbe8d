"use client";

import { useMutation } from "@urql/next";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { MIN_PASSWORD_LENGTH } from "@/lib/password-form";

const AcceptInviteMutation = graphql(`
  mutation AcceptInvite($token: String!) {
    acceptInvite(token: $token) {
      id
    }
  }
`);

const SignUpWithInviteMutation = graphql(`
  mutation SignUpWithInvite($token: String!, $email: String!, $password: String!, $displayName: String) {
    signUpWithInvite(token: $token, email: $email, password: $password, displayName: $displayName) {
      user {
        id
      }
    }
  }
`);

/**
 * A signed-in reader accepts the invite with one button; anyone else creates an account with it (and is signed
 * in by the API's cookie), or signs in first and comes back.
 */
export function AcceptInvite({
  token,
  workspaceId,
  signedInAs,
}: {
  token: string;
  workspaceId: string;
  signedInAs: string | null;
}) {
  const [acceptState, accept] = useMutation(AcceptInviteMutation);
  const [signUpState, signUp] = useMutation(SignUpWithInviteMutation);
  const [error, setError] = useState<string>();
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const workspaceHref = `/workspaces/${encodeURIComponent(workspaceId)}`;

  async function onAccept() {
    setError(undefined);
    const result = await accept({ token });
    if (result.error) setError(errorText(result.error));
    else window.location.assign("/models");
  }

  async function onSignUp(event: FormEvent) {
    event.preventDefault();
    if (!email.trim() || !email.includes("@")) {
      setError("Enter your e-mail address; you sign in with it.");
      return;
    }
    if (password.length < MIN_PASSWORD_LENGTH) {
      setError(`The password needs at least ${MIN_PASSWORD_LENGTH} characters (it has ${password.length}).`);
      return;
    }
    setError(undefined);
    const result = await signUp({
      token,
      email: email.trim(),
      password,
      displayName: displayName.trim() || null,
    });
    if (result.error) setError(errorText(result.error));
    else window.location.assign("/models");
  }

  const alert = error && (
    <p className="field-error" role="alert">
      {error}
    </p>
  );

  if (signedInAs)
    return (
      <>
        <p>
          You are signed in as <strong>{signedInAs}</strong>.
        </p>
        <p className="actions">
          <button type="button" onClick={onAccept} disabled={acceptState.fetching}>
            {acceptState.fetching ? "Joining…" : "Accept the invite"}
          </button>
          <a href={workspaceHref}>The workspace</a>
        </p>
        {alert}
      </>
    );

  const next = `/invite?token=${encodeURIComponent(token)}`;
  return (
    <>
      <form onSubmit={onSignUp} noValidate aria-label="Create an account">
        <h2>Create your account</h2>
        <label htmlFor="signup-name">Your name (optional)</label>
        <input
          id="signup-name"
          autoComplete="name"
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <label htmlFor="signup-email">E-mail</label>
        <input
          id="signup-email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="signup-password">Password (at least {MIN_PASSWORD_LENGTH} characters)</label>
        <input
          id="signup-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" disabled={signUpState.fetching}>
          {signUpState.fetching ? "Creating…" : "Create account and join"}
        </button>
      </form>
      {alert}
      <p className="hint">
        Have an account already? <a href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</a> and come
        back to accept.
      </p>
    </>
  );
}
