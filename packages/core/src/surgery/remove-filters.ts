import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import {
  type ChannelGraph,
  type GraphAnalysis,
  removedIndices,
  resolveAnalysis,
} from "../graph/channel-graph.js";
import { layoutLength } from "../graph/channel-layout.js";
import { graphOfAnalysis } from "../graph/channel-graph.js";
import { type FilterRemoval, validateRemoval } from "../mask/index.js";

/** Indices to keep along one axis, or null when nothing on that axis is removed. */
type Kept = number[] | null;

interface LayerCut {
  /** Kept channels of the layer's (first) input's last axis. */
  keptIn: Kept;
  /** Kept filters of a Conv2D/Dense layer's output. */
  keptOut: Kept;
  /** New length of the output's last axis, for configs that spell it out (Reshape). */
  outLength: number;
}

function complement(length: number, removed: number[]): Kept {
  if (removed.length === 0) return null;
  const gone = new Set(removed);
  const kept: number[] = [];
  for (let i = 0; i < length; i++) if (!gone.has(i)) kept.push(i);
  return kept;
}

/** What to cut from every layer: kept input channels (from the layout of its input) and kept filters. */
function planCuts(analysis: GraphAnalysis, removal: FilterRemoval): Map<string, LayerCut> {
  const removed: Array<ReadonlySet<number> | undefined> = [];
  analysis.groups.forEach((g, i) => {
    const filters = removal.get(g.id);
    if (filters && filters.size > 0) removed[i] = filters;
  });
  const cuts = new Map<string, LayerCut>();
  const { steps } = analysis.topology;
  steps.forEach((step, index) => {
    const inLayout = step.inputs.length > 0 ? analysis.layouts[step.inputs[0]!]! : undefined;
    const keptIn = inLayout ? complement(layoutLength(inLayout), removedIndices(inLayout, removed)) : null;
    const group = analysis.producerGroup.get(index);
    const filters = group === undefined ? undefined : removed[group];
    const size = group === undefined ? 0 : analysis.groups[group]!.size;
    const keptOut = filters ? complement(size, [...filters]) : null;
    const outLayout = analysis.layouts[step.outputs[0]!]!;
    const outLength = layoutLength(outLayout) - removedIndices(outLayout, removed).length;
    if (keptIn || keptOut) cuts.set(step.layer.name, { keptIn, keptOut, outLength });
  });
  return cuts;
}

const take = (x: tf.Tensor, kept: Kept, axis: number): tf.Tensor =>
  kept ? tf.gather(x, tf.tensor1d(kept, "int32"), axis) : x;

/** The layer's weights with removed channels sliced out, in `layer.getWeights()` order. */
function cutWeights(layer: tfl.layers.Layer, cut: LayerCut): tf.Tensor[] {
  const weights = layer.getWeights();
  const className = layer.getClassName();
  return weights.map((w, i) => {
    switch (className) {
      case "Conv2D":
        // kernel [kh, kw, in, out], bias [out]
        return i === 0 ? take(take(w, cut.keptIn, 2), cut.keptOut, 3) : take(w, cut.keptOut, 0);
      case "Dense":
        // kernel [in, out] (rows in flatten order (i·W + j)·C + c), bias [out]
        return i === 0 ? take(take(w, cut.keptIn, 0), cut.keptOut, 1) : take(w, cut.keptOut, 0);
      case "DepthwiseConv2D":
        // depthwise kernel [kh, kw, channels, 1], bias [channels]: channels are the input's, coupled.
        return i === 0 ? take(w, cut.keptIn, 2) : take(w, cut.keptIn, 0);
      case "BatchNormalization":
        // gamma, beta, moving mean, moving variance: one value per channel.
        return take(w, cut.keptIn, 0);
      case "PReLU":
        // alpha has the input's shape without the batch axis, shared axes of size 1.
        return w.shape[w.rank - 1] === 1 ? w : take(w, cut.keptIn, w.rank - 1);
      default:
        throw new CarveError(
          "UNSUPPORTED_LAYER",
          `removeFilters: layer "${layer.name}" (${className}) has weights over removed channels and no rule ` +
            `to cut them`,
        );
    }
  });
}

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
}

/** Edits a model's JSON topology in place: fewer filters/units for cut producers, Reshape lengths. */
function cutTopology(topology: Record<string, unknown>, cuts: Map<string, LayerCut>): void {
  const root = (topology.model_config ?? topology) as { config: { layers: LayerJson[] } };
  for (const layer of root.config.layers) {
    const cut = cuts.get(String(layer.config.name ?? layer.name));
    if (!cut) continue;
    if (cut.keptOut) {
      if (layer.class_name === "Conv2D") layer.config.filters = cut.keptOut.length;
      if (layer.class_name === "Dense") layer.config.units = cut.keptOut.length;
    }
    if (layer.class_name === "Reshape") layer.config.target_shape = [cut.outLength];
  }
}

/**
 * Physically removes filters: returns a NEW, smaller model (the caller owns and disposes it; the input model
 * is untouched) whose outputs equal `MaskedModel.predict(images, removal)` up to float rounding. Removed
 * filters' kernel slices and biases go, and so do the matching channels of every layer downstream — the next
 * BatchNormalization (gamma, beta, moving statistics), a coupled DepthwiseConv2D, the input channels of the
 * consuming Conv2D, the rows of a Dense after Flatten (every spatial position) or after global pooling, and
 * Concatenate offsets. Add-coupled groups are cut on every producer. Layer names are kept.
 *
 * The new model is rebuilt from the original's JSON configuration with updated `filters`/`units`, then given
 * the sliced weights; it is not compiled.
 */
export async function removeFilters(
  model: tfl.LayersModel,
  removal: FilterRemoval,
  graph?: ChannelGraph,
): Promise<tfl.LayersModel> {
  const analysis = resolveAnalysis(model, graph);
  validateRemoval(graph ?? graphOfAnalysis(analysis), removal);
  const cuts = planCuts(analysis, removal);
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  cutTopology(topology, cuts);
  let pruned: tfl.LayersModel;
  try {
    pruned = await tfl.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON["modelTopology"] });
  } catch (error) {
    throw new CarveError(
      "INVALID_MODEL",
      `removeFilters could not rebuild "${model.name}" from its configuration: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    for (const layer of pruned.layers) {
      const original = model.getLayer(layer.name);
      const cut = cuts.get(layer.name);
      if (original.weights.length === 0) continue;
      // getWeights() returns the original's variables themselves: read, never dispose them.
      const values = tf.tidy(() =>
        (cut ? cutWeights(original, cut) : original.getWeights()).map((w) => tf.clone(w)),
      );
      try {
        layer.setWeights(values);
      } finally {
        tf.dispose(values);
      }
    }
  } catch (error) {
    pruned.dispose();
    throw error;
  }
  return pruned;
}
