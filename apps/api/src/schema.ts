import "reflect-metadata";

import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";

import { type EventBus, InProcessEventBus, typeGraphqlPubSub } from "./events/event-bus.js";
import { AnalysisResolver } from "./modules/analysis/analysis.resolver.js";
import {
  AnnotationResolver,
  FilterAnnotationResolver,
  LayerAnnotationResolver,
  RunAnnotationResolver,
} from "./modules/annotation/annotation.resolver.js";
import { AuthResolver } from "./modules/auth/auth.resolver.js";
import {
  AnalysisDatasetResolver,
  DatasetResolver,
  ModelDatasetResolver,
  ModelEvaluationResolver,
} from "./modules/dataset/dataset.resolver.js";
import { ComparisonExportResolver, RunExportResolver } from "./modules/export/export.resolver.js";
import { FilterResolver } from "./modules/filter/filter.resolver.js";
import { FilterPatchesResolver } from "./modules/filter/top-patches.resolver.js";
import { LayerResolver } from "./modules/layer/layer.resolver.js";
import { ModelResolver } from "./modules/model/model.resolver.js";
import {
  ModelArtifactResolver,
  ModelPruningResolver,
  PruningRunResolver,
} from "./modules/pruning/run.resolver.js";
import { ShareLinkResolver } from "./modules/share/share.resolver.js";
import { WhatIfResolver } from "./modules/whatif/whatif.resolver.js";
import { WorkspaceResolver } from "./modules/workspace/workspace.resolver.js";

export const RESOLVERS = [
  ModelResolver,
  LayerResolver,
  FilterResolver,
  AnalysisResolver,
  DatasetResolver,
  ModelEvaluationResolver,
  ModelDatasetResolver,
  AnalysisDatasetResolver,
  WhatIfResolver,
  FilterPatchesResolver,
  PruningRunResolver,
  ModelPruningResolver,
  ModelArtifactResolver,
  AuthResolver,
  WorkspaceResolver,
  ShareLinkResolver,
  AnnotationResolver,
  FilterAnnotationResolver,
  LayerAnnotationResolver,
  RunAnnotationResolver,
  RunExportResolver,
  ComparisonExportResolver,
] as const;

/** The executable schema. Subscriptions read events from `bus`. */
export function buildApiSchema(bus: EventBus = new InProcessEventBus()): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    pubSub: typeGraphqlPubSub(bus),
    // Inputs are checked by the services (with messages that name the model and its layers), not class-validator.
    validate: false,
  });
}

/** The schema in SDL: types sorted by name, so the text changes only when the schema does. */
export async function printApiSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildApiSchema()));
}
