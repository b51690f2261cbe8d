import "server-only";

import type { DocumentNode } from "graphql";
import { type AnyVariables, createClient, fetchExchange, type TypedDocumentNode } from "@urql/core";
import { registerUrql } from "@urql/next/rsc";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";

import { type ApiFailure, describeApiError } from "./api-error";
import { apiConfig } from "./config";
import { forwardedAuth } from "./forwarded-auth";

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
 * Runs a query for a server component. An unknown id (NOT_FOUND) renders the 404 page; an unreachable API or
 * another error comes back as a failure for the page to show.
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
  const forwarded = forwardedAuth({ headers: await headers() });
  const result = await getClient()
    .query(document, variables, { fetchOptions: { headers: forwarded, cache: "no-store" } })
    .toPromise();
  if (result.error) {
    const failure = describeApiError(result.error);
    if (failure.kind === "not-found") notFound();
    return { ok: false, failure };
  }
  if (!result.data) return { ok: false, failure: { kind: "graphql", message: "the API returned no data" } };
  return { ok: true, data: result.data };
}
