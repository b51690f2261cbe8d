import { FieldResolver, Resolver, Root } from "type-graphql";

import { PruningRun } from "../pruning/run.type.js";
import { runExportUrls } from "./export.routes.js";
import { ExportUrls } from "./export.type.js";

@Resolver(() => PruningRun)
export class RunExportResolver {
  @FieldResolver(() => ExportUrls, {
    description:
      "The run as an HTML report, JSON or CSV. Several runs side by side: /exports/comparison.html?runs=A,B " +
      "(also .json, .csv).",
  })
  exportUrls(@Root() run: PruningRun): ExportUrls {
    return runExportUrls(run.id);
  }
}
