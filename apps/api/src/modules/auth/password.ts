/**
 * Password hashing with scrypt (node:crypto), in a self-describing string:
 *
 *     scrypt$v1$N=32768,r=8,p=1$<salt, base64url>$<64-byte hash, base64url>
 *
 * The parameters travel with the hash, so raising them later ({@link needsRehash}) leaves old hashes
 * verifiable. N = 2^15, r = 8 is the cost OWASP's password storage cheat sheet gives for scrypt (about 32 MiB
 * and a few tens of milliseconds per hash); the salt is 16 random bytes, so equal passwords hash differently.
 * Comparison is constant-time (timingSafeEqual).
 */
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto";

import { ApiError } from "../../errors.js";

export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 15, r: 8, p: 1 };

const VERSION = "v1";
const SALT_BYTES = 16;
const HASH_BYTES = 64;
/** NIST SP 800-63B: at least 8 characters; an upper bound keeps one request from costing seconds of CPU. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; Node's default limit (32 MiB) is exactly that for N = 2^15, r = 8, and too
    // little once anything else is counted.
    maxmem: 256 * params.N * params.r,
  };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, HASH_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Refuses a password too short or too long to accept, naming the rule. */
export function checkPasswordPolicy(password: string, argument = "password"): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `${argument}: expected at least ${MIN_PASSWORD_LENGTH} characters, got ${password.length}; ` +
        "choose a longer password (a few words make a good one)",
      { argument },
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `${argument}: expected at most ${MAX_PASSWORD_LENGTH} characters, got ${password.length}`,
      { argument },
    );
  }
}

/** The encoded hash of a password, with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParameters = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params);
  return [
    "scrypt",
    VERSION,
    `N=${params.N},r=${params.r},p=${params.p}`,
    salt.toString("base64url"),
    hash.toString("base64url"),
  ].join("$");
}

interface DecodedHash {
  params: ScryptParameters;
  salt: Buffer;
  hash: Buffer;
}

const ENCODED = /^scrypt\$v1\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function decode(encoded: string): DecodedHash {
  const match = ENCODED.exec(encoded);
  if (!match) {
    // Never the hash itself in the message: it is a secret too.
    throw new Error("a stored password hash is not in the scrypt$v1$… format; it cannot be verified");
  }
  return {
    params: { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) },
    salt: Buffer.from(match[4]!, "base64url"),
    hash: Buffer.from(match[5]!, "base64url"),
  };
}

/** Whether `password` is the one `encoded` was made from; constant-time in the comparison. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const { params, salt, hash } = decode(encoded);
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const candidate = await derive(password, salt, params);
  return candidate.length === hash.length && timingSafeEqual(candidate, hash);
}

/** Whether a hash was made with weaker parameters than `params` (rehash it at the next sign-in). */
export function needsRehash(encoded: string, params: ScryptParameters = DEFAULT_SCRYPT): boolean {
  const current = decode(encoded).params;
  return current.N < params.N || current.r < params.r || current.p < params.p;
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of one verification on nothing: signing in as an unknown e-mail (or one without a
 * password) then takes as long as a wrong password, so response times do not tell which e-mails exist.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword("carve-timing-equaliser");
  await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), await dummy);
  return false;
}
