/**
 * The server's secret, from which the token pepper is derived: `CARVE_SECRET_KEY` when set (required when
 * several API servers share one PostgreSQL database, so that all of them accept the same tokens), else a
 * random key generated on the first start into `<data dir>/secrets.json`, readable by its owner only (0600).
 *
 * The pepper is HKDF-SHA256 of the secret, so the secret itself is used for nothing else and further keys can
 * be derived for other purposes without one revealing another. Losing or changing the secret signs everyone
 * out and invalidates every API token, invite and share link (their stored HMACs no longer match); passwords
 * are not affected.
 *
 * The value never reaches a log: {@link ServerSecrets} prints as `[ServerSecrets from file …]`.
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";

/** Fewer characters than this in CARVE_SECRET_KEY is refused (32 characters of base64 ≈ 192 bits). */
export const MIN_SECRET_KEY_LENGTH = 32;
export const SECRETS_FILE = "secrets.json";

export type SecretSource = "environment" | "file";

export class ServerSecrets {
  readonly #tokenPepper: Buffer;

  constructor(
    secret: Buffer | string,
    /** Where the secret came from (for a log line). */
    readonly source: SecretSource,
    /** The file it was read from or written to, when `source` is "file". */
    readonly file?: string,
  ) {
    const key = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
    this.#tokenPepper = Buffer.from(hkdfSync("sha256", key, "carve", "token pepper v1", 32));
  }

  /** The HMAC key of every stored token hash. */
  get tokenPepper(): Buffer {
    return this.#tokenPepper;
  }

  toJSON(): { source: SecretSource; file?: string } {
    return this.file ? { source: this.source, file: this.file } : { source: this.source };
  }

  [inspect.custom](): string {
    return `[ServerSecrets from ${this.source}${this.file ? ` ${this.file}` : ""}]`;
  }
}

export interface LoadSecretsOptions {
  /** CARVE_SECRET_KEY, if set. */
  secretKey?: string | undefined;
  /** CARVE_DATA_DIR: where secrets.json is kept when no key is given. */
  dataDir: string;
}

/** The secrets from the environment, or from (a newly created) `<dataDir>/secrets.json`. */
export function loadSecrets(options: LoadSecretsOptions): ServerSecrets {
  if (options.secretKey !== undefined) {
    if (options.secretKey.length < MIN_SECRET_KEY_LENGTH) {
      throw new Error(
        `CARVE_SECRET_KEY: expected at least ${MIN_SECRET_KEY_LENGTH} characters, got ` +
          `${options.secretKey.length}; generate one with \`openssl rand -base64 32\``,
      );
    }
    return new ServerSecrets(options.secretKey, "environment");
  }
  const file = path.resolve(options.dataDir, SECRETS_FILE);
  return new ServerSecrets(readOrCreate(file), "file", file);
}

interface SecretsFile {
  version: 1;
  /** 32 random bytes, base64url. */
  secretKey: string;
  createdAt: string;
}

function readOrCreate(file: string): Buffer {
  try {
    return readSecretsFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const content: SecretsFile = {
    version: 1,
    secretKey: randomBytes(32).toString("base64url"),
    createdAt: new Date().toISOString(),
  };
  // Written whole to a private temporary file, then linked into place: a second server starting at the same
  // moment either wins the link or reads the complete file the first one linked, never half of one.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readSecretsFile(file);
}

function readSecretsFile(file: string): Buffer {
  const stat = statSync(file);
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    throw new Error(
      `${file} may be read by other users (mode ${(stat.mode & 0o777).toString(8)}); it holds the key that ` +
        `protects every session and token. Run \`chmod 600 ${file}\` and start again`,
    );
  }
  let parsed: Partial<SecretsFile>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<SecretsFile>;
  } catch {
    throw new Error(`${file} is not valid JSON; restore it from a backup, or delete it to sign everyone out`);
  }
  const key = typeof parsed.secretKey === "string" ? Buffer.from(parsed.secretKey, "base64url") : undefined;
  if (parsed.version !== 1 || !key || key.length < 32) {
    throw new Error(
      `${file} does not hold a version 1 secret key of 32 bytes; restore it from a backup, or delete it to ` +
        "sign everyone out",
    );
  }
  return key;
}
