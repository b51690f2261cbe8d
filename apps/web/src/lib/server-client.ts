import "server-only";

import type { DocumentNode } from "graphql";
import { type AnyVariables, createClient, fetchExchange, type TypedDocumentNode } from "@urql/core";
import { registerUrql } from "@urql/next/rsc";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";

import { type ApiFailure, describeApiError } from "./api-error";
import { apiConfig } from "./config";
import { forwardedAuth, SHARE_HEADER } from "./forwarded-auth";
import { signInHref } from "./sign-in-path";

/** Set by src/proxy.ts: the page being rendered, path and query. */
const PATH_HEADER = "x-carve-path";

/** One urql client per server request (React's request cache), talking to the API directly. */
const { getClient } = registerUrql(() =>
  createClient({
    url: apiConfig().httpUrl,
    exchanges: [fetchExchange],
    requestPolicy: "network-only",
    // Apollo's CSRF prevention refuses GET queries without a preflight header; POST is always accepted.
    preferGetMethod: false,
    fetchOptions: { cache: "no-store" },
  }),
);

export type Loaded<Data> = { ok: true; data: Data } | { ok: false; failure: ApiFailure };

/**
 * Runs a query for a server component. An unknown id (NOT_FOUND) renders the 404 page; no valid session
 * (UNAUTHENTICATED) redirects to `/sign-in?next=<this page>`; an unreachable API or another error comes back as a
 * failure for the page to show.
 */
export function load<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Loaded<Data>> {
  // A page and its generateMetadata ask for the same data: one request to the API per server render.
  return cachedLoad(document as DocumentNode, JSON.stringify(variables)) as Promise<Loaded<Data>>;
}

const cachedLoad = cache(
  // The typed wrapper above restores the document's types.
  async (document: DocumentNode, variablesJson: string): Promise<Loaded<unknown>> =>
    loadUncached(
      document as TypedDocumentNode<unknown, AnyVariables>,
      JSON.parse(variablesJson) as AnyVariables,
    ),
);

async function loadUncached<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Loaded<Data>> {
  // The reader's session (cookie or bearer token) goes with the request, so the API answers as it would them.
  const requestHeaders = await headers();
  const forwarded = forwardedAuth({ headers: requestHeaders });
  const loaded = await query(document, variables, forwarded);
  if (!loaded.ok) {
    if (loaded.failure.kind === "not-found") notFound();
    if (loaded.failure.kind === "unauthenticated") {
      // A share link's reader asking for what it does not share: nothing is there for them, not a sign-in.
      if (forwarded[SHARE_HEADER]) notFound();
      redirect(signInHref(requestHeaders.get(PATH_HEADER)));
    }
  }
  return loaded;
}

/**
 * Runs a query for a page that handles every failure itself (an invite's NOT_FOUND is "no longer valid", not a
 * 404; a page without an account must not redirect to sign in).
 */
export async function loadOrFailure<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Loaded<Data>> {
  return query(document, variables, forwardedAuth({ headers: await headers() }));
}

async function query<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  forwarded: Record<string, string>,
): Promise<Loaded<Data>> {
  const result = await getClient()
    .query(document, variables, { fetchOptions: { headers: forwarded, cache: "no-store" } })
    .toPromise();
  if (result.error) return { ok: false, failure: describeApiError(result.error) };
  if (!result.data) return { ok: false, failure: { kind: "graphql", message: "the API returned no data" } };
  return { ok: true, data: result.data };
}

/**
 * Runs a query whose failure must not take the page down (the header's signed-in user): the data, or null when
 * the API is unreachable or refuses. Never redirects.
 */
export async function loadQuietly<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data | null> {
  const forwarded = forwardedAuth({ headers: await headers() });
  try {
    const result = await getClient()
      .query(document, variables, { fetchOptions: { headers: forwarded, cache: "no-store" } })
      .toPromise();
    return result.error ? null : (result.data ?? null);
  } catch {
    return null;
  }
}
