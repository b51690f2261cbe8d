/**
 * The API's entry point: `node dist/index.js`. Configuration comes from the environment (see env.ts);
 * SIGINT/SIGTERM stop it gracefully.
 */
import "reflect-metadata";

import { EnvError, parseEnv } from "./env.js";
import { createLogger } from "./logger.js";
import { dashboardSignInUrl, signInLinkUrl } from "./modules/auth/auth.routes.js";
import { createServer } from "./server.js";

let env;
try {
  env = parseEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(`carve-api: ${error.message}`);
  process.exit(2);
}
const logger = createLogger(env);
let server;
try {
  server = await createServer({ env, logger });
} catch (error) {
  // Most often the database: PostgreSQL unreachable, or a schema newer than this build. The message says which.
  logger.fatal({ err: error }, "the API could not start");
  console.error(`carve-api: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const { url, wsUrl } = await server.listen();
if (process.stdout.isTTY) console.log(`\n  Carve API: ${url}\n  Subscriptions: ${wsUrl}\n`);
// As a notebook server prints its token URL: the owner of the default workspace signs in with this, once.
// Logged as a JSON line like everything else on stdout (npm start and the process tests read them), and
// repeated plainly on a terminal.
if (server.signInToken) {
  const signInUrl = server.env.CARVE_DASHBOARD_URL
    ? dashboardSignInUrl(server.env.CARVE_DASHBOARD_URL, server.signInToken)
    : signInLinkUrl(url.replace(/\/graphql$/, ""), server.signInToken);
  logger.info({ url: signInUrl }, "sign in to Carve with this one-time link");
  if (process.stdout.isTTY) console.log(`  Sign in (one-time link): ${signInUrl}\n`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    logger.info({ signal }, "stopping");
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "stopping failed");
        process.exit(1);
      },
    );
  });
}
