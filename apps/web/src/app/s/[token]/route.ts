import { apiConfig } from "@/lib/config";
import { SHARE_COOKIE, SHARE_HEADER } from "@/lib/forwarded-auth";
import { sharedTargetPath, type SharedTargetInfo } from "@/lib/share-target";

export const dynamic = "force-dynamic";

// Plain strings, not typed documents: this route asks the API directly with the link's token, before any cookie.
const SHARED_TARGET = `query SharedTarget { sharedTarget { kind ids } }`;
const RUN_MODEL = `query SharedRunModel($id: ID!) { pruningRun(id: $id) { model { id } } }`;

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function ask<T>(
  httpUrl: string,
  token: string,
  query: string,
  variables = {},
): Promise<GraphQLAnswer<T>> {
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", [SHARE_HEADER]: token },
    body: JSON.stringify({ query, variables }),
    cache: "no-store",
  });
  return (await response.json()) as GraphQLAnswer<T>;
}

function redirect(request: Request, path: string, cookie?: string): Response {
  const url = new URL(path, request.url);
  const headers = new Headers({ location: url.pathname + url.search });
  if (cookie) headers.append("set-cookie", cookie);
  // The token is in this URL: the page it leads to must not pass it on as a Referer.
  headers.set("referrer-policy", "no-referrer");
  headers.set("cache-control", "no-store");
  return new Response(null, { status: 303, headers });
}

/**
 * Opens a share link: asks the API what the token shares, keeps the token in an HttpOnly cookie for this site
 * (the proxies send it as X-Carve-Share, the WebSocket as `share`), and redirects to the shared page. An unknown,
 * revoked or expired link goes to /s/invalid.
 */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ token: string }> },
): Promise<Response> {
  const { token } = await params;
  let httpUrl: string;
  try {
    httpUrl = apiConfig().httpUrl;
  } catch (error) {
    return new Response(error instanceof Error ? error.message : String(error), { status: 500 });
  }
  let target: SharedTargetInfo | null | undefined;
  let path: string | null = null;
  try {
    const answer = await ask<{ sharedTarget: SharedTargetInfo | null }>(httpUrl, token, SHARED_TARGET);
    target = answer.data?.sharedTarget;
    if (target?.kind === "COMPARISON" && target.ids[0]) {
      const run = await ask<{ pruningRun: { model: { id: string } } }>(httpUrl, token, RUN_MODEL, {
        id: target.ids[0],
      });
      path = sharedTargetPath(target, run.data?.pruningRun.model.id);
    } else if (target) path = sharedTargetPath(target);
  } catch {
    return new Response(`The Carve API at ${httpUrl} did not answer; is it running?`, {
      status: 502,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  if (!path) return redirect(request, "/s/invalid");
  // A session cookie (no Max-Age): the shared view ends with the browser, or with "Leave the shared view".
  return redirect(
    request,
    path,
    `${SHARE_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax`,
  );
}
