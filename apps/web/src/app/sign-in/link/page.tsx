import type { Metadata } from "next";

import { safeNext } from "@/lib/sign-in-path";

import { LinkSignIn } from "./link-sign-in";

export const metadata: Metadata = { title: "Sign in with a one-time link", referrer: "no-referrer" };

type Props = { searchParams: Promise<{ token?: string | string[]; next?: string | string[] }> };

/**
 * The first start's one-time sign-in link lands here. Opening the page uses nothing up: a chat app's link
 * preview or a mail scanner only fetches it; the token is spent by the button's POST.
 */
export default async function LinkSignInPage({ searchParams }: Props) {
  const { token, next } = await searchParams;
  return (
    <section className="narrow">
      <h1>Sign in with a one-time link</h1>
      {typeof token === "string" && token ? (
        <LinkSignIn token={token} next={safeNext(typeof next === "string" ? next : undefined)} />
      ) : (
        <p className="field-error" role="alert">
          This link has no token. Copy the whole link the API printed (it ends in{" "}
          <code>?token=carve_sil_…</code>
          ), or <a href="/sign-in">sign in with your e-mail and password</a>.
        </p>
      )}
    </section>
  );
}
