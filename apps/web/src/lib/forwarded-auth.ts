/** The reader's session (cookie or bearer token), passed on so the API answers as it would answer them. */
export function forwardedAuth(request: {
  headers: { get(name: string): string | null };
}): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of ["cookie", "authorization"]) {
    const value = request.headers.get(name);
    if (value) forwarded[name] = value;
  }
  return forwarded;
}
