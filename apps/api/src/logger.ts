import { type Logger, pino } from "pino";

import type { Env } from "./env.js";

/** Structured JSON logs on stdout (one line per event), as log collectors expect. */
export function createLogger(env: Pick<Env, "LOG_LEVEL">): Logger {
  return pino({ name: "carve-api", level: env.LOG_LEVEL });
}
