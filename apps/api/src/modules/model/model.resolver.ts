import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { AnalysisConnection, AnalysisStatus } from "../analysis/analysis.type.js";
import { PageArgs, connection } from "../common/connection.js";
import { Layer } from "../layer/layer.type.js";
import { OrderDirection } from "../filter/filter.type.js";
import { ModelOrder, ModelOrderField, ModelWhere, RegisterModelInput } from "./model.input.js";
import { toLayer } from "./model.service.js";
import { DeleteModelPayload, Model, ModelConnection } from "./model.type.js";

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => ModelConnection, {
    description:
      "Models the caller may read (of their workspaces, or of workspaceId only; with a share link, what it " +
      "shares), oldest first unless orderBy says otherwise, narrowed by where.",
  })
  async models(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("orderBy", () => ModelOrder, { nullable: true, description: "Default: oldest first." })
    orderBy: ModelOrder | null,
    @Arg("where", () => ModelWhere, { nullable: true, description: "Default: every model." })
    where: ModelWhere | null,
    @Arg("workspaceId", () => ID, { nullable: true, description: "Default: every workspace of the caller." })
    workspaceId: string | null,
    @Ctx() ctx: Context,
  ): Promise<ModelConnection> {
    const scope = await ctx.access.readScope(workspaceId);
    return ctx.services.models.list(page, {
      visible: { workspaceIds: scope.workspaceIds, ids: scope.modelIds },
      orderBy: orderBy?.field ?? ModelOrderField.CREATED_AT,
      direction: orderBy?.direction ?? OrderDirection.ASC,
      nameContains: where?.nameContains ?? null,
      derived: where?.derived ?? null,
    });
  }

  @Query(() => Model, { description: "One model; NOT_FOUND for an unknown id (or another workspace's)." })
  async model(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Model> {
    await ctx.access.model(id);
    return ctx.services.models.get(id);
  }

  @Mutation(() => Model, {
    description:
      "Registers a demo model shipped with Carve (e.g. mnist) in a workspace (editors), or returns it if it is " +
      "registered there already.",
  })
  async registerDemoModel(
    @Arg("name", () => String) name: string,
    @Arg("workspaceId", () => ID, {
      nullable: true,
      description: "Optional when you are an editor of exactly one workspace.",
    })
    workspaceId: string | null,
    @Ctx() ctx: Context,
  ): Promise<Model> {
    return ctx.services.models.registerDemo(name, await ctx.access.target(workspaceId));
  }

  @Mutation(() => Model, {
    description:
      "Registers a TF.js layers model on the server's disk, or uploaded, in a workspace (editors). Nothing is " +
      "stored if it fails to load.",
  })
  async registerModel(
    @Arg("input", () => RegisterModelInput) input: RegisterModelInput,
    @Ctx() ctx: Context,
  ): Promise<Model> {
    const workspaceId = await ctx.access.target(input.workspaceId, "EDITOR", "input.workspaceId");
    if (input.datasetId != null) {
      await ctx.access.dataset(input.datasetId, "VIEWER", {
        argument: "input.datasetId",
        inWorkspace: workspaceId,
      });
    }
    const { userId } = await ctx.access.member();
    return ctx.services.models.register(input, { workspaceId, userId });
  }

  @Mutation(() => Model, { description: "Renames a model (editors)." })
  async renameModel(
    @Arg("id", () => ID) id: string,
    @Arg("name", () => String) name: string,
    @Ctx() ctx: Context,
  ): Promise<Model> {
    await ctx.access.model(id, "EDITOR");
    return ctx.services.models.rename(id, name);
  }

  @Mutation(() => DeleteModelPayload, {
    description:
      "Deletes a model with its layers, filters, analyses and pruning runs (unfinished ones are cancelled); " +
      "models compressed from it stay. A compressed model's files go with it.",
  })
  async deleteModel(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<DeleteModelPayload> {
    await ctx.access.model(id, "EDITOR");
    // The runs service cancels the model's unfinished runs first and removes their files after.
    return { id, deleted: await ctx.services.runs.deleteModel(id, () => ctx.services.models.delete(id)) };
  }

  @FieldResolver(() => [Layer], { description: "Layers in topological order." })
  async layers(
    @Root() model: Model,
    @Arg("prunableOnly", () => Boolean, { defaultValue: false }) prunableOnly: boolean,
    @Ctx() ctx: Context,
  ): Promise<Layer[]> {
    const layers = (await ctx.loaders.layers.load(model.id)).map(toLayer);
    return prunableOnly ? layers.filter((l) => l.prunable) : layers;
  }

  @FieldResolver(() => Layer, { nullable: true, description: "The layer of this name, or null." })
  async layer(
    @Root() model: Model,
    @Arg("name", () => String) name: string,
    @Ctx() ctx: Context,
  ): Promise<Layer | null> {
    const row = (await ctx.loaders.layers.load(model.id)).find((l) => l.name === name);
    return row ? toLayer(row) : null;
  }

  @FieldResolver(() => AnalysisConnection, { description: "CAR analyses of this model, newest first." })
  async analyses(
    @Root() model: Model,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("status", () => [AnalysisStatus], {
      nullable: true,
      description: "Only analyses with one of these statuses (default: all).",
    })
    status: AnalysisStatus[] | null,
    @Ctx() ctx: Context,
  ): Promise<AnalysisConnection> {
    // A share link of one of its runs shows the model, not its analyses.
    if (!(await ctx.access.within(model.workspaceId)).analyses) return connection([], 0, 0);
    return ctx.services.analyses.listByModel(model.id, page, status);
  }
}
