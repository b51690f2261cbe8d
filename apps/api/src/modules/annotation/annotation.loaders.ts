/**
 * Per-request DataLoaders for annotations: a page of filters (or of runs) asks for its annotations in one SQL
 * query. They live beside the request's other loaders without being part of them: one set per request
 * context, created on first use and gone with the context.
 */
import DataLoader from "dataloader";

import type { Context } from "../../context.js";
import type { AnnotationRepository, AnnotationWithAuthor } from "./annotation.repository.js";

export interface LayerKey {
  modelId: string;
  layerName: string;
}

export interface AnnotationLoaders {
  /** Every annotation of the filters of a layer, oldest first. */
  layer: DataLoader<LayerKey, AnnotationWithAuthor[], string>;
  /** Comments on a run, oldest first. */
  run: DataLoader<string, AnnotationWithAuthor[]>;
}

const byContext = new WeakMap<object, AnnotationLoaders>();

export function createAnnotationLoaders(repository: AnnotationRepository): AnnotationLoaders {
  const layerKey = (k: LayerKey) => `${k.modelId}\u0000${k.layerName}`;
  return {
    layer: new DataLoader(
      async (keys) => {
        const rows = await repository.ofLayers(keys);
        return keys.map((k) => rows.filter((r) => r.modelId === k.modelId && r.layerName === k.layerName));
      },
      { cacheKeyFn: layerKey },
    ),
    run: new DataLoader(async (runIds) => {
      const rows = await repository.ofRuns(runIds);
      return runIds.map((id) => rows.filter((r) => r.runId === id));
    }),
  };
}

/** The request's annotation loaders. */
export function annotationLoaders(ctx: Pick<Context, "teams">): AnnotationLoaders {
  let loaders = byContext.get(ctx);
  if (!loaders) {
    loaders = createAnnotationLoaders(ctx.teams.annotations.repository);
    byContext.set(ctx, loaders);
  }
  return loaders;
}

/** The newest label of each filter among a layer's annotations (oldest first), by filter index. */
export function latestLabels(
  annotations: readonly AnnotationWithAuthor[],
): Map<number, AnnotationWithAuthor> {
  const labels = new Map<number, AnnotationWithAuthor>();
  for (const a of annotations) {
    if (a.kind === "LABEL" && a.filterIndex !== null) labels.set(a.filterIndex, a);
  }
  return labels;
}
