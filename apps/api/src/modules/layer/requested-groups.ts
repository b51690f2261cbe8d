/** Turning the layer names a client asked for into the filter groups core scores and prunes. */
import { ApiError } from "../../errors.js";
import type { LayerRow } from "../model/model.repository.js";

/**
 * The filter group of each of `requested` (layer names of model `modelName`), in request order. A name that is
 * not a layer, or a layer without removable filters, is INVALID_ARGUMENT naming the prunable layers. Layers
 * coupled into one group (an Add, a depthwise join) are merged, or rejected with `duplicates: "reject"` where
 * listing a group twice would be ambiguous (a pruning run's per-layer targets).
 */
export function requestedGroups(
  modelName: string,
  layers: readonly LayerRow[],
  requested: readonly string[],
  duplicates: "merge" | "reject",
): string[] {
  const prunableNames =
    layers
      .filter((l) => l.groupId !== null)
      .map((l) => l.name)
      .join(", ") || "none";
  const groups: string[] = [];
  for (const name of requested) {
    const layer = layers.find((l) => l.name === name);
    if (!layer) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `no layer "${name}" in model "${modelName}" (prunable layers: ${prunableNames})`,
        { argument: "input.layers", layer: name },
      );
    }
    if (layer.groupId === null) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `layer "${name}" of model "${modelName}" is a ${layer.className} without removable filters ` +
          `(prunable layers: ${prunableNames})`,
        { argument: "input.layers", layer: name },
      );
    }
    if (groups.includes(layer.groupId)) {
      if (duplicates === "merge") continue;
      throw new ApiError(
        "INVALID_ARGUMENT",
        `layer "${name}" is listed twice, or shares its filters with another listed layer (group ` +
          `"${layer.groupId}"); list each layer once`,
        { argument: "input.layers", layer: name },
      );
    }
    groups.push(layer.groupId);
  }
  return groups;
}
