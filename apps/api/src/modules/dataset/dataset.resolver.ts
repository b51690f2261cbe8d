import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { Analysis } from "../analysis/analysis.type.js";
import { PageArgs } from "../common/connection.js";
import { Model } from "../model/model.type.js";
import { EvaluateModelInput, RegisterDatasetInput } from "./dataset.input.js";
import { toDataset, toEvaluation } from "./dataset.service.js";
import { Dataset, DatasetConnection, ModelEvaluation } from "./dataset.type.js";

@Resolver(() => Dataset)
export class DatasetResolver {
  @Query(() => DatasetConnection, {
    description:
      "Datasets the caller may use, oldest first: the built-in ones and those of their workspaces (or of " +
      "workspaceId only, besides the built-in ones).",
  })
  async datasets(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("workspaceId", () => ID, { nullable: true }) workspaceId: string | null,
    @Ctx() ctx: Context,
  ): Promise<DatasetConnection> {
    const scope = await ctx.access.readScope(workspaceId);
    return ctx.services.datasets.list(page, scope.workspaceIds);
  }

  @Query(() => Dataset, { description: "One dataset; NOT_FOUND for an unknown id (or another workspace's)." })
  async dataset(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Dataset> {
    await ctx.access.dataset(id);
    return ctx.services.datasets.get(id);
  }

  @Mutation(() => Dataset, {
    description:
      "Registers a dataset: a built-in one (returned if already registered), a folder on the server under " +
      "CARVE_ALLOWED_PATHS (FORBIDDEN_PATH otherwise), or files uploaded to POST /uploads. Its facts are read " +
      "in a worker; nothing is stored (and an upload's files are deleted) if it fails to load. Compatible " +
      "models are then evaluated on its test split. A folder or upload goes into input.workspaceId (editors); " +
      "a built-in dataset belongs to no workspace and every member reads it.",
  })
  async registerDataset(
    @Arg("input", () => RegisterDatasetInput) input: RegisterDatasetInput,
    @Ctx() ctx: Context,
  ): Promise<Dataset> {
    const workspaceId = await ctx.access.target(input.workspaceId, "EDITOR", "input.workspaceId");
    const { userId } = await ctx.access.member();
    return ctx.services.datasets.register(input, input.builtin != null ? null : { workspaceId, userId });
  }

  @Mutation(() => Dataset, {
    description: "Deletes a dataset and the evaluations on it (an uploaded dataset's files too).",
  })
  async deleteDataset(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Dataset> {
    await ctx.access.dataset(id, "EDITOR");
    return ctx.services.datasets.delete(id);
  }

  @Mutation(() => ModelEvaluation, {
    description:
      "Evaluates a model on a dataset split in a worker thread; returns the evaluation at once (PENDING, or " +
      "the stored one if this model, dataset, split and sample were evaluated already). Read it again from " +
      "Model.evaluations.",
  })
  async evaluateModel(
    @Arg("input", () => EvaluateModelInput) input: EvaluateModelInput,
    @Ctx() ctx: Context,
  ): Promise<ModelEvaluation> {
    // The dataset must be the model's workspace's or built in: the service answers NOT_FOUND otherwise.
    await ctx.access.model(input.modelId, "EDITOR", "input.modelId");
    return ctx.services.datasets.evaluate(input);
  }
}

@Resolver(() => ModelEvaluation)
export class ModelEvaluationResolver {
  @FieldResolver(() => Dataset, { description: "The dataset evaluated on." })
  async dataset(@Root() evaluation: ModelEvaluation, @Ctx() ctx: Context): Promise<Dataset> {
    const row = await ctx.loaders.dataset.load(evaluation.datasetId);
    if (!row) throw new Error(`dataset ${evaluation.datasetId} of an evaluation is missing`);
    return toDataset(row);
  }
}

/** Model fields that belong to datasets: its evaluations and its own dataset. */
@Resolver(() => Model)
export class ModelDatasetResolver {
  @FieldResolver(() => [ModelEvaluation], {
    description:
      "Accuracy on its datasets: one evaluation per dataset, split and sample, oldest first (the test " +
      "split of every compatible dataset is evaluated when the model or the dataset is registered).",
  })
  async evaluations(@Root() model: Model, @Ctx() ctx: Context): Promise<ModelEvaluation[]> {
    return (await ctx.loaders.evaluations.load(model.id)).map(toEvaluation);
  }

  @FieldResolver(() => Boolean, {
    description:
      "Whether it was registered from an upload: its files are kept in the server's data folder and " +
      "deleted with it (location is that folder).",
  })
  uploaded(@Root() model: Model, @Ctx() ctx: Context): boolean {
    return ctx.services.datasets.ownsFiles(model.location);
  }

  @FieldResolver(() => Dataset, {
    nullable: true,
    description: "Its own dataset as a registered Dataset (null when it has none or it is not registered).",
  })
  async defaultDataset(@Root() model: Model, @Ctx() ctx: Context): Promise<Dataset | null> {
    if (!model.dataset) return null;
    const row = await ctx.loaders.datasetByLocation.load({
      location: model.dataset,
      workspaceId: model.workspaceId,
    });
    return row ? toDataset(row) : null;
  }
}

/** Which dataset an analysis scored on. */
@Resolver(() => Analysis)
export class AnalysisDatasetResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The dataset it scores on when not the model's own (a built-in name or a folder on the server); null " +
      "for the model's own.",
  })
  dataset(@Root() analysis: Analysis): string | null {
    return analysis.datasetLocation;
  }

  @FieldResolver(() => Dataset, {
    nullable: true,
    description: "That dataset as a registered Dataset (null for the model's own, or once deleted).",
  })
  async registeredDataset(@Root() analysis: Analysis, @Ctx() ctx: Context): Promise<Dataset | null> {
    if (!analysis.datasetId) return null;
    const row = await ctx.loaders.dataset.load(analysis.datasetId);
    return row ? toDataset(row) : null;
  }
}
