import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";

import type { Context } from "../../context.js";
import { ApiError } from "../../errors.js";
import type { PruningRunEvent } from "../../events/topics.js";
import type { Access } from "../access/access.js";
import { whileAllowed } from "../access/while-allowed.js";
import { PageArgs } from "../common/connection.js";
import { toModel } from "../model/model.service.js";
import { Model } from "../model/model.type.js";
import { StartPruningRunInput } from "./run.input.js";
import {
  DeleteRunPayload,
  ModelArtifact,
  PruningEvent,
  PruningRun,
  PruningRunConnection,
  PruningRunStatus,
  PruningStep,
} from "./run.type.js";

@Resolver(() => PruningRun)
export class PruningRunResolver {
  @Query(() => PruningRun, {
    description: "One pruning run; NOT_FOUND for an unknown id (or another workspace's).",
  })
  async pruningRun(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<PruningRun> {
    await ctx.access.run(id);
    return ctx.services.runs.get(id);
  }

  @Query(() => PruningRunConnection, {
    description:
      "Pruning runs the caller may read (of their workspaces, or of workspaceId only), newest first; `status` " +
      "keeps those in one status (e.g. RUNNING).",
  })
  async pruningRuns(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("status", () => PruningRunStatus, { nullable: true }) status: PruningRunStatus | null,
    @Arg("workspaceId", () => ID, { nullable: true, description: "Default: every workspace of the caller." })
    workspaceId: string | null,
    @Ctx() ctx: Context,
  ): Promise<PruningRunConnection> {
    const scope = await ctx.access.readScope(workspaceId);
    return ctx.services.runs.list(page, {
      status: status ?? undefined,
      visible: { workspaceIds: scope.workspaceIds, ids: scope.runIds },
    });
  }

  @Mutation(() => PruningRun, {
    description:
      "Queues a greedy pruning run of a model (the model is not changed; the compressed network becomes a new " +
      "model). Follow it with the pruningProgress subscription.",
  })
  async startPruningRun(
    @Arg("input", () => StartPruningRunInput) input: StartPruningRunInput,
    @Ctx() ctx: Context,
  ): Promise<PruningRun> {
    await ctx.access.model(input.modelId, "EDITOR", "input.modelId");
    return ctx.services.runs.start(input);
  }

  @Mutation(() => PruningRun, {
    description:
      "Cancels a queued or running pruning run (its persisted steps are kept; resumeRun continues it). A " +
      "finished run is returned unchanged.",
  })
  async cancelRun(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<PruningRun> {
    await ctx.access.run(id, "EDITOR");
    return ctx.services.runs.cancel(id);
  }

  @Mutation(() => PruningRun, {
    description:
      "Queues an INTERRUPTED, CANCELLED or FAILED run again; it continues after its last persisted step and " +
      "makes the choices an uninterrupted run would have made. CONFLICT for any other status.",
  })
  async resumeRun(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<PruningRun> {
    await ctx.access.run(id, "EDITOR");
    return ctx.services.runs.resume(id);
  }

  @Mutation(() => DeleteRunPayload, {
    description:
      "Deletes a pruning run with its steps and checkpoints, and the compressed model it registered (with that " +
      "model's analyses, runs and files). An unfinished run is cancelled first.",
  })
  async deleteRun(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<DeleteRunPayload> {
    await ctx.access.run(id, "EDITOR");
    return { id, deleted: await ctx.services.runs.delete(id) };
  }

  @Subscription(() => PruningEvent, {
    description:
      "A pruning run as it is now (SNAPSHOT; its steps so far in run.steps), then every change as it happens: " +
      "each step (STEP, with the step), status changes and progress, ending with a final status. Subscribe " +
      "again after resumeRun. Access is checked again before every event: a caller who can no longer read " +
      "the run (removed from its workspace, signed out, token or share link revoked) gets that error instead.",
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const runId = args.runId as string;
      const check = (access: Access) => access.run(runId, "VIEWER", "runId");
      await check(ctx.access);
      return whileAllowed(await ctx.services.runs.progressEvents(runId), () => check(ctx.freshAccess()));
    },
  })
  pruningProgress(
    @Root() event: PruningRunEvent,
    @Arg("runId", () => ID) _runId: string,
    @Ctx() ctx: Context,
  ): Promise<PruningEvent> {
    return ctx.services.runs.toEvent(event);
  }

  @FieldResolver(() => Model, { description: "The model that was pruned." })
  async model(@Root() run: PruningRun, @Ctx() ctx: Context): Promise<Model> {
    const row = await ctx.loaders.model.load(run.modelId);
    if (!row) throw new ApiError("NOT_FOUND", `the model of pruning run "${run.id}" was deleted`);
    return toModel(row);
  }

  @FieldResolver(() => [PruningStep], { description: "Every persisted step, in order." })
  steps(@Root() run: PruningRun, @Ctx() ctx: Context): Promise<PruningStep[]> {
    return ctx.services.runs.steps(run);
  }

  @FieldResolver(() => Model, {
    nullable: true,
    description: "The compressed model, registered as a model of its own when the run succeeded.",
  })
  async resultModel(@Root() run: PruningRun, @Ctx() ctx: Context): Promise<Model | null> {
    if (!run.resultModelId) return null;
    const row = await ctx.loaders.model.load(run.resultModelId);
    return row && (await ctx.access.mayRead("model", row.id, row.workspaceId)) ? toModel(row) : null;
  }

  @FieldResolver(() => ModelArtifact, {
    nullable: true,
    description: "The compressed model to download (TF.js format), when the run succeeded.",
  })
  artifact(@Root() run: PruningRun, @Ctx() ctx: Context): Promise<ModelArtifact | null> {
    return ctx.services.runs.artifact(run);
  }
}

@Resolver(() => ModelArtifact)
export class ModelArtifactResolver {
  @FieldResolver(() => Model, { nullable: true, description: "The registered compressed model." })
  async model(@Root() artifact: ModelArtifact, @Ctx() ctx: Context): Promise<Model | null> {
    const row = await ctx.loaders.model.load(artifact.modelId);
    return row && (await ctx.access.mayRead("model", row.id, row.workspaceId)) ? toModel(row) : null;
  }
}

/** The pruning side of a model: its runs, and where a compressed model came from. */
@Resolver(() => Model)
export class ModelPruningResolver {
  @FieldResolver(() => PruningRunConnection, { description: "Pruning runs of this model, newest first." })
  async runs(
    @Root() model: Model,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<PruningRunConnection> {
    const { runIds } = await ctx.access.within(model.workspaceId);
    return ctx.services.runs.listByModel(model.id, page, runIds && [...runIds]);
  }

  @FieldResolver(() => Model, {
    nullable: true,
    description:
      "For a compressed model: the model it was pruned from (null otherwise, or if that was deleted).",
  })
  async derivedFrom(@Root() model: Model, @Ctx() ctx: Context): Promise<Model | null> {
    const run = await ctx.services.runs.producerOf(model.id);
    if (!run) return null;
    const row = await ctx.loaders.model.load(run.modelId);
    return row && (await ctx.access.mayRead("model", row.id, row.workspaceId)) ? toModel(row) : null;
  }

  @FieldResolver(() => PruningRun, {
    nullable: true,
    description: "For a compressed model: the pruning run that made it.",
  })
  async derivedFromRun(@Root() model: Model, @Ctx() ctx: Context): Promise<PruningRun | null> {
    const run = await ctx.services.runs.producerOf(model.id);
    return run && (await ctx.access.mayRead("run", run.id, model.workspaceId)) ? run : null;
  }

  @FieldResolver(() => ModelArtifact, {
    nullable: true,
    description: "For a compressed model: its files to download.",
  })
  async artifact(@Root() model: Model, @Ctx() ctx: Context): Promise<ModelArtifact | null> {
    const run = await ctx.services.runs.producerOf(model.id);
    return run ? ctx.services.runs.artifact(run) : null;
  }
}
