/** Where the sign-in pages send a reader back to, kept on this site (no open redirect). */

/** Paths that need no account: signing in, invites and share links. Never a `next` target after sign-in. */
const PUBLIC_PREFIXES = ["/sign-in", "/invite", "/s/"];

/** Whether `path` is a page a reader without a session may open (no sign-in redirect there). */
export function isPublicPath(path: string): boolean {
  return PUBLIC_PREFIXES.some((prefix) =>
    prefix.endsWith("/")
      ? path.startsWith(prefix)
      : path === prefix || (/^[/?]/.test(path.slice(prefix.length)) && path.startsWith(prefix)),
  );
}

/**
 * The path to go to after signing in: `next` when it is a path on this site ("/models/x?tab=1"), else /models.
 * "//evil.example" and "https://…" are refused: they would leave the dashboard with the reader's trust.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/models";
  // Back to a sign-in page would loop; an invite or a share link is a fine place to come back to.
  if (next === "/sign-in" || next.startsWith("/sign-in/") || next.startsWith("/sign-in?")) return "/models";
  return next;
}

/** `/sign-in?next=…` for a reader who must sign in to see `path`. */
export function signInHref(path: string | null | undefined): string {
  const next = safeNext(path);
  return next === "/models" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
}
