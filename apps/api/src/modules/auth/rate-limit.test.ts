import { describe, expect, it } from "vitest";

import { isAuthError } from "./auth.errors.js";
import { SignInRateLimiter } from "./rate-limit.js";

function limiter() {
  let now = 1_000_000;
  const limit = new SignInRateLimiter({
    maxFailuresPerEmail: 3,
    maxFailuresPerAddress: 5,
    windowSeconds: 60,
    now: () => now,
  });
  return { limit, advance: (s: number) => (now += s * 1000) };
}

function retryAfter(run: () => void): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!isAuthError(error, "RATE_LIMITED")) throw error;
    return error.extensions.retryAfterSeconds as number;
  }
}

describe("sign-in rate limiter", () => {
  it("refuses an e-mail after its failures within the window, with the seconds until the oldest leaves", () => {
    const { limit, advance } = limiter();
    limit.recordFailure("ann@x.org", "10.0.0.1");
    advance(10);
    limit.recordFailure("ann@x.org", "10.0.0.2");
    advance(10);
    expect(retryAfter(() => limit.check("ann@x.org", "10.0.0.3"))).toBeUndefined();
    limit.recordFailure("ann@x.org", "10.0.0.3");
    // Failures at t = 0, 10, 20 s; at 20 s the first leaves the 60 s window in 40 s.
    expect(retryAfter(() => limit.check("ann@x.org", "10.0.0.4"))).toBe(40);
    expect(() => limit.check("ann@x.org", undefined)).toThrow(
      /too many failed sign-ins for this e-mail; try again in 40 s/,
    );
    // Another e-mail from the same addresses is not affected.
    expect(retryAfter(() => limit.check("bob@x.org", "10.0.0.1"))).toBeUndefined();
    advance(40);
    expect(retryAfter(() => limit.check("ann@x.org", "10.0.0.4"))).toBeUndefined();
  });

  it("slides: the window counts only failures younger than it", () => {
    const { limit, advance } = limiter();
    for (let i = 0; i < 3; i++) {
      limit.recordFailure("ann@x.org", undefined);
      advance(30);
    }
    // Failures at 0, 30 and 60 s; at 90 s the window is (30 s, 90 s]: only the one at 60 s counts.
    expect(retryAfter(() => limit.check("ann@x.org", undefined))).toBeUndefined();
    limit.recordFailure("ann@x.org", undefined);
    expect(retryAfter(() => limit.check("ann@x.org", undefined))).toBeUndefined();
    limit.recordFailure("ann@x.org", undefined);
    // Three within the window (60, 90, 90 s): blocked until the one at 60 s leaves, at 120 s.
    expect(retryAfter(() => limit.check("ann@x.org", undefined))).toBe(30);
  });

  it("refuses an address trying many e-mails", () => {
    const { limit } = limiter();
    for (let i = 0; i < 5; i++) limit.recordFailure(`user${i}@x.org`, "10.0.0.9");
    expect(() => limit.check("new@x.org", "10.0.0.9")).toThrow(/from this address/);
    expect(retryAfter(() => limit.check("new@x.org", "10.0.0.8"))).toBeUndefined();
  });

  it("forgets an e-mail's failures after a successful sign-in, not the address's", () => {
    const { limit } = limiter();
    for (let i = 0; i < 3; i++) limit.recordFailure("ann@x.org", "10.0.0.1");
    limit.recordFailure("bob@x.org", "10.0.0.1");
    limit.recordFailure("cat@x.org", "10.0.0.1");
    limit.recordSuccess("ann@x.org");
    expect(retryAfter(() => limit.check("ann@x.org", "10.0.0.2"))).toBeUndefined();
    expect(retryAfter(() => limit.check("ann@x.org", "10.0.0.1"))).toBeGreaterThan(0);
  });
});
