/**
 * Drizzle's typed view of the tables that migrations/sqlite/*.sql creates. The SQL files are the source of
 * truth for the schema; these declarations only give the repositories typed queries, and the migration test
 * checks that every column declared here exists in the migrated database.
 */
import { blob, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const models = sqliteTable("models", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull(),
  sourceKind: text("source_kind", { enum: ["demo", "path"] }).notNull(),
  source: text("source").notNull(),
  dataset: text("dataset"),
  topology: text("topology").notNull(),
  inputShape: text("input_shape", { mode: "json" }).$type<Array<number | null>>().notNull(),
  classNames: text("class_names", { mode: "json" }).$type<string[]>().notNull(),
  params: integer("params").notNull(),
  flops: real("flops").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
  testAccuracy: real("test_accuracy"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const layers = sqliteTable("layers", {
  modelId: text("model_id").notNull(),
  position: integer("position").notNull(),
  name: text("name").notNull(),
  className: text("class_name").notNull(),
  outputShape: text("output_shape", { mode: "json" }).$type<Array<number | null>>().notNull(),
  filters: integer("filters"),
  kernelSize: text("kernel_size", { mode: "json" }).$type<number[]>(),
  activation: text("activation"),
  params: integer("params").notNull(),
  flops: real("flops").notNull(),
  prunable: integer("prunable", { mode: "boolean" }).notNull(),
  groupId: text("group_id"),
});

export const filters = sqliteTable("filters", {
  modelId: text("model_id").notNull(),
  layerName: text("layer_name").notNull(),
  groupId: text("group_id").notNull(),
  filterIndex: integer("filter_index").notNull(),
  l1Norm: real("l1_norm").notNull(),
  weightPng: blob("weight_png", { mode: "buffer" }),
});

export const ANALYSIS_STATUSES = [
  "QUEUED",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
] as const;
export type AnalysisStatusValue = (typeof ANALYSIS_STATUSES)[number];

export const analyses = sqliteTable("analyses", {
  id: text("id").primaryKey(),
  modelId: text("model_id").notNull(),
  status: text("status", { enum: ANALYSIS_STATUSES }).notNull(),
  layers: text("layers", { mode: "json" }).$type<string[]>().notNull(),
  groups: text("groups", { mode: "json" }).$type<string[]>().notNull(),
  split: text("split").notNull(),
  classwise: integer("classwise", { mode: "boolean" }).notNull(),
  maxImages: integer("max_images"),
  seed: integer("seed").notNull(),
  progressDone: integer("progress_done").notNull(),
  progressTotal: integer("progress_total").notNull(),
  phase: text("phase"),
  etaSeconds: real("eta_seconds"),
  images: integer("images"),
  baseAccuracy: real("base_accuracy"),
  errorCode: text("error_code"),
  errorMessage: text("error_message"),
  revision: integer("revision").notNull(),
  createdAt: text("created_at").notNull(),
  startedAt: text("started_at"),
  finishedAt: text("finished_at"),
});

export const carScores = sqliteTable("car_scores", {
  analysisId: text("analysis_id").notNull(),
  groupId: text("group_id").notNull(),
  filterIndex: integer("filter_index").notNull(),
  rank: integer("rank").notNull(),
  drop: real("drop_value"),
  ci95Low: real("ci95_low"),
  ci95High: real("ci95_high"),
  rightToWrong: integer("right_to_wrong"),
  wrongToRight: integer("wrong_to_right"),
  lossIncrease: real("loss_increase"),
  accuracyWithout: real("accuracy_without"),
  classwise: text("classwise", { mode: "json" }).$type<Array<number | null>>(),
});

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export type ModelRow = typeof models.$inferSelect;
export type LayerRow = typeof layers.$inferSelect;
export type FilterRow = typeof filters.$inferSelect;
export type AnalysisRow = typeof analyses.$inferSelect;
export type CarScoreRow = typeof carScores.$inferSelect;
