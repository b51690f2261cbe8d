import { SHARE_COOKIE } from "@/lib/forwarded-auth";

export const dynamic = "force-dynamic";

/** Leaves a shared view: forgets the share link's cookie and opens the models (or the sign-in page). */
export function GET(request: Request): Response {
  const headers = new Headers({ location: new URL("/models", request.url).pathname });
  headers.append("set-cookie", `${SHARE_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
  return new Response(null, { status: 303, headers });
}
