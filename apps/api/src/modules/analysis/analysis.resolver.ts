import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";

import type { Context } from "../../context.js";
import { ApiError } from "../../errors.js";
import { whileAllowed } from "../access/while-allowed.js";
import { toModel } from "../model/model.service.js";
import { Model } from "../model/model.type.js";
import { StartAnalysisInput } from "./analysis.input.js";
import type { AnalysisRow } from "./analysis.repository.js";
import { toAnalysis } from "./analysis.service.js";
import { Analysis } from "./analysis.type.js";

@Resolver(() => Analysis)
export class AnalysisResolver {
  @Query(() => Analysis, {
    description: "One analysis; NOT_FOUND for an unknown id (or another workspace's).",
  })
  async analysis(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Analysis> {
    await ctx.access.analysis(id);
    return ctx.services.analyses.get(id);
  }

  @Mutation(() => Analysis, {
    description: "Queues a CAR analysis (editors); follow it with the analysisProgress subscription.",
  })
  async startAnalysis(
    @Arg("input", () => StartAnalysisInput) input: StartAnalysisInput,
    @Ctx() ctx: Context,
  ): Promise<Analysis> {
    // A datasetId of another workspace answers NOT_FOUND in the service (the model's datasets only).
    await ctx.access.model(input.modelId, "EDITOR", "input.modelId");
    return ctx.services.analyses.start(input);
  }

  @Mutation(() => Analysis, {
    description: "Cancels a queued or running analysis (editors); a finished one is returned unchanged.",
  })
  async cancelAnalysis(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Analysis> {
    await ctx.access.analysis(id, "EDITOR");
    return ctx.services.analyses.cancel(id);
  }

  @Subscription(() => Analysis, {
    description:
      "The analysis as it is now, then after every change (progress, status), ending with its final status. " +
      "Access is checked again before every event: a caller who can no longer read the analysis gets that " +
      "error instead.",
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const id = args.id as string;
      await ctx.access.analysis(id);
      return whileAllowed(await ctx.services.analyses.progressEvents(id), () =>
        ctx.freshAccess().analysis(id),
      );
    },
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
