import { apiConfig } from "@/lib/config";
import { forwardedAuth } from "@/lib/forwarded-auth";

export const dynamic = "force-dynamic";

/**
 * The browser's upload endpoint: streams the multipart request to the API's POST /uploads unchanged and returns
 * its answer (`{ id, files, bytes }`, or an error with a code).
 */
export async function POST(request: Request): Promise<Response> {
  const origin = new URL(apiConfig().httpUrl).origin;
  try {
    const headers: Record<string, string> = {
      "content-type": request.headers.get("content-type") ?? "",
      ...forwardedAuth(request),
    };
    const length = request.headers.get("content-length");
    if (length) headers["content-length"] = length;
    const upstream = await fetch(`${origin}/uploads`, {
      method: "POST",
      headers,
      body: request.body,
      // Node's fetch streams a request body only in half-duplex mode.
      duplex: "half",
      cache: "no-store",
    } as RequestInit & { duplex: "half" });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return Response.json(
      {
        error: { code: "API_UNREACHABLE", message: `The Carve API at ${origin} did not answer (${reason}).` },
      },
      { status: 502 },
    );
  }
}
