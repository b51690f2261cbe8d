import "./globals.css";

import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

import { apiConfig } from "@/lib/config";

import { Providers } from "./providers";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Carve", template: "%s · Carve" },
  description: "Which filters of a CNN matter (CAR index), structural pruning, and what each filter does.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const { wsUrl } = apiConfig();
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
            <Link href="/models">Models</Link>
          </nav>
        </header>
        <Providers wsUrl={wsUrl}>
          <main id="main">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
