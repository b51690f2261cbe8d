import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { PruningRun } from "../pruning/run.type.js";
import { comparedRuns, comparisonExportUrls, runExportUrls } from "./export.routes.js";
import { ExportUrls } from "./export.type.js";

@Resolver(() => PruningRun)
export class RunExportResolver {
  @FieldResolver(() => ExportUrls, {
    description: "The run as an HTML report, JSON or CSV (several runs side by side: comparisonExportUrls).",
  })
  exportUrls(@Root() run: PruningRun): ExportUrls {
    return runExportUrls(run.id);
  }
}

@Resolver()
export class ComparisonExportResolver {
  @Query(() => ExportUrls, {
    description:
      "Where to download 2 to 10 runs side by side, in this order, as an HTML report, JSON or CSV. Each run " +
      "must be readable by the caller (NOT_FOUND otherwise, as for an unknown id).",
  })
  async comparisonExportUrls(
    @Arg("runIds", () => [ID]) runIds: string[],
    @Ctx() ctx: Context,
  ): Promise<ExportUrls> {
    const ids = comparedRuns(runIds, "runIds");
    for (const id of ids) await ctx.access.run(id, "VIEWER", "runIds");
    return comparisonExportUrls(ids);
  }
}
