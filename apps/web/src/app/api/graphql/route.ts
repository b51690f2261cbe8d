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

function unreachable(message: string): Response {
  return Response.json({ errors: [{ message, extensions: { code: "API_UNREACHABLE" } }] }, { status: 502 });
}
