import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { toCarScore } from "./filter.service.js";
import { CarScore, ClassImportance, ClassImportanceOrder, Filter } from "./filter.type.js";

@Resolver(() => Filter)
export class FilterResolver {
  @FieldResolver(() => CarScore, {
    nullable: true,
    description: "Null until an analysis has scored the layer.",
  })
  carScore(@Root() filter: Filter): CarScore | null {
    return toCarScore(filter.score);
  }

  @FieldResolver(() => [ClassImportance], {
    description:
      "Classes ranked by how much they need this filter (class-wise CAR); empty unless the analysis was " +
      "class-wise.",
  })
  classImportances(
    @Root() filter: Filter,
    @Arg("order", () => ClassImportanceOrder, { defaultValue: ClassImportanceOrder.MOST_IMPORTANT })
    order: ClassImportanceOrder,
    @Arg("first", () => Int, { nullable: true, description: "How many classes (default: all)." })
    first: number | null,
    @Ctx() ctx: Context,
  ): Promise<ClassImportance[]> {
    return ctx.services.filters.classImportances(filter, order, first ?? null, ctx.loaders);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The kernel as a PNG data URL (Conv2D filters; grey = 0, darker = negative).",
  })
  weightImage(@Root() filter: Filter, @Ctx() ctx: Context): Promise<string | null> {
    return ctx.services.filters.weightImage(filter, ctx.loaders);
  }
}
