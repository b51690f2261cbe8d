/**
 * Failed sign-ins, counted per e-mail and per client address over a sliding window: after `maxFailures`
 * failures within `windowSeconds` under either key, sign-in is refused with RATE_LIMITED until the oldest
 * counted failure leaves the window (`retryAfterSeconds`). Per e-mail stops guessing one account's password
 * from many addresses; per address stops one client trying many accounts. A successful sign-in clears the
 * e-mail's failures (not the address's).
 *
 * The counts live in this process's memory: a restart forgets them, and several API servers count
 * separately (each still limits).
 */
import { AuthError } from "./auth.errors.js";

export interface RateLimitOptions {
  /** Failures allowed per e-mail within the window (default 5). */
  maxFailuresPerEmail?: number;
  /** Failures allowed per client address within the window (default 20). */
  maxFailuresPerAddress?: number;
  /** The window, in seconds (default 15 minutes). */
  windowSeconds?: number;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
}

/** Keys tracked at most; beyond it the least recently failed are dropped (a flood cannot grow memory forever). */
const MAX_KEYS = 100_000;

export class SignInRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly perEmail: number;
  private readonly perAddress: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions = {}) {
    this.perEmail = options.maxFailuresPerEmail ?? 5;
    this.perAddress = options.maxFailuresPerAddress ?? 20;
    this.windowMs = (options.windowSeconds ?? 15 * 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Throws RATE_LIMITED when either key has used up its failures; call before checking the password. */
  check(email: string, address: string | undefined): void {
    const now = this.now();
    const waits = [
      this.wait(`email:${email}`, this.perEmail, now),
      address === undefined ? 0 : this.wait(`address:${address}`, this.perAddress, now),
    ];
    const wait = Math.max(...waits);
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      throw new AuthError(
        "RATE_LIMITED",
        `too many failed sign-ins ${waits[0]! > 0 ? "for this e-mail" : "from this address"}; try again in ` +
          `${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
  }

  /** Counts a failed sign-in under both keys. */
  recordFailure(email: string, address: string | undefined): void {
    const now = this.now();
    this.push(`email:${email}`, now);
    if (address !== undefined) this.push(`address:${address}`, now);
  }

  /** Forgets the e-mail's failures after a successful sign-in. */
  recordSuccess(email: string): void {
    this.failures.delete(`email:${email}`);
  }

  /** Milliseconds until `key` may try again (0 = now). */
  private wait(key: string, max: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < max) return 0;
    // The attempt that frees a slot is when the (length − max + 1)-th newest failure leaves the window.
    return times[times.length - max]! + this.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const kept = times.filter((t) => t > now - this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  private push(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    // Re-inserting keeps the Map in order of last failure, so the oldest key is first when trimming.
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}
