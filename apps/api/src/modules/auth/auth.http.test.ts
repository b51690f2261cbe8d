import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

import { type TestServer, startTestServer } from "../../test-utils/test-server.js";
import { signInLinkUrl } from "./auth.routes.js";

/** The API server itself: the first start's sign-in link, the cookie, Bearer tokens over HTTP and WebSocket. */
describe("signing in to the API server", () => {
  let api: TestServer;
  let origin: string;

  async function post(query: string, headers: Record<string, string> = {}) {
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
    return {
      body: (await response.json()) as {
        data?: Record<string, unknown> | null;
        errors?: Array<{ extensions: { code: string } }>;
      },
      setCookie: response.headers.get("set-cookie"),
    };
  }

  beforeAll(async () => {
    api = await startTestServer({ env: { CARVE_SEED_DEMOS: false } });
    origin = api.url.replace(/\/graphql$/, "");
  });
  afterAll(async () => api?.stop({ removeData: true }));

  it("prints a one-time link on first start that signs the owner in through a cookie, then tokens work", async () => {
    const token = api.server.signInToken;
    expect(token).toMatch(/^carve_sil_/);
    const link = await fetch(signInLinkUrl(origin, token!), { redirect: "manual" });
    expect(link.status).toBe(303);
    expect(link.headers.get("location")).toBe("http://localhost:3000");
    const cookie = link.headers.get("set-cookie")!.split(";")[0]!;

    expect((await post("{ me { email } }", { cookie })).body.data).toEqual({
      me: { email: "owner@localhost" },
    });
    expect((await post("{ me { email } }")).body.data).toEqual({ me: null });
    expect((await post("{ workspaces { name role } }", { cookie })).body.data).toEqual({
      workspaces: [{ name: "Default workspace", role: "OWNER" }],
    });

    const created = await post(`mutation { createApiToken(name: "ws test") { token } }`, { cookie });
    const apiToken = (created.body.data as { createApiToken: { token: string } }).createApiToken.token;
    const authorization = `Bearer ${apiToken}`;
    expect((await post("{ me { email } }", { authorization })).body.data).toEqual({
      me: { email: "owner@localhost" },
    });

    // Over WebSocket the token goes in the connection parameters.
    const client = createClient({
      url: api.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization },
    });
    try {
      const results: unknown[] = [];
      await new Promise<void>((resolve, reject) =>
        client.subscribe(
          { query: "{ me { email } }" },
          { next: (r) => results.push(r), error: reject, complete: resolve },
        ),
      );
      expect(results).toEqual([{ data: { me: { email: "owner@localhost" } } }]);
    } finally {
      await client.dispose();
    }

    const out = await post("mutation { signOut }", { cookie });
    expect(out.setCookie).toMatch(/^carve_session=; /);
    expect((await post("{ me { email } }", { cookie })).body.errors?.[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
    // The link was used up.
    expect((await fetch(signInLinkUrl(origin, token!), { redirect: "manual" })).status).toBe(401);
  });

  it("limits failed sign-ins by the client's address that the dashboard proxy forwards, not the proxy's", async () => {
    const attempt = (n: number, forwardedFor: string) =>
      post(
        `mutation { signIn(email: "nobody${n}@example.com", password: "wrong password") { user { email } } }`,
        {
          "x-forwarded-for": forwardedFor,
        },
      );
    // Twenty failures from one browser (each with another e-mail) lock that address out...
    for (let n = 0; n < 20; n++) await attempt(n, "203.0.113.7");
    expect((await attempt(20, "203.0.113.7")).body.errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
    // ...and not another browser behind the same proxy (the test's loopback peer is a trusted proxy).
    expect((await attempt(21, "203.0.113.8")).body.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });
});
