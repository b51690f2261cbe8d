import "./globals.css";

import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";

import { graphql } from "@/gql";
import { apiConfig } from "@/lib/config";
import { cookieValue, SHARE_COOKIE } from "@/lib/forwarded-auth";
import { loadQuietly } from "@/lib/server-client";

import { Providers } from "./providers";
import { SignOutButton } from "./sign-out-button";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Carve", template: "%s · Carve" },
  description: "Which filters of a CNN matter (CAR index), structural pruning, and what each filter does.",
};

const HeaderQuery = graphql(`
  query Header {
    me {
      id
      email
      displayName
    }
  }
`);

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { wsUrl } = apiConfig();
  // A share link's token rides in an HttpOnly cookie; the browser's WebSocket needs it as a connection
  // parameter, so the page gets it (the reader opened the link that holds it anyway).
  const share = cookieValue((await headers()).get("cookie"), SHARE_COOKIE);
  const me = share ? null : (await loadQuietly(HeaderQuery, {}))?.me;
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/models" className="brand">
            Carve
          </Link>
          <nav aria-label="Main">
            {!share && <Link href="/models">Models</Link>}
            {me && <Link href="/workspaces">Workspaces</Link>}
          </nav>
          <div className="session">
            {share ? (
              <>
                <span className="tag shared">Shared read-only</span>
                <a href="/s/leave">Leave the shared view</a>
              </>
            ) : me ? (
              <>
                <Link href="/account" title={me.email}>
                  {me.displayName || me.email}
                </Link>
                <SignOutButton />
              </>
            ) : (
              <Link href="/sign-in">Sign in</Link>
            )}
          </div>
        </header>
        {share && (
          <p className="shared-banner" role="status">
            Shared read-only: you see what this link shares, and nothing else. Nothing here can be changed.
          </p>
        )}
        <Providers wsUrl={wsUrl} share={share}>
          <main id="main">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
