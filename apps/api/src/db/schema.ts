/**
 * The database as Kysely sees it: one interface per table, shared by SQLite and PostgreSQL. The SQL files in
 * `migrations/sqlite/` and `migrations/postgres/` are the source of truth; these declarations give the
 * repositories typed queries, and the migration tests check that every column declared here exists in both
 * migrated databases.
 *
 * Names are camelCase here and snake_case in SQL: the store's `CamelCasePlugin` translates both ways.
 *
 * Column types that differ between the two dialects are read back as the union of what each driver returns,
 * and the repositories turn rows into plain values with {@link fromJson} and {@link fromBool}:
 * - JSON documents are TEXT on SQLite and jsonb on Postgres; they are written as JSON text on both (a JS
 *   array handed to `pg` would become a Postgres array literal, not JSON), and read back as text on SQLite and
 *   as parsed values on Postgres.
 * - Booleans are INTEGER 0/1 on SQLite and BOOLEAN on Postgres; they are written as `true`/`false` on both
 *   (the SQLite connection binds them as 1/0).
 * - Times are ISO-8601 UTC text on both, so they sort and compare the same way everywhere.
 * - Whole numbers are INTEGER or BIGINT; the Postgres connection reads BIGINT (and `COUNT(*)`) as a JS number.
 */
import type { ColumnType, Generated, SqlBool } from "kysely";

/** A JSON document (always an array in this schema): written as JSON text, read by {@link fromJson}. */
export type JsonColumn = ColumnType<unknown, string, string>;
/** A boolean: written as true/false, read as 0/1 (SQLite) or true/false (Postgres), see {@link fromBool}. */
export type BoolColumn = ColumnType<SqlBool, boolean, boolean>;

export interface ModelsTable {
  id: string;
  name: string;
  description: string;
  sourceKind: "demo" | "path";
  source: string;
  dataset: string | null;
  topology: string;
  inputShape: JsonColumn;
  classNames: JsonColumn;
  params: number;
  flops: number;
  sizeBytes: number;
  testAccuracy: number | null;
  createdAt: string;
  updatedAt: string;
  /** The workspace it belongs to (migration 0006); NULL only for rows from before it, until adopted at start. */
  workspaceId: string | null;
}

export interface LayersTable {
  modelId: string;
  position: number;
  name: string;
  className: string;
  outputShape: JsonColumn;
  filters: number | null;
  kernelSize: JsonColumn | null;
  activation: string | null;
  params: number;
  flops: number;
  prunable: BoolColumn;
  groupId: string | null;
}

export interface FiltersTable {
  modelId: string;
  layerName: string;
  groupId: string;
  filterIndex: number;
  l1Norm: number;
  weightPng: Buffer | null;
}

export const ANALYSIS_STATUSES = [
  "QUEUED",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
] as const;
export type AnalysisStatusValue = (typeof ANALYSIS_STATUSES)[number];

export interface AnalysesTable {
  id: string;
  modelId: string;
  status: AnalysisStatusValue;
  layers: JsonColumn;
  groups: JsonColumn;
  split: string;
  classwise: BoolColumn;
  maxImages: number | null;
  seed: number;
  progressDone: Generated<number>;
  progressTotal: Generated<number>;
  phase: string | null;
  etaSeconds: number | null;
  images: number | null;
  baseAccuracy: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  revision: Generated<number>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The registered dataset it reads when not the model's own (migration 0003); NULL once deleted. */
  datasetId: string | null;
  /** That dataset's location when the analysis was asked for (a built-in name or a folder). */
  dataset: string | null;
}

export interface CarScoresTable {
  analysisId: string;
  groupId: string;
  filterIndex: number;
  rank: number;
  dropValue: number | null;
  ci95Low: number | null;
  ci95High: number | null;
  rightToWrong: number | null;
  wrongToRight: number | null;
  lossIncrease: number | null;
  accuracyWithout: number | null;
  classwise: JsonColumn | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Registered datasets (migration 0003). */
export interface DatasetsTable {
  id: string;
  name: string;
  description: string;
  sourceKind: "builtin" | "path" | "upload";
  format: "builtin" | "idx" | "cifar10" | "image-folder";
  location: string;
  classNames: JsonColumn;
  imageShape: JsonColumn;
  trainSize: number;
  validationSize: number | null;
  testSize: number;
  createdAt: string;
  /** The workspace it belongs to (migration 0006); NULL for a built-in dataset, which every member reads. */
  workspaceId: string | null;
}

/** A model's accuracy on a split (or a sample of it) of a dataset (migration 0003). */
export interface ModelEvaluationsTable {
  id: string;
  modelId: string;
  datasetId: string;
  split: string;
  /** 0 = the whole split. */
  maxImages: number;
  seed: number;
  status: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED";
  images: number | null;
  accuracy: number | null;
  loss: number | null;
  perClass: JsonColumn | null;
  errorMessage: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export const PRUNING_RUN_STATUSES = ANALYSIS_STATUSES;
export type PruningRunStatusValue = AnalysisStatusValue;

/** Pruning runs (migrations 0002): one greedy pruning job and its outcome. */
export interface PruningRunsTable {
  id: string;
  modelId: string;
  status: PruningRunStatusValue;
  criterion: string;
  scope: "LAYER" | "SEQUENTIAL" | "GLOBAL";
  layers: JsonColumn;
  groups: JsonColumn;
  targetKeep: number | null;
  targetRemoveFraction: number | null;
  targetMinAccuracy: number | null;
  stepSize: number;
  fineTune: "NONE" | "EACH_STEP" | "END";
  fineTuneEpochs: number;
  fineTuneLearningRate: number | null;
  protectClasses: JsonColumn | null;
  protectMaxDrop: number | null;
  selectionSplit: string;
  maxSelectionImages: number | null;
  maxTestImages: number | null;
  /** Fine-tuning reads a seeded class-stratified sample of this many training images (migration 0004). */
  maxTrainImages: number | null;
  seed: number;
  classNames: JsonColumn;
  plannedSteps: number;
  stepsDone: Generated<number>;
  phase: string | null;
  etaSeconds: number | null;
  originalSummary: JsonColumn | null;
  finalSummary: JsonColumn | null;
  stopReason: string | null;
  resultModelId: string | null;
  reproducibility: JsonColumn | null;
  errorCode: string | null;
  errorMessage: string | null;
  resumes: Generated<number>;
  revision: Generated<number>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One persisted step of a pruning run (migrations 0002). */
export interface PruningStepsTable {
  runId: string;
  step: number;
  details: JsonColumn;
  selectionAccuracy: number;
  testAccuracy: number | null;
  params: number;
  flops: number;
  elapsedSeconds: number;
  checkpoint: string | null;
  createdAt: string;
}

/** Roles in a workspace, from most to least rights (migration 0004). */
export const ROLES = ["OWNER", "EDITOR", "VIEWER"] as const;
export type RoleValue = (typeof ROLES)[number];

/** Accounts (migration 0004). `email` is stored trimmed and lower-cased. */
export interface UsersTable {
  id: string;
  email: string;
  displayName: string;
  /** An encoded scrypt hash (modules/auth/password.ts); NULL until the user sets a password. */
  passwordHash: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Dashboard sessions; the cookie's token is stored only as its HMAC (migration 0004). */
export interface SessionsTable {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Personal API tokens for `Authorization: Bearer` (migration 0004). */
export interface ApiTokensTable {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  /** The token's first characters, for telling tokens apart in a list. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** One-time sign-in links, e.g. the one the first start prints (migration 0004). */
export interface SignInLinksTable {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
}

/** Teams (migration 0004). */
export interface WorkspacesTable {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** Who belongs to which workspace, with which role (migration 0004). */
export interface MembershipsTable {
  workspaceId: string;
  userId: string;
  role: RoleValue;
  createdAt: string;
  updatedAt: string;
}

/** Single-use invite links into a workspace (migration 0004). */
export interface InvitesTable {
  id: string;
  workspaceId: string;
  tokenHash: string;
  role: RoleValue;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedBy: string | null;
  revokedAt: string | null;
}

export const SHARE_TARGET_KINDS = ["MODEL", "RUN", "COMPARISON"] as const;
export type ShareTargetKindValue = (typeof SHARE_TARGET_KINDS)[number];

/** Read-only links to a model, a run or a comparison of runs (migration 0004). */
export interface ShareLinksTable {
  id: string;
  workspaceId: string;
  targetKind: ShareTargetKindValue;
  /** JSON array of ids: [model], [run], or the runs of a comparison. */
  targetIds: JsonColumn;
  tokenHash: string;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Labels of filters and comments on filters and runs (migration 0004). */
export interface AnnotationsTable {
  id: string;
  workspaceId: string;
  kind: "LABEL" | "COMMENT";
  targetKind: "FILTER" | "RUN";
  modelId: string | null;
  layerName: string | null;
  filterIndex: number | null;
  runId: string | null;
  body: string;
  authorId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Written by the migration runner only. */
export interface SchemaMigrationsTable {
  version: number;
  name: string;
  appliedAt: string;
}

/** Every table, keyed by its camelCase name (`carScores` is `car_scores` in SQL). */
export interface DB {
  models: ModelsTable;
  layers: LayersTable;
  filters: FiltersTable;
  analyses: AnalysesTable;
  carScores: CarScoresTable;
  settings: SettingsTable;
  schemaMigrations: SchemaMigrationsTable;
  pruningRuns: PruningRunsTable;
  pruningSteps: PruningStepsTable;
  users: UsersTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  signInLinks: SignInLinksTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  invites: InvitesTable;
  shareLinks: ShareLinksTable;
  annotations: AnnotationsTable;
  datasets: DatasetsTable;
  modelEvaluations: ModelEvaluationsTable;
}

/** Reads a JSON column: text from SQLite, an already parsed value from Postgres's jsonb. */
export function fromJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** Reads a JSON column that may be NULL. */
export function fromNullableJson<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : fromJson<T>(value);
}

/** Reads a boolean column: 0/1 from SQLite, true/false from Postgres. */
export function fromBool(value: SqlBool): boolean {
  return value === true || value === 1;
}
