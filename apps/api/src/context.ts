/** The one request context, built the same way for HTTP requests and WebSocket operations. */
import type { Kysely } from "kysely";

import type { DB } from "./db/schema.js";
import { type Loaders, createLoaders } from "./loaders.js";
import { Access } from "./modules/access/access.js";
import { type TeamsContext, type TeamsRequest, createTeamsContext } from "./modules/auth/teams.context.js";
import type { Teams } from "./modules/auth/teams.js";
import type { AnalysisRepository } from "./modules/analysis/analysis.repository.js";
import type { AnalysisService } from "./modules/analysis/analysis.service.js";
import type { DatasetRepository } from "./modules/dataset/dataset.repository.js";
import type { DatasetService } from "./modules/dataset/dataset.service.js";
import type { FilterService } from "./modules/filter/filter.service.js";
import type { TopPatchesService } from "./modules/filter/top-patches.service.js";
import type { ModelRepository } from "./modules/model/model.repository.js";
import type { ModelService } from "./modules/model/model.service.js";
import type { PruningRunService } from "./modules/pruning/run.service.js";
import type { WhatIfService } from "./modules/whatif/whatif.service.js";

export interface Services {
  models: ModelService;
  analyses: AnalysisService;
  filters: FilterService;
  runs: PruningRunService;
  datasets: DatasetService;
  whatIf: WhatIfService;
  topPatches: TopPatchesService;
}

/** Also who is asking (`identity()`), and the teams services (see modules/auth/teams.context.ts). */
export interface Context extends TeamsContext {
  services: Services;
  /** What the caller may read and change (modules/access/access.ts); every resolver asks it first. */
  access: Access;
  /**
   * A new Access for the same credentials with nothing cached (identity, memberships, share grant), for a
   * subscription that asks again while it lives (modules/access/while-allowed.ts).
   */
  freshAccess(): Access;
  /** Fresh per request (or per WebSocket operation), so nothing is cached across requests. */
  loaders: Loaders;
}

export function createContext(
  app: {
    services: Services;
    repositories: { models: ModelRepository; analyses: AnalysisRepository; datasets: DatasetRepository };
    teams: Teams;
    db: Kysely<DB>;
  },
  request: TeamsRequest = { headers: {} },
  options: { setCookie?: (value: string) => void; secureCookies?: boolean } = {},
): Context {
  const teams = createTeamsContext(app.teams, request, options);
  return {
    ...teams,
    access: accessOf(app, teams, request),
    freshAccess: () => createAccess(app, request),
    services: app.services,
    loaders: createLoaders(app.repositories, app.services),
  };
}

/** The request's Access alone, for plain HTTP routes (uploads, downloads) that need no GraphQL context. */
export function createAccess(app: { teams: Teams; db: Kysely<DB> }, request: TeamsRequest): Access {
  return accessOf(app, createTeamsContext(app.teams, request), request);
}

function accessOf(app: { teams: Teams; db: Kysely<DB> }, teams: TeamsContext, request: TeamsRequest): Access {
  return new Access({
    db: app.db,
    shares: app.teams.shares,
    identity: teams.identity,
    shareToken: request.shareToken,
  });
}
