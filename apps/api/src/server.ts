/**
 * `createServer` wires the API together — database, event bus, job queue, services, GraphQL over HTTP
 * (`/graphql`) and WebSocket (graphql-ws on the same path) — and hands back something to `listen()` on and
 * `stop()`. Tests start it on port 0 with a temporary data directory.
 */
// Decorated classes need the Reflect metadata API before they load; importing it here too lets a program
// that only imports createServer work without remembering to load it first.
import "reflect-metadata";

import { type Server, createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";

import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express from "express";
import { type GraphQLFormattedError, parse, specifiedRules, validate } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";

import { type Context, createAccess, createContext } from "./context.js";
import type { TeamsRequest } from "./modules/auth/teams.context.js";
import { type Store, openStore } from "./db/store.js";
import { SettingsRepository } from "./db/settings.repository.js";
import { type Env, parseEnv, storeConfig } from "./env.js";
import { formatError } from "./errors.js";
import { type EventBus, InProcessEventBus } from "./events/event-bus.js";
import { InProcessJobQueue, type JobQueue } from "./jobs/job-queue.js";
import { SessionWorker } from "./jobs/session-client.js";
import { type WorkerRunner, threadWorkerRunner } from "./jobs/worker-runner.js";
import { complexityError, depthLimitRule, limitsPlugin, queryComplexity } from "./limits.js";
import { createLogger } from "./logger.js";
import { AnalysisRepository } from "./modules/analysis/analysis.repository.js";
import { AnalysisService } from "./modules/analysis/analysis.service.js";
import { authRouter } from "./modules/auth/auth.routes.js";
import { bootstrap } from "./modules/auth/bootstrap.js";
import { loadSecrets } from "./modules/auth/secrets.js";
import { type Teams, createTeams } from "./modules/auth/teams.js";
import { DatasetRepository } from "./modules/dataset/dataset.repository.js";
import { DatasetService } from "./modules/dataset/dataset.service.js";
import { modelFactsReader } from "./modules/dataset/model-facts.js";
import { FilterService } from "./modules/filter/filter.service.js";
import { TopPatchesService } from "./modules/filter/top-patches.service.js";
import { ModelRepository } from "./modules/model/model.repository.js";
import { ModelService } from "./modules/model/model.service.js";
import { SHARE_HEADER } from "./modules/access/access.js";
import { adoptUnowned } from "./modules/access/adopt.js";
import { EXPORTS_PATH, exportRouter } from "./modules/export/export.routes.js";
import { ExportService } from "./modules/export/export.service.js";
import { artifactRouter } from "./modules/pruning/artifact.routes.js";
import { PruningRunRepository } from "./modules/pruning/run.repository.js";
import { ARTIFACTS_PATH, PruningRunService } from "./modules/pruning/run.service.js";
import { AllowedPaths, parseAllowedPaths } from "./modules/upload/allowed-paths.js";
import { uploadRouter } from "./modules/upload/upload.routes.js";
import { UploadStore } from "./modules/upload/upload.store.js";
import { WhatIfService } from "./modules/whatif/whatif.service.js";
import { buildApiSchema } from "./schema.js";

export const GRAPHQL_PATH = "/graphql";

export interface ServerDeps {
  /** Configuration; missing keys take their defaults (see env.ts). */
  env?: Partial<Env>;
  logger?: Logger;
  /** Where TF.js work runs; default: a worker thread per task. */
  worker?: WorkerRunner;
  /** Default: the in-process bus. */
  bus?: EventBus;
  /** Default: the in-process queue with CARVE_JOB_CONCURRENCY slots. */
  queue?: JobQueue;
}

export interface CarveServer {
  readonly env: Env;
  readonly store: Store;
  readonly services: Context["services"];
  /**
   * The one-time sign-in link's token while the first start's owner has not signed in yet (print it with
   * signInLinkUrl); undefined once they have.
   */
  readonly signInToken: string | undefined;
  /** Accounts, workspaces, share links and annotations. */
  readonly teams: Teams;
  /** The default workspace (the first start's), or null for a database whose accounts predate it. */
  readonly defaultWorkspaceId: string | null;
  /** Starts accepting connections; resolves with the address (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<{ port: number; url: string; wsUrl: string }>;
  /**
   * Stops gracefully: running analyses are marked INTERRUPTED (their subscribers get that final state),
   * connections are drained, the database is closed.
   */
  stop(): Promise<void>;
}

/** Builds a ready-to-listen API: migrations applied, interrupted jobs recovered, demo models registered. */
export async function createServer(deps: ServerDeps = {}): Promise<CarveServer> {
  const env: Env = { ...parseEnv({}), ...deps.env };
  const logger = deps.logger ?? createLogger(env);
  const store = await openStore(storeConfig(env), {
    onIdleError: (error) => logger.warn({ err: error }, "an idle database connection broke; it is replaced"),
  });
  logger.info({ database: store.describe, dialect: store.dialect }, "database ready");

  const repositories = {
    models: new ModelRepository(store.db),
    analyses: new AnalysisRepository(store.db),
    datasets: new DatasetRepository(store.db),
  };
  const bus = deps.bus ?? new InProcessEventBus();
  const queue =
    deps.queue ??
    new InProcessJobQueue(env.CARVE_JOB_CONCURRENCY, (job, error) =>
      logger.error({ err: error, job }, "a job handler threw"),
    );
  const worker = deps.worker ?? threadWorkerRunner;
  const uploads = new UploadStore(env.CARVE_DATA_DIR);
  // What-if questions go to one long-lived worker that keeps models and datasets loaded between questions
  // (unless a test brings its own worker runner).
  const session = deps.worker
    ? undefined
    : new SessionWorker({ backend: env.CARVE_BACKEND, idleMs: 300_000 });
  const allowedPaths = new AllowedPaths(parseAllowedPaths(env.CARVE_ALLOWED_PATHS, env.CARVE_DATA_DIR));
  const modelFacts = modelFactsReader(repositories.models);
  const settings = new SettingsRepository(store.db);
  const datasets = new DatasetService({
    datasets: repositories.datasets,
    models: modelFacts,
    settings,
    uploads,
    paths: allowedPaths,
    worker,
    backend: env.CARVE_BACKEND,
    logger,
    autoEvaluate: env.CARVE_AUTO_EVALUATE ?? env.NODE_ENV !== "test",
  });
  const analyses = new AnalysisService({
    ...repositories,
    datasets: () => datasets,
    bus,
    queue,
    worker,
    backend: env.CARVE_BACKEND,
    logger,
  });
  const services: Context["services"] = {
    analyses,
    models: new ModelService({
      uploads,
      paths: allowedPaths,
      datasets: () => datasets,
      models: repositories.models,
      settings,
      analyses: () => analyses,
      worker,
      backend: env.CARVE_BACKEND,
      logger,
    }),
    filters: new FilterService(repositories),
    runs: new PruningRunService({
      runs: new PruningRunRepository(store.db),
      models: repositories.models,
      bus,
      queue,
      worker,
      backend: env.CARVE_BACKEND,
      dataDir: env.CARVE_DATA_DIR,
      logger,
      // A compressed model deleted with its run goes the way deleteModel takes it (files and runs included).
      deleteModel: (id) => services.runs.deleteModel(id, () => services.models.delete(id)),
    }),
    datasets,
    whatIf: new WhatIfService({
      models: modelFacts,
      datasets,
      worker: session ? { ...worker, whatIf: (task) => session.whatIf(task) } : worker,
      backend: env.CARVE_BACKEND,
      cacheSize: env.CARVE_CACHE_ENTRIES,
      concurrency: 2,
    }),
    topPatches: new TopPatchesService({
      models: modelFacts,
      datasets,
      worker,
      backend: env.CARVE_BACKEND,
      cacheSize: env.CARVE_CACHE_ENTRIES,
    }),
  };
  let teams;
  try {
    // Sessions, API tokens, invites and share links are stored as HMACs keyed by the server's secret.
    teams = createTeams({
      db: store.db,
      secrets: loadSecrets({ dataDir: env.CARVE_DATA_DIR, secretKey: env.CARVE_SECRET_KEY }),
      sessionDays: env.CARVE_SESSION_DAYS,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const app = { services, repositories, teams, db: store.db };

  try {
    await analyses.recover();
    await services.runs.recover();
  } catch (error) {
    await store.close();
    throw error;
  }
  // The first start creates the default workspace and its owner, who signs in with a one-time link.
  const firstStart = await bootstrap(teams.auth, { ownerEmail: env.CARVE_OWNER_EMAIL });
  if (firstStart.state !== "done")
    logger.info(
      "the default workspace's owner has not signed in yet: a new one-time sign-in link was issued",
    );
  if (firstStart.workspaceId) {
    // Models and datasets from before workspaces existed join the default workspace.
    const adopted = await adoptUnowned(store.db, firstStart.workspaceId);
    if (adopted.models + adopted.datasets > 0) logger.info(adopted, "adopted by the default workspace");
    if (env.CARVE_SEED_DEMOS) await services.models.seedDemos(firstStart.workspaceId);
  }
  // Built-in datasets are read in the background (several seconds of work): the API answers meanwhile.
  if (env.CARVE_SEED_DEMOS) void datasets.seedBuiltins();
  await datasets.recover();
  const swept = await uploads.sweep();
  if (swept > 0) logger.info({ uploads: swept }, "stale uploads deleted");

  const schema = await buildApiSchema(bus);
  const expressApp = express();
  // req.ip (the sign-in rate limit's address) is the client's, not the dashboard proxy's: X-Forwarded-For is
  // believed from the peers CARVE_TRUST_PROXY names (default loopback: the dashboard on the same machine).
  expressApp.set("trust proxy", env.CARVE_TRUST_PROXY);
  const httpServer: Server = createHttpServer(expressApp);
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const format = (formatted: GraphQLFormattedError, error: unknown) => formatError(formatted, error, logger);
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      // A browser's upgrade request carries the session cookie; other clients pass `authorization` in the
      // connection parameters.
      context: (ctx) =>
        createContext(app, {
          headers: {
            cookie: ctx.extra.request.headers.cookie,
            authorization:
              typeof ctx.connectionParams?.authorization === "string"
                ? ctx.connectionParams.authorization
                : undefined,
          },
          shareToken:
            typeof ctx.connectionParams?.share === "string" ? ctx.connectionParams.share : undefined,
          ip: ctx.extra.request.socket.remoteAddress,
        }),
      // The same limits as over HTTP: depth as a validation rule, complexity once the variables are known.
      validate: (wsSchema, document) =>
        validate(wsSchema, document, [...specifiedRules, depthLimitRule(env.CARVE_MAX_QUERY_DEPTH)]),
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query);
        } catch {
          return undefined; // graphql-ws reports the syntax error itself
        }
        const complexity = queryComplexity(
          schema,
          document,
          payload.variables ?? {},
          payload.operationName ?? undefined,
        );
        return complexity > env.CARVE_MAX_QUERY_COMPLEXITY
          ? [complexityError(complexity, env.CARVE_MAX_QUERY_COMPLEXITY)]
          : undefined;
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => format(e.toJSON(), e)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => format(e.toJSON(), e)),
    },
    wsServer,
  );
  const apollo = new ApolloServer<Context>({
    schema,
    formatError: format,
    includeStacktraceInErrorResponses: env.NODE_ENV !== "production",
    // index.ts stops the whole server on SIGINT/SIGTERM; Apollo's own handlers would re-raise the signal once
    // Apollo alone had stopped, killing the process before the jobs and the database are closed.
    stopOnTerminationSignals: false,
    plugins: [
      limitsPlugin(schema, {
        maxDepth: env.CARVE_MAX_QUERY_DEPTH,
        maxComplexity: env.CARVE_MAX_QUERY_COMPLEXITY,
      }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const origins = env.CARVE_CORS_ORIGINS.split(",").map((o) => o.trim());
  // Credentials (the session cookie) only for the named origins, never for "*".
  expressApp.use(cors(origins.includes("*") ? { origin: true } : { origin: origins, credentials: true }));
  expressApp.use(
    authRouter(teams, {
      redirectTo: env.CARVE_DASHBOARD_URL ?? origins.find((o) => o !== "*") ?? "/",
      secureCookies: false,
    }),
  );
  // Plain HTTP routes decide access as GraphQL does, from the same credentials.
  const httpRequest = (req: express.Request): TeamsRequest => ({
    headers: { cookie: req.headers.cookie, authorization: req.headers.authorization },
    shareToken: req.get(SHARE_HEADER) ?? (typeof req.query.share === "string" ? req.query.share : undefined),
    ip: req.ip,
  });
  const accessFor = (req: express.Request) => createAccess(app, httpRequest(req));
  expressApp.use(
    uploadRouter({ store: uploads, maxBytes: env.CARVE_MAX_UPLOAD_MB * 1024 * 1024, logger, accessFor }),
  );
  expressApp.get("/healthz", (_req, res) => {
    res.json({ status: "ok", jobs: queue.stats() });
  });
  // Compressed models of pruning runs, for tf.loadLayersModel(origin + artifact.modelJsonUrl).
  expressApp.use(ARTIFACTS_PATH, artifactRouter(services.runs, accessFor));
  // Runs and comparisons as HTML reports, JSON and CSV, read as the API reads them.
  expressApp.use(EXPORTS_PATH, exportRouter(new ExportService(store.db), accessFor));
  expressApp.use(
    GRAPHQL_PATH,
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(app, httpRequest(req), {
          setCookie: (value) => res.append("Set-Cookie", value),
          secureCookies: req.secure,
        }),
    }),
  );

  queue.process((job, signal) =>
    job.kind === "pruning" ? services.runs.run(job, signal) : analyses.run(job, signal),
  );

  let stopped: Promise<void> | undefined;
  return {
    env,
    store,
    services,
    signInToken: firstStart.state === "done" ? undefined : firstStart.signInToken,
    teams,
    defaultWorkspaceId: firstStart.workspaceId,
    listen(port = env.PORT, host = env.HOST) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          const address = httpServer.address() as AddressInfo;
          const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
          const url = `http://${shown}:${address.port}${GRAPHQL_PATH}`;
          logger.info({ url }, "Carve API listening");
          resolve({ port: address.port, url, wsUrl: url.replace(/^http/, "ws") });
        });
      });
    },
    stop() {
      stopped ??= (async () => {
        await queue.close();
        await datasets.close();
        await session?.close();
        // Running analyses were just marked INTERRUPTED and published; a moment lets open subscriptions send
        // that final state before their sockets close.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await apollo.stop();
        if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await bus.close();
        await store.close();
        logger.info("Carve API stopped");
      })();
      return stopped;
    },
  };
}
