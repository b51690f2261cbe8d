/**
 * Filter.topPatches: the image patches each filter responds to most, found by @carve/core's
 * topActivatingPatches in a worker thread. A request's filters of one layer (a page of them) are batched into
 * one worker task, which ranks them all in one pass over the images; answers are kept in a bounded LRU cache
 * per filter, and a filter asked for twice at once is computed once.
 */
import { LRUCache } from "lru-cache";

import { ApiError } from "../../errors.js";
import type { WorkerRunner } from "../../jobs/worker-runner.js";
import type { TopPatchesResult } from "../../jobs/worker-protocol.js";
import type { DatasetSplit } from "../analysis/analysis.type.js";
import type { DatasetService, ModelFacts } from "../dataset/dataset.service.js";
import type { TopPatch } from "./top-patches.type.js";

export const MAX_PATCHES = 25;
export const MAX_PATCH_IMAGES = 20_000;
/** Layers whose filters have spatial outputs to cut patches from. */
const SPATIAL_LAYERS = new Set(["Conv2D", "DepthwiseConv2D"]);

export interface TopPatchesKey {
  modelId: string;
  layerName: string;
  filter: number;
  k: number;
  images: number;
  split: DatasetSplit;
  seed: number;
  datasetId: string | null;
}

export interface TopPatchesServiceDeps {
  models: {
    find(id: string): Promise<ModelFacts | undefined>;
    layers(id: string): Promise<Array<{ name: string; className: string }>>;
  };
  datasets: DatasetService;
  worker: WorkerRunner;
  backend: string;
  /** Filters whose patches are kept. */
  cacheSize: number;
}

/** The DataLoader key: everything but the filter says which worker task a filter can share. */
function taskKey(k: TopPatchesKey): string {
  return JSON.stringify([k.modelId, k.layerName, k.k, k.images, k.split, k.seed, k.datasetId]);
}

export function topPatchesCacheKey(k: TopPatchesKey): string {
  return JSON.stringify([k.modelId, k.layerName, k.filter, k.k, k.images, k.split, k.seed, k.datasetId]);
}

export function checkTopPatchesArgs(k: number, images: number, seed: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_PATCHES) {
    throw new ApiError("INVALID_ARGUMENT", `k must be between 1 and ${MAX_PATCHES}, got ${k}`, {
      argument: "k",
    });
  }
  if (!Number.isInteger(images) || images < 1 || images > MAX_PATCH_IMAGES) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `images must be between 1 and ${MAX_PATCH_IMAGES}, got ${images}`,
      { argument: "images" },
    );
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw new ApiError("INVALID_ARGUMENT", `seed must be ≥ 0, got ${seed}`, { argument: "seed" });
  }
}

export class TopPatchesService {
  private readonly cache: LRUCache<string, Promise<TopPatch[]>>;

  constructor(private readonly deps: TopPatchesServiceDeps) {
    this.cache = new LRUCache({ max: Math.max(1, deps.cacheSize) });
  }

  /** The DataLoader batch function: one worker task per (model, layer, sample) for the filters not cached. */
  readonly load = async (keys: readonly TopPatchesKey[]): Promise<Array<TopPatch[] | Error>> => {
    const groups = new Map<string, TopPatchesKey[]>();
    for (const key of keys) {
      if (this.cache.has(topPatchesCacheKey(key))) continue;
      const group = groups.get(taskKey(key)) ?? [];
      if (!group.some((g) => g.filter === key.filter)) group.push(key);
      groups.set(taskKey(key), group);
    }
    for (const group of groups.values()) this.compute(group);
    return Promise.all(
      keys.map((key) =>
        this.cache
          .get(topPatchesCacheKey(key))!
          .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      ),
    );
  };

  /** Starts one worker task for `group` (filters of one layer, one sample) and caches a promise per filter. */
  private compute(group: TopPatchesKey[]): void {
    const first = group[0]!;
    const task = this.run(
      first,
      group.map((g) => g.filter),
    );
    for (const key of group) {
      const cacheKey = topPatchesCacheKey(key);
      const patches = task.then((result) => {
        const found = result.filters.find((f) => f.filter === key.filter);
        return (found?.patches ?? []).map((p): TopPatch => ({
          rank: p.rank,
          imageIndex: p.imageIndex,
          classIndex: p.label,
          className: p.className,
          activation: p.activation,
          row: p.row,
          column: p.column,
          box: p.box,
          image: `data:image/png;base64,${Buffer.from(p.png).toString("base64")}`,
        }));
      });
      this.cache.set(cacheKey, patches);
      // A failure is not remembered: the next request tries again.
      patches.catch(() => {
        if (this.cache.get(cacheKey) === patches) this.cache.delete(cacheKey);
      });
    }
  }

  private async run(key: TopPatchesKey, filters: number[]): Promise<TopPatchesResult> {
    const model = await this.deps.models.find(key.modelId);
    if (!model) throw new ApiError("NOT_FOUND", `no model with id "${key.modelId}"`);
    const layer = (await this.deps.models.layers(model.id)).find((l) => l.name === key.layerName);
    if (!layer || !SPATIAL_LAYERS.has(layer.className)) {
      // A Dense unit has no image position: no patches.
      return { kind: "top-patches", images: 0, filters: [] };
    }
    const dataset = await this.deps.datasets.forModel(model, key.datasetId, "datasetId");
    return this.deps.worker.topPatches(
      {
        kind: "top-patches",
        source: model.source,
        dataset: dataset.spec,
        ...(dataset.imageShape ? { imageShape: dataset.imageShape } : {}),
        split: key.split.toLowerCase(),
        maxImages: key.images,
        seed: key.seed,
        layerName: key.layerName,
        filters: [...filters].sort((a, b) => a - b),
        k: key.k,
      },
      { backend: this.deps.backend },
    );
  }
}
