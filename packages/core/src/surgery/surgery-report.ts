import type * as tfl from "@tensorflow/tfjs-layers";

import { describeModel } from "../model/describe.js";

/** One layer whose size changed. */
export interface LayerChange {
  name: string;
  className: string;
  /** Filters (Conv2D), units (Dense) or channels (DepthwiseConv2D) before and after; null for other layers. */
  filtersBefore: number | null;
  filtersAfter: number | null;
  paramsBefore: number;
  paramsAfter: number;
  flopsBefore: number;
  flopsAfter: number;
}

/** Size of a model before and after `removeFilters`. FLOPs per image, counted as in `describeModel`. */
export interface SurgeryReport {
  paramsBefore: number;
  paramsAfter: number;
  flopsBefore: number;
  flopsAfter: number;
  /** paramsAfter / paramsBefore (1 when nothing was removed). */
  paramsRatio: number;
  flopsRatio: number;
  /** Layers whose parameters, FLOPs or filters changed, in model order. */
  layers: LayerChange[];
}

/** Compares a model with its pruned copy (layers are matched by name, which `removeFilters` keeps). */
export function surgeryReport(before: tfl.LayersModel, after: tfl.LayersModel): SurgeryReport {
  const a = describeModel(before);
  const b = describeModel(after);
  const afterByName = new Map(b.layers.map((l) => [l.name, l]));
  const layers: LayerChange[] = [];
  for (const layer of a.layers) {
    const other = afterByName.get(layer.name);
    if (!other) continue;
    if (other.params === layer.params && other.flops === layer.flops && other.filters === layer.filters)
      continue;
    layers.push({
      name: layer.name,
      className: layer.className,
      filtersBefore: layer.filters,
      filtersAfter: other.filters,
      paramsBefore: layer.params,
      paramsAfter: other.params,
      flopsBefore: layer.flops,
      flopsAfter: other.flops,
    });
  }
  return {
    paramsBefore: a.params,
    paramsAfter: b.params,
    flopsBefore: a.flops,
    flopsAfter: b.flops,
    paramsRatio: a.params > 0 ? b.params / a.params : 1,
    flopsRatio: a.flops > 0 ? b.flops / a.flops : 1,
    layers,
  };
}
