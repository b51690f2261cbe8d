/** Who is asking: a signed-in user, and how the request proved it. */
export interface Identity {
  userId: string;
  email: string;
  displayName: string;
  /** A dashboard session (cookie) or a personal API token (`Authorization: Bearer`). */
  credential: { kind: "session"; sessionId: string } | { kind: "apiToken"; tokenId: string };
}

/** The credentials a request carries; either may be absent. */
export interface Credentials {
  /** The session cookie's value. */
  sessionToken?: string | undefined;
  /** The token of an `Authorization: Bearer …` header (or a WebSocket's connection parameters). */
  bearerToken?: string | undefined;
}
