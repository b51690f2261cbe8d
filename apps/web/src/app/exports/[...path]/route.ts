import { apiConfig } from "@/lib/config";
import { forwardedAuth } from "@/lib/forwarded-auth";

export const dynamic = "force-dynamic";

/**
 * Run and comparison exports (HTML report, JSON, CSV), served by the API at /exports/…: forwarded with the
 * reader's session or share link, so the download links work on the dashboard's own origin.
 */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ path: string[] }> },
): Promise<Response> {
  const { path } = await params;
  const origin = new URL(apiConfig().httpUrl).origin;
  const url = `${origin}/exports/${path.map(encodeURIComponent).join("/")}${new URL(request.url).search}`;
  try {
    const upstream = await fetch(url, { cache: "no-store", headers: forwardedAuth(request) });
    const headers = new Headers({ "cache-control": "no-store" });
    for (const name of ["content-type", "content-length", "content-disposition", "content-security-policy"]) {
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
