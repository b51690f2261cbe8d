import { apiConfig } from "@/lib/config";
import { forwardedAuth } from "@/lib/forwarded-auth";

export const dynamic = "force-dynamic";

/**
 * Compressed models of pruning runs, served by the API at /artifacts/…: forwarded so a download link works on
 * the dashboard's own origin, whatever the API's address.
 */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ path: string[] }> },
): Promise<Response> {
  const { path } = await params;
  const origin = new URL(apiConfig().httpUrl).origin;
  const url = `${origin}/artifacts/${path.map(encodeURIComponent).join("/")}`;
  try {
    const upstream = await fetch(url, { cache: "no-store", headers: forwardedAuth(request) });
    const headers = new Headers();
    for (const name of ["content-type", "content-length", "content-disposition", "etag", "last-modified"]) {
      const value = upstream.headers.get(name);
      if (value) headers.set(name, value);
    }
    return new Response(upstream.body, { status: upstream.status, headers });
  } catch {
    return new Response(`The Carve API at ${origin} did not answer; is it running?`, {
      status: 502,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}
