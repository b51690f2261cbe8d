"use client";

import {
  cacheExchange,
  createClient,
  type Exchange,
  fetchExchange,
  mapExchange,
  ssrExchange,
  subscriptionExchange,
  UrqlProvider,
} from "@urql/next";
import { createClient as createWsClient } from "graphql-ws";
import { type ReactNode, useMemo } from "react";

import { isUnauthenticated } from "@/lib/api-error";
import { isPublicPath, signInHref } from "@/lib/sign-in-path";

/** The HTTP endpoint the browser talks to: the dashboard's own proxy to the API (same origin, no CORS). */
export const BROWSER_GRAPHQL_PATH = "/api/graphql";

/**
 * The browser's urql client: queries and mutations over HTTP through the dashboard's proxy, subscriptions over
 * graphql-ws straight to the API (WebSockets are not subject to CORS). The WebSocket client exists only in the
 * browser; during server rendering client components run no queries. The browser's WebSocket upgrade carries
 * the session cookie; a share link's token goes as the connection parameter `share`. A request the API answers
 * UNAUTHENTICATED (the session ended) sends the reader to the sign-in page and back.
 */
export function Providers({
  wsUrl,
  share,
  children,
}: {
  wsUrl: string;
  share?: string;
  children: ReactNode;
}) {
  const [client, ssr] = useMemo(() => {
    const ssr = ssrExchange({ isClient: typeof window !== "undefined" });
    const exchanges: Exchange[] = [
      mapExchange({
        onError(error) {
          // A share link's reader has no session to renew: the page shows the API's refusal instead.
          if (typeof window === "undefined" || share || !isUnauthenticated(error)) return;
          const here = window.location.pathname + window.location.search;
          if (!isPublicPath(window.location.pathname)) window.location.assign(signInHref(here));
        },
      }),
      cacheExchange,
      ssr,
      fetchExchange,
    ];
    if (typeof window !== "undefined") {
      const ws = createWsClient({
        url: wsUrl,
        lazy: true,
        retryAttempts: 5,
        connectionParams: share ? { share } : undefined,
      });
      exchanges.push(
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query ?? "" };
            return {
              subscribe(sink) {
                const unsubscribe = ws.subscribe(input, {
                  next: (value) => sink.next(value as Parameters<typeof sink.next>[0]),
                  complete: () => sink.complete(),
                  error: (error) => sink.error(subscriptionError(error, wsUrl)),
                });
                return { unsubscribe };
              },
            };
          },
        }),
      );
    }
    const client = createClient({
      url: BROWSER_GRAPHQL_PATH,
      exchanges,
      suspense: false,
      // The proxy forwards POSTs; Apollo's CSRF prevention would refuse plain GET queries anyway.
      preferGetMethod: false,
    });
    return [client, ssr] as const;
  }, [wsUrl, share]);
  return (
    <UrqlProvider client={client} ssr={ssr}>
      {children}
    </UrqlProvider>
  );
}

/**
 * graphql-ws reports a failed connection as a CloseEvent or an Event, which carry no message; this names what
 * happened and where, so the page can say it.
 */
export function subscriptionError(error: unknown, wsUrl: string): Error {
  if (error instanceof Error) return error;
  if (Array.isArray(error)) {
    const first = (error as Array<{ message?: string }>)[0];
    return new Error(first?.message ?? "the subscription failed");
  }
  const close = error as { code?: number; reason?: string; type?: string } | null;
  if (close && typeof close.code === "number")
    return new Error(
      `the WebSocket to ${wsUrl} closed (${close.code}${close.reason ? `: ${close.reason}` : ""})`,
    );
  return new Error(`could not open a WebSocket to ${wsUrl}`);
}
