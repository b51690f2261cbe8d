import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { ApiError } from "../../errors.js";
import { Filter } from "../filter/filter.type.js";
import { Layer } from "../layer/layer.type.js";
import { PruningRun } from "../pruning/run.type.js";
import type { Role } from "../workspace/roles.js";
import { annotationLoaders, latestLabels } from "./annotation.loaders.js";
import type { AnnotationWithAuthor } from "./annotation.repository.js";
import { WRITE_ROLE } from "./annotation.service.js";
import { Annotation, AnnotationKind } from "./annotation.type.js";

function toAnnotation(row: AnnotationWithAuthor): Annotation {
  return row as Annotation;
}

/**
 * The workspace of a model or run the caller may annotate with `minimum`. Only members write: a share link
 * that lets the caller read the model or run does not let them annotate it, and a signed-in caller who reads
 * it only through a link gets the same NOT_FOUND as for an id that does not exist.
 */
async function writableWorkspace(
  ctx: Context,
  kind: "model" | "run",
  id: string,
  minimum: Role,
  argument: string,
): Promise<string> {
  const { workspaceId } =
    kind === "model"
      ? await ctx.access.model(id, minimum, argument)
      : await ctx.access.run(id, minimum, argument);
  if (!(await ctx.access.memberships()).has(workspaceId)) {
    throw new ApiError("NOT_FOUND", `no ${kind === "model" ? "model" : "pruning run"} with id "${id}"`, {
      argument,
    });
  }
  return workspaceId;
}

@Resolver(() => Annotation)
export class AnnotationResolver {
  @Mutation(() => Annotation, {
    description:
      "Labels a filter (kind LABEL: editors and owners) or comments on it (kind COMMENT: any member). The " +
      "filter's newest label is its label.",
  })
  async annotateFilter(
    @Arg("modelId", () => ID) modelId: string,
    @Arg("layerName", () => String) layerName: string,
    @Arg("filterIndex", () => Int) filterIndex: number,
    @Arg("kind", () => AnnotationKind) kind: AnnotationKind,
    @Arg("body", () => String) body: string,
    @Ctx() ctx: Context,
  ): Promise<Annotation> {
    const identity = await ctx.access.member();
    const workspaceId = await writableWorkspace(ctx, "model", modelId, WRITE_ROLE[kind], "modelId");
    const row = await ctx.teams.annotations.create(identity, workspaceId, {
      kind,
      target: { kind: "FILTER", modelId, layerName, filterIndex },
      body,
    });
    return toAnnotation(row);
  }

  @Mutation(() => Annotation, { description: "Comments on a pruning run (any member of its workspace)." })
  async commentOnRun(
    @Arg("runId", () => ID) runId: string,
    @Arg("body", () => String) body: string,
    @Ctx() ctx: Context,
  ): Promise<Annotation> {
    const identity = await ctx.access.member();
    const workspaceId = await writableWorkspace(ctx, "run", runId, WRITE_ROLE.COMMENT, "runId");
    const row = await ctx.teams.annotations.create(identity, workspaceId, {
      kind: "COMMENT",
      target: { kind: "RUN", runId },
      body,
    });
    return toAnnotation(row);
  }

  @Mutation(() => Annotation, {
    description: "Changes the text of one's own annotation (a label still needs the EDITOR role).",
  })
  async updateAnnotation(
    @Arg("id", () => ID) id: string,
    @Arg("body", () => String) body: string,
    @Ctx() ctx: Context,
  ): Promise<Annotation> {
    const identity = await ctx.access.member();
    return toAnnotation(await ctx.teams.annotations.update(identity, id, body));
  }

  @Mutation(() => ID, {
    description: "Deletes an annotation (its author, or an owner of the workspace); returns its id.",
  })
  async deleteAnnotation(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    const identity = await ctx.access.member();
    await ctx.teams.annotations.delete(identity, id);
    return id;
  }
}

/** Labels and comments of a filter; whoever reads the filter (through its model) reads them. */
@Resolver(() => Filter)
export class FilterAnnotationResolver {
  @FieldResolver(() => [Annotation], {
    description: "The filter's labels and comments, oldest first; `kind` keeps one kind.",
  })
  async annotations(
    @Root() filter: Filter,
    @Arg("kind", () => AnnotationKind, { nullable: true }) kind: AnnotationKind | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<Annotation[]> {
    const rows = await annotationLoaders(ctx).layer.load({
      modelId: filter.modelId,
      layerName: filter.layerName,
    });
    return rows
      .filter((a) => a.filterIndex === filter.index && (kind == null || a.kind === kind))
      .map(toAnnotation);
  }

  @FieldResolver(() => Annotation, {
    nullable: true,
    description: "The filter's label: its newest LABEL annotation (null when it has none).",
  })
  async label(@Root() filter: Filter, @Ctx() ctx: Context): Promise<Annotation | null> {
    const rows = await annotationLoaders(ctx).layer.load({
      modelId: filter.modelId,
      layerName: filter.layerName,
    });
    const label = latestLabels(rows).get(filter.index);
    return label ? toAnnotation(label) : null;
  }
}

@Resolver(() => Layer)
export class LayerAnnotationResolver {
  @FieldResolver(() => [Annotation], {
    description:
      "The label of each labelled filter of the layer (its newest LABEL), in filter order: for tiles and " +
      "tables that show many filters at once.",
  })
  async labels(@Root() layer: Layer, @Ctx() ctx: Context): Promise<Annotation[]> {
    const rows = await annotationLoaders(ctx).layer.load({ modelId: layer.modelId, layerName: layer.name });
    return [...latestLabels(rows).values()]
      .sort((a, b) => (a.filterIndex ?? 0) - (b.filterIndex ?? 0))
      .map(toAnnotation);
  }
}

@Resolver(() => PruningRun)
export class RunAnnotationResolver {
  @FieldResolver(() => [Annotation], { description: "Comments on the run, oldest first." })
  async annotations(@Root() run: PruningRun, @Ctx() ctx: Context): Promise<Annotation[]> {
    return (await annotationLoaders(ctx).run.load(run.id)).map(toAnnotation);
  }
}
