import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { authRouter, signInLinkUrl } from "./auth.routes.js";
import { bootstrap } from "./bootstrap.js";
import { type TeamsFixture, openTeams } from "./test-utils/teams.js";

describe("the one-time sign-in link over HTTP", () => {
  let t: TeamsFixture;
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    t = await openTeams("sqlite", "auth-routes");
    const app = express();
    app.use(authRouter(t, { redirectTo: "http://localhost:3000/", secureCookies: false }));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close?.();
    await t?.close();
  });

  it("signs the first-start owner in once, sets the session cookie and redirects to the dashboard", async () => {
    const first = await bootstrap(t.auth);
    if (first.state !== "created") throw new Error(first.state);
    const url = signInLinkUrl(`${origin}/`, first.signInToken);
    expect(url).toBe(`${origin}/auth/sign-in?token=${first.signInToken}`);

    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("http://localhost:3000/");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^carve_session=carve_ses_[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    const sessionToken = cookie.split(";")[0]!.split("=")[1]!;
    expect(await t.auth.authenticate({ sessionToken })).toMatchObject({ email: "owner@localhost" });

    const again = await fetch(url, { redirect: "manual" });
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toMatch(/unknown, used or expired/);
    expect((await fetch(`${origin}/auth/sign-in`, { redirect: "manual" })).status).toBe(401);
  });
});
