/**
 * What-if questions: a model's accuracy with a chosen set of filters removed, on a sample of a dataset. The
 * answer is computed in a worker thread (never on the main thread) and kept in a bounded LRU cache keyed by
 * model, dataset, split, sample and filter set, so a dashboard toggling filters back and forth asks the worker
 * once per distinct set. Identical questions asked at the same time share one computation.
 */
import { LRUCache } from "lru-cache";

import { ApiError, notFound } from "../../errors.js";
import type { WorkerRunner } from "../../jobs/worker-runner.js";
import type { RemovedFilters, WhatIfResult } from "../../jobs/worker-protocol.js";
import type { DatasetSplit } from "../analysis/analysis.type.js";
import type { DatasetService, ModelFacts } from "../dataset/dataset.service.js";
import type { LayerFilters, RemovedLayerFilters, WhatIf } from "./whatif.type.js";

/** Default sample: enough for a stable accuracy, small enough to answer in about a second on the demos. */
export const DEFAULT_WHATIF_IMAGES = 1000;
export const MAX_WHATIF_IMAGES = 20_000;

export interface WhatIfArgs {
  modelId: string;
  datasetId?: string | null;
  removed: LayerFilters[];
  images: number;
  split: DatasetSplit;
  seed: number;
}

export interface LayerFacts {
  name: string;
  className: string;
  groupId: string | null;
  filters: number | null;
}

export interface WhatIfServiceDeps {
  models: {
    find(id: string): Promise<ModelFacts | undefined>;
    layers(id: string): Promise<LayerFacts[]>;
  };
  datasets: DatasetService;
  worker: WorkerRunner;
  backend: string;
  /** Answers kept (CARVE_WHATIF_CACHE_SIZE). */
  cacheSize: number;
  /** What-if workers running at once; more wait. */
  concurrency: number;
}

/** The removed filters per group, validated against the model's layers. */
export function resolveRemoval(
  model: Pick<ModelFacts, "name">,
  layers: LayerFacts[],
  removed: LayerFilters[],
): { groups: RemovedFilters[]; perLayer: RemovedLayerFilters[] } {
  const prunable = layers.filter((l) => l.groupId !== null);
  const names = prunable.map((l) => l.name).join(", ") || "none";
  const byGroup = new Map<string, Set<number>>();
  const perLayer = new Map<string, RemovedLayerFilters>();
  for (const entry of removed) {
    const layer = layers.find((l) => l.name === entry.layer);
    if (!layer || layer.groupId === null) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        layer
          ? `layer "${entry.layer}" of model "${model.name}" is a ${layer.className} without removable filters (prunable layers: ${names})`
          : `no layer "${entry.layer}" in model "${model.name}" (prunable layers: ${names})`,
        { argument: "removed", layer: entry.layer },
      );
    }
    const size = layer.filters ?? 0;
    for (const f of entry.filters) {
      if (!Number.isInteger(f) || f < 0 || f >= size) {
        throw new ApiError(
          "INVALID_ARGUMENT",
          `filter ${f} of layer "${entry.layer}" does not exist: it has filters 0…${size - 1}`,
          { argument: "removed", layer: entry.layer },
        );
      }
    }
    const set = byGroup.get(layer.groupId) ?? new Set<number>();
    for (const f of entry.filters) set.add(f);
    byGroup.set(layer.groupId, set);
    if (set.size >= size) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `cannot remove all ${size} filters of layer "${entry.layer}": keep at least one (a layer with no ` +
          `filters disconnects the network)`,
        { argument: "removed", layer: entry.layer },
      );
    }
  }
  for (const layer of prunable) {
    const set = byGroup.get(layer.groupId!);
    if (set && set.size > 0) {
      perLayer.set(layer.name, {
        layer: layer.name,
        filterGroupId: layer.groupId!,
        filters: [...set].sort((a, b) => a - b),
      });
    }
  }
  const groups = [...byGroup]
    .filter(([, set]) => set.size > 0)
    .map(([groupId, set]) => ({ groupId, filters: [...set].sort((a, b) => a - b) }))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  return { groups, perLayer: [...perLayer.values()] };
}

export class WhatIfService {
  private readonly cache: LRUCache<string, Promise<WhatIfResult>>;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly deps: WhatIfServiceDeps) {
    this.cache = new LRUCache({ max: Math.max(1, deps.cacheSize) });
  }

  async answer(args: WhatIfArgs): Promise<WhatIf> {
    const model = await this.deps.models.find(args.modelId);
    if (!model) {
      throw notFound("model", args.modelId, "modelId");
    }
    if (!Number.isInteger(args.images) || args.images < 1 || args.images > MAX_WHATIF_IMAGES) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `images must be between 1 and ${MAX_WHATIF_IMAGES}, got ${args.images}`,
        { argument: "images" },
      );
    }
    if (!Number.isInteger(args.seed) || args.seed < 0) {
      throw new ApiError("INVALID_ARGUMENT", `seed must be ≥ 0, got ${args.seed}`, { argument: "seed" });
    }
    const dataset = await this.deps.datasets.forModel(model, args.datasetId, "datasetId");
    const { groups, perLayer } = resolveRemoval(model, await this.deps.models.layers(model.id), args.removed);
    const key = JSON.stringify([model.id, dataset.spec, args.split, args.images, args.seed, groups]);
    let pending = this.cache.get(key);
    const cached = pending !== undefined;
    if (!pending) {
      pending = this.limited(() =>
        this.deps.worker.whatIf(
          {
            kind: "what-if",
            source: model.source,
            dataset: dataset.spec,
            ...(dataset.imageShape ? { imageShape: dataset.imageShape } : {}),
            split: args.split.toLowerCase(),
            maxImages: args.images,
            seed: args.seed,
            removed: groups,
          },
          { backend: this.deps.backend },
        ),
      );
      this.cache.set(key, pending);
      // A failed question is not remembered: the next ask tries again.
      pending.catch(() => {
        if (this.cache.get(key) === pending) this.cache.delete(key);
      });
    }
    const result = await pending;
    return {
      modelId: model.id,
      datasetId: dataset.row?.id ?? null,
      dataset: dataset.spec,
      split: args.split,
      seed: args.seed,
      images: result.pruned.images,
      removed: perLayer,
      removedCount: groups.reduce((sum, g) => sum + g.filters.length, 0),
      baseAccuracy: result.base.accuracy,
      accuracy: result.pruned.accuracy,
      accuracyDrop: result.base.accuracy - result.pruned.accuracy,
      baseLoss: result.base.loss,
      loss: result.pruned.loss,
      perClass: result.pruned.perClass.map((c, i) => {
        const base = result.base.perClass[i]?.accuracy ?? null;
        return {
          classIndex: c.classIndex,
          className: c.className,
          images: c.count,
          baseAccuracy: base,
          accuracy: c.accuracy,
          drop: base !== null && c.accuracy !== null ? base - c.accuracy : null,
        };
      }),
      cached,
      seconds: result.seconds,
    };
  }

  /** Answers kept now (for tests and /healthz). */
  get cacheEntries(): number {
    return this.cache.size;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.deps.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
