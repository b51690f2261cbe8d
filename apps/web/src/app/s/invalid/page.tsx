import type { Metadata } from "next";

export const metadata: Metadata = { title: "Share link not valid" };

export default function InvalidShareLinkPage() {
  return (
    <section className="state state-error" role="alert">
      <h1>This share link does not work</h1>
      <p>It is unknown, was revoked, or has expired. Ask whoever sent it for a new one.</p>
      <p>
        Have an account? <a href="/sign-in">Sign in</a>.
      </p>
    </section>
  );
}
