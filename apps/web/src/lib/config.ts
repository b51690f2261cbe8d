import "server-only";

/**
 * Where the dashboard finds the API, read at request time so one build serves any deployment:
 * - `CARVE_API_URL`: the GraphQL endpoint as the dashboard's server reaches it (default http://localhost:4000/graphql);
 * - `CARVE_API_WS_URL`: the graphql-ws endpoint as the browser reaches it (default: CARVE_API_URL with ws:).
 */
export interface ApiConfig {
  httpUrl: string;
  wsUrl: string;
}

export const DEFAULT_API_URL = "http://localhost:4000/graphql";

function parseUrl(name: string, value: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name}="${value}" is not a URL; expected e.g. ${DEFAULT_API_URL}`);
  }
  if (!protocols.includes(url.protocol))
    throw new Error(`${name}="${value}" must start with ${protocols.map((p) => `${p}//`).join(" or ")}`);
  return url.toString();
}

/** The API's addresses from the environment; throws naming the variable when one is malformed. */
export function apiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const httpUrl = parseUrl("CARVE_API_URL", env.CARVE_API_URL || DEFAULT_API_URL, ["http:", "https:"]);
  const wsUrl = env.CARVE_API_WS_URL
    ? parseUrl("CARVE_API_WS_URL", env.CARVE_API_WS_URL, ["ws:", "wss:"])
    : httpUrl.replace(/^http/, "ws");
  return { httpUrl, wsUrl };
}
