import type { Metadata } from "next";

import { safeNext } from "@/lib/sign-in-path";

import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ next?: string | string[] }> };

export default async function SignInPage({ searchParams }: Props) {
  const { next } = await searchParams;
  return (
    <section className="narrow">
      <h1>Sign in to Carve</h1>
      <SignInForm next={safeNext(typeof next === "string" ? next : undefined)} />
      <p className="hint">
        First start? The API printed a one-time sign-in link for the default workspace&apos;s owner (
        <code>npm start</code> shows it beside the dashboard&apos;s address). Joining a team? Open the invite
        link you were given.
      </p>
    </section>
  );
}
