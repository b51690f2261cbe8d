"use client";

import { useMutation } from "@urql/next";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { FormError } from "@/components/form-error";

const SignInMutation = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      user {
        id
      }
    }
  }
`);

/**
 * E-mail and password → `signIn` through the dashboard's proxy, which relays the API's session cookie; then a
 * full page load of `next`, so every server component renders as the signed-in user.
 */
export function SignInForm({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [state, signIn] = useMutation(SignInMutation);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!email.trim() || !password) {
      setError("Enter your e-mail address and your password.");
      return;
    }
    setError(undefined);
    const result = await signIn({ email: email.trim(), password });
    if (result.error) setError(errorText(result.error));
    else if (result.data) window.location.assign(next);
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Sign in">
      <label htmlFor="sign-in-email">E-mail</label>
      <input
        id="sign-in-email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        aria-invalid={error ? true : undefined}
      />
      <label htmlFor="sign-in-password">Password</label>
      <input
        id="sign-in-password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        aria-invalid={error ? true : undefined}
      />
      <button type="submit" disabled={state.fetching}>
        {state.fetching ? "Signing in…" : "Sign in"}
      </button>
      <FormError message={error} />
    </form>
  );
}
