/**
 * A real database (SQLite or PostgreSQL, see src/test-utils/databases.ts) with the teams services on it, a
 * clock the test moves, and helpers that make signed-in users and the models and runs annotations and share
 * links point at.
 */
import { randomBytes } from "node:crypto";

import { type Dialect, type Store, openStore } from "../../../db/store.js";
import { type TestDatabase, createTestDatabase } from "../../../test-utils/databases.js";
import type { Identity } from "../identity.js";
import { SignInRateLimiter } from "../rate-limit.js";
import { ServerSecrets } from "../secrets.js";
import { type Teams, createTeams } from "../teams.js";

export interface TeamsFixture extends Teams {
  store: Store;
  rateLimiter: SignInRateLimiter;
  /** Moves the clock of the services (and of the rate limiter) forward. */
  advance(ms: number): void;
  /** A new account with a password, signed in: its identity (a session). */
  signUp(email: string, password?: string): Promise<Identity>;
  /** Inserts a model "m-<suffix>" of a workspace with layer conv1 of `filters` filters, and returns its id. */
  insertModel(suffix: string, workspaceId: string, filters?: number): Promise<string>;
  /** Inserts a pruning run of a model and returns its id. */
  insertRun(modelId: string, id: string): Promise<string>;
  close(): Promise<void>;
}

export const PASSWORD = "correct horse battery staple";
export const START = Date.parse("2026-06-01T12:00:00.000Z");

export async function openTeams(dialect: Dialect, label: string): Promise<TeamsFixture> {
  const database: TestDatabase = await createTestDatabase(dialect, label);
  const store = await openStore(database.config);
  let now = START;
  const rateLimiter = new SignInRateLimiter({ now: () => now });
  const teams = createTeams({
    db: store.db,
    secrets: new ServerSecrets(randomBytes(32), "environment"),
    rateLimiter,
    now: () => new Date(now),
  });
  const { auth } = teams;
  const fixture: TeamsFixture = {
    store,
    ...teams,
    rateLimiter,
    advance(ms) {
      now += ms;
    },
    async signUp(email, password = PASSWORD) {
      await auth.createAccount({ email, password });
      const { sessionToken } = await auth.signIn({ email, password });
      return (await auth.authenticate({ sessionToken }))!;
    },
    async insertModel(suffix, workspaceId, filters = 4) {
      const id = `m-${suffix}`;
      const at = new Date(now).toISOString();
      await store.db
        .insertInto("models")
        .values({
          id,
          name: id,
          description: "",
          sourceKind: "path",
          source: `/models/${id}`,
          dataset: null,
          topology: "Sequential",
          inputShape: "[null,8,8,1]",
          classNames: '["a","b"]',
          params: 1,
          flops: 1,
          sizeBytes: 1,
          testAccuracy: null,
          createdAt: at,
          updatedAt: at,
          workspaceId,
        })
        .execute();
      await store.db
        .insertInto("filters")
        .values(
          Array.from({ length: filters }, (_, filterIndex) => ({
            modelId: id,
            layerName: "conv1",
            groupId: "conv1",
            filterIndex,
            l1Norm: 1,
            weightPng: null,
          })),
        )
        .execute();
      return id;
    },
    async insertRun(modelId, id) {
      await store.db
        .insertInto("pruningRuns")
        .values({
          id,
          modelId,
          status: "SUCCEEDED",
          criterion: "car",
          scope: "LAYER",
          layers: '["conv1"]',
          groups: '["conv1"]',
          targetKeep: 2,
          targetRemoveFraction: null,
          targetMinAccuracy: null,
          stepSize: 1,
          fineTune: "NONE",
          fineTuneEpochs: 0,
          fineTuneLearningRate: null,
          protectClasses: null,
          protectMaxDrop: null,
          selectionSplit: "validation",
          maxSelectionImages: null,
          maxTestImages: null,
          seed: 0,
          classNames: '["a","b"]',
          plannedSteps: 2,
          phase: null,
          etaSeconds: null,
          originalSummary: null,
          finalSummary: null,
          stopReason: null,
          resultModelId: null,
          reproducibility: null,
          errorCode: null,
          errorMessage: null,
          createdAt: new Date(now).toISOString(),
          startedAt: null,
          finishedAt: null,
        })
        .execute();
      return id;
    },
    async close() {
      await store.close();
      await database.drop();
    },
  };
  return fixture;
}
