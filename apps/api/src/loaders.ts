/**
 * Per-request DataLoaders: one SQL query per kind of thing per tick, however many models, layers or filters
 * a query touches, and each thing read once per request.
 */
import DataLoader from "dataloader";

import type { AnalysisRepository } from "./modules/analysis/analysis.repository.js";
import type { DatasetRepository, DatasetRow, EvaluationRow } from "./modules/dataset/dataset.repository.js";
import {
  type TopPatchesKey,
  type TopPatchesService,
  topPatchesCacheKey,
} from "./modules/filter/top-patches.service.js";
import type { TopPatch } from "./modules/filter/top-patches.type.js";
import type { LayerRow, ModelRepository, ModelRow } from "./modules/model/model.repository.js";

export interface GroupKey {
  modelId: string;
  groupId: string;
}

export interface FilterKey {
  modelId: string;
  layerName: string;
  index: number;
}

export interface Loaders {
  model: DataLoader<string, ModelRow | undefined>;
  layers: DataLoader<string, LayerRow[]>;
  /** The newest SUCCEEDED analysis that scored a group, or null. */
  latestAnalysis: DataLoader<GroupKey, string | null, string>;
  /** PNG bytes of a filter's kernel, or null (not a Conv2D). */
  weightImage: DataLoader<FilterKey, Buffer | null, string>;
  dataset: DataLoader<string, DatasetRow | undefined>;
  /** The registered dataset of a location (a built-in name or a folder), for Model.defaultDataset. */
  datasetByLocation: DataLoader<
    { location: string; workspaceId: string | null },
    DatasetRow | undefined,
    string
  >;
  /** A model's evaluations, oldest first. */
  evaluations: DataLoader<string, EvaluationRow[]>;
  /** A filter's top-activating patches: a page of a layer's filters becomes one worker task. */
  topPatches: DataLoader<TopPatchesKey, TopPatch[], string>;
}

export function createLoaders(
  repos: { models: ModelRepository; analyses: AnalysisRepository; datasets: DatasetRepository },
  services: { topPatches: TopPatchesService },
): Loaders {
  const groupKey = (k: GroupKey) => `${k.modelId}\u0000${k.groupId}`;
  const filterKey = (k: { modelId: string; layerName: string; index: number }) =>
    `${k.modelId}\u0000${k.layerName}\u0000${k.index}`;
  return {
    model: new DataLoader(async (ids) => {
      const byId = new Map((await repos.models.findByIds(ids)).map((m) => [m.id, m]));
      return ids.map((id) => byId.get(id));
    }),
    layers: new DataLoader(async (modelIds) => {
      const rows = await repos.models.layersOf(modelIds);
      return modelIds.map((id) => rows.filter((l) => l.modelId === id));
    }),
    latestAnalysis: new DataLoader(
      async (keys) => {
        const found = await repos.analyses.latestSucceeded(keys);
        return keys.map((k) => found.get(groupKey(k)) ?? null);
      },
      { cacheKeyFn: groupKey },
    ),
    weightImage: new DataLoader(
      async (keys) => {
        const rows = new Map(
          (await repos.models.weightImages(keys)).map((r) => [
            filterKey({ modelId: r.modelId, layerName: r.layerName, index: r.filterIndex }),
            r.weightPng,
          ]),
        );
        return keys.map((k) => rows.get(filterKey(k)) ?? null);
      },
      { cacheKeyFn: filterKey },
    ),
    dataset: new DataLoader(async (ids) => {
      const byId = new Map((await repos.datasets.findByIds(ids)).map((d) => [d.id, d]));
      return ids.map((id) => byId.get(id));
    }),
    /** A model's own dataset as its workspace sees it: built in, or registered in that workspace. */
    datasetByLocation: new DataLoader(
      (keys: ReadonlyArray<{ location: string; workspaceId: string | null }>) =>
        repos.datasets.findByLocations(keys),
      { cacheKeyFn: (k) => `${k.workspaceId ?? ""}\u0000${k.location}` },
    ),
    evaluations: new DataLoader(async (modelIds) => {
      const rows = await repos.datasets.evaluationsOf(modelIds);
      return modelIds.map((id) => rows.filter((r) => r.modelId === id));
    }),
    topPatches: new DataLoader(services.topPatches.load, { cacheKeyFn: topPatchesCacheKey }),
  };
}
