import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { AnalysisConnection, AnalysisStatus } from "../analysis/analysis.type.js";
import { PageArgs } from "../common/connection.js";
import { Layer } from "../layer/layer.type.js";
import { OrderDirection } from "../filter/filter.type.js";
import { ModelOrder, ModelOrderField, ModelWhere, RegisterModelInput } from "./model.input.js";
import { toLayer } from "./model.service.js";
import { DeleteModelPayload, Model, ModelConnection } from "./model.type.js";

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => ModelConnection, {
    description: "Registered models, oldest first unless orderBy says otherwise, narrowed by where.",
  })
  models(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("orderBy", () => ModelOrder, { nullable: true, description: "Default: oldest first." })
    orderBy: ModelOrder | null,
    @Arg("where", () => ModelWhere, { nullable: true, description: "Default: every model." })
    where: ModelWhere | null,
    @Ctx() ctx: Context,
  ): Promise<ModelConnection> {
    return ctx.services.models.list(page, {
      orderBy: orderBy?.field ?? ModelOrderField.CREATED_AT,
      direction: orderBy?.direction ?? OrderDirection.ASC,
      nameContains: where?.nameContains ?? null,
      derived: where?.derived ?? null,
    });
  }

  @Query(() => Model, { description: "One model; NOT_FOUND for an unknown id." })
  model(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Model> {
    return ctx.services.models.get(id);
  }

  @Mutation(() => Model, {
    description:
      "Registers a demo model shipped with Carve (e.g. mnist), or returns it if already registered.",
  })
  registerDemoModel(@Arg("name", () => String) name: string, @Ctx() ctx: Context): Promise<Model> {
    return ctx.services.models.registerDemo(name);
  }

  @Mutation(() => Model, {
    description:
      "Registers a TF.js layers model on the server's disk. Nothing is stored if it fails to load.",
  })
  registerModel(
    @Arg("input", () => RegisterModelInput) input: RegisterModelInput,
    @Ctx() ctx: Context,
  ): Promise<Model> {
    return ctx.services.models.register(input);
  }

  @Mutation(() => Model)
  renameModel(
    @Arg("id", () => ID) id: string,
    @Arg("name", () => String) name: string,
    @Ctx() ctx: Context,
  ): Promise<Model> {
    return ctx.services.models.rename(id, name);
  }

  @Mutation(() => DeleteModelPayload, {
    description:
      "Deletes a model with its layers, filters, analyses and pruning runs (unfinished ones are cancelled); " +
      "models compressed from it stay. A compressed model's files go with it.",
  })
  async deleteModel(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<DeleteModelPayload> {
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
  analyses(
    @Root() model: Model,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("status", () => [AnalysisStatus], {
      nullable: true,
      description: "Only analyses with one of these statuses (default: all).",
    })
    status: AnalysisStatus[] | null,
    @Ctx() ctx: Context,
  ): Promise<AnalysisConnection> {
    return ctx.services.analyses.listByModel(model.id, page, status);
  }
}
