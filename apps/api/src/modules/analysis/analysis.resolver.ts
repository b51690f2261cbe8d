import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";

import type { Context } from "../../context.js";
import { ApiError } from "../../errors.js";
import { toModel } from "../model/model.service.js";
import { Model } from "../model/model.type.js";
import { StartAnalysisInput } from "./analysis.input.js";
import type { AnalysisRow } from "./analysis.repository.js";
import { toAnalysis } from "./analysis.service.js";
import { Analysis } from "./analysis.type.js";

@Resolver(() => Analysis)
export class AnalysisResolver {
  @Query(() => Analysis, { description: "One analysis; NOT_FOUND for an unknown id." })
  analysis(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Analysis> {
    return ctx.services.analyses.get(id);
  }

  @Mutation(() => Analysis, {
    description: "Queues a CAR analysis; follow it with the analysisProgress subscription.",
  })
  startAnalysis(
    @Arg("input", () => StartAnalysisInput) input: StartAnalysisInput,
    @Ctx() ctx: Context,
  ): Promise<Analysis> {
    return ctx.services.analyses.start(input);
  }

  @Mutation(() => Analysis, {
    description: "Cancels a queued or running analysis; a finished one is returned unchanged.",
  })
  cancelAnalysis(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Analysis> {
    return ctx.services.analyses.cancel(id);
  }

  @Subscription(() => Analysis, {
    description:
      "The analysis as it is now, then after every change (progress, status), ending with its final status.",
    subscribe: ({ args, context }) =>
      (context as Context).services.analyses.progressEvents(args.id as string),
  })
  analysisProgress(@Root() row: AnalysisRow, @Arg("id", () => ID) _id: string): Analysis {
    return toAnalysis(row);
  }

  @FieldResolver(() => Model)
  async model(@Root() analysis: Analysis, @Ctx() ctx: Context): Promise<Model> {
    const row = await ctx.loaders.model.load(analysis.modelId);
    if (!row) throw new ApiError("NOT_FOUND", `the model of analysis "${analysis.id}" was deleted`);
    return toModel(row);
  }
}
