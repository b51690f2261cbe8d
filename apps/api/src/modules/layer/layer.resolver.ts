import { Arg, Args, Ctx, FieldResolver, ID, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { PageArgs } from "../common/connection.js";
import { FilterOrder, FilterWhere } from "../filter/filter.input.js";
import { FilterConnection } from "../filter/filter.type.js";
import { Layer } from "./layer.type.js";

@Resolver(() => Layer)
export class LayerResolver {
  @FieldResolver(() => FilterConnection, {
    description:
      "The layer's filters with their CAR scores (from analysisId, else the newest SUCCEEDED analysis that " +
      "scored this layer). Empty for a layer that is not prunable.",
  })
  filters(
    @Root() layer: Layer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("orderBy", () => FilterOrder, { nullable: true }) orderBy: FilterOrder | null,
    @Arg("analysisId", () => ID, {
      nullable: true,
      description: "Read the scores of this SUCCEEDED analysis of the model instead of the newest one.",
    })
    analysisId: string | null,
    @Arg("where", () => FilterWhere, {
      nullable: true,
      description: "Only the filters whose CAR score passes these conditions.",
    })
    where: FilterWhere | null,
    @Ctx() ctx: Context,
  ): Promise<FilterConnection> {
    return ctx.services.filters.page(layer, { ...page, orderBy, analysisId, where }, ctx.loaders);
  }
}
