import { type NextRequest, NextResponse } from "next/server";

/** The request header that tells server components which page is being rendered (for `/sign-in?next=`). */
export const PATH_HEADER = "x-carve-path";

/**
 * Server components cannot read their own URL; a page whose API call answers UNAUTHENTICATED needs it to send the
 * reader to `/sign-in?next=<this page>`. The path travels as a request header.
 */
export function proxy(request: NextRequest): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: not the proxies to the API, Next's own files or the icon.
  matcher: ["/((?!api/|artifacts/|_next/|icon.svg|favicon.ico).*)"],
};
