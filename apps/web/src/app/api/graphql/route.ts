import { apiConfig } from "@/lib/config";
import { forwardedAuth } from "@/lib/forwarded-auth";

export const dynamic = "force-dynamic";

/**
 * The browser's GraphQL endpoint: forwards the request to the API unchanged. It keeps the browser on one origin
 * (the API sends no CORS headers) and lets the API's address change without rebuilding the dashboard.
 */
export async function POST(request: Request): Promise<Response> {
  let httpUrl: string;
  try {
    httpUrl = apiConfig().httpUrl;
  } catch (error) {
    return unreachable(error instanceof Error ? error.message : String(error));
  }
  try {
    const upstream = await fetch(httpUrl, {
      method: "POST",
      headers: {
        "content-type": request.headers.get("content-type") ?? "application/json",
        accept: request.headers.get("accept") ?? "application/graphql-response+json, application/json",
        ...forwardedAuth(request),
        ...forwardedFor(request),
      },
      body: await request.text(),
      cache: "no-store",
    });
    const headers = new Headers({
      "content-type": upstream.headers.get("content-type") ?? "application/json",
    });
    for (const cookie of upstream.headers.getSetCookie()) headers.append("set-cookie", cookie);
    return new Response(upstream.body, { status: upstream.status, headers });
  } catch (error) {
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "";
    return unreachable(
      `The Carve API at ${httpUrl} did not answer (${reason}). Is it running? Start it with npm start.`,
    );
  }
}

/**
 * The browser's address for the API's per-address sign-in limit (the API believes X-Forwarded-For from loopback,
 * CARVE_TRUST_PROXY). Next fills the header with the peer's address only when the request has none, so behind no
 * other proxy a client can pick its own; the per-e-mail limit holds either way.
 */
function forwardedFor(request: Request): Record<string, string> {
  const value = request.headers.get("x-forwarded-for");
  return value ? { "x-forwarded-for": value } : {};
}

function unreachable(message: string): Response {
  return Response.json({ errors: [{ message, extensions: { code: "API_UNREACHABLE" } }] }, { status: 502 });
}
