import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import {
  type ChannelGraph,
  type GraphAnalysis,
  graphOfAnalysis,
  removedIndices,
  resolveAnalysis,
} from "../graph/channel-graph.js";
import { type ChannelLayout, FIXED_SOURCE, layoutLength } from "../graph/channel-layout.js";
import { type FilterRemoval, validateRemoval } from "./filter-removal.js";

/** Cached 0/1 masks kept at most; CAR scoring asks for one mask per filter, so a few hundred cover a layer. */
const MASK_CACHE_LIMIT = 1024;

/** A removal point: a layer whose output is multiplied by a mask, and the groups whose channels it carries. */
interface MaskPoint {
  groups: number[];
  layout: ChannelLayout;
  /** True when the output's channels are exactly one group's filters 0…size−1, so a gate applies as is. */
  simple: boolean;
}

/** Produces the multiplier for a removal point's output, or null to leave it as it is. */
type Multiplier = (stepIndex: number, point: MaskPoint, output: tf.Tensor) => tf.Tensor | null;

/**
 * A model with filters removed virtually: the forward pass runs the model's own layers eagerly, in
 * topological order, and multiplies each removal point's output by a cached 0/1 mask, so scoring thousands of
 * removals never rebuilds a model. Inference mode throughout (dropout off, BatchNormalization on its moving
 * statistics). Does not own the model: `dispose()` releases only the cached masks.
 */
export class MaskedModel {
  readonly model: tfl.LayersModel;
  readonly graph: ChannelGraph;
  private readonly analysis: GraphAnalysis;
  private readonly groupIndex: Map<string, number>;
  private readonly points = new Map<number, MaskPoint>();
  private readonly masks = new Map<string, tf.Tensor>();
  private disposed = false;

  constructor(model: tfl.LayersModel, graph?: ChannelGraph) {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new CarveError(
        "INVALID_MODEL",
        `MaskedModel needs a model with one image input and one output; "${model.name}" has ` +
          `${model.inputs.length} inputs and ${model.outputs.length} outputs`,
      );
    }
    this.model = model;
    this.analysis = resolveAnalysis(model, graph);
    this.graph = graph ?? graphOfAnalysis(this.analysis);
    this.groupIndex = new Map(this.analysis.groups.map((g, i) => [g.id, i]));
    this.analysis.removalSteps.forEach((stepIndices, g) => {
      for (const stepIndex of stepIndices) {
        const existing = this.points.get(stepIndex);
        if (existing) {
          existing.groups.push(g);
          continue;
        }
        const layout = this.analysis.layouts[this.analysis.topology.steps[stepIndex]!.outputs[0]!]!;
        const only = layout.length === 1 && layout[0]!.repeat === 1 ? layout[0]!.segments : [];
        const simple =
          only.length === 1 &&
          only[0]!.source === g &&
          only[0]!.start === 0 &&
          only[0]!.length === this.analysis.groups[g]!.size;
        this.points.set(stepIndex, { groups: [g], layout, simple });
      }
    });
  }

  /**
   * Forward pass (inference mode) with `removal` applied: each removed filter's channel is exactly 0 at every
   * removal point of its group. Returns the model's output (logits or probabilities, as the model has).
   * Synchronous; call inside `tf.tidy`. Empty removal ⇒ equals `model.predict`.
   */
  predict(images: tf.Tensor4D, removal: FilterRemoval): tf.Tensor2D {
    const removed = this.removedByGroup(removal);
    return tf.tidy(() => this.run(images, this.maskMultiplier(removed), true)) as tf.Tensor2D;
  }

  /**
   * Same, with multiplicative gates per group instead of 0/1 removal: gate tensors broadcast against the
   * removal point output (shape [1, C] or [C], or [N, 1, 1, C] / [N, C] for per-image gates; C = group size).
   * Used for Taylor importance (gradient w.r.t. gates) and for batching several masks. Differentiable.
   */
  predictWithGates(images: tf.Tensor4D, gates: ReadonlyMap<string, tf.Tensor>): tf.Tensor2D {
    this.checkLive();
    const byGroup: Array<tf.Tensor | undefined> = [];
    for (const [id, gate] of gates) {
      const g = this.indexOf(id);
      const size = this.analysis.groups[g]!.size;
      if (gate.shape[gate.rank - 1] !== size) {
        throw new CarveError(
          "SHAPE_MISMATCH",
          `gate for "${id}" has shape [${gate.shape.join(", ")}] but the group has ${size} filters; ` +
            `expected [1, ${size}] or [N, 1, 1, ${size}]`,
        );
      }
      byGroup[g] = gate;
    }
    // No early disposal here: the gradient tape may still need intermediate values.
    return tf.tidy(() => this.run(images, gateMultiplier(byGroup), false)) as tf.Tensor2D;
  }

  /**
   * Output of a group's first removal point (for activation statistics and top-activating patches), with
   * `removal` applied upstream and at that point; its last axis is the group's filters in order. The rest of
   * the model is not computed. Call inside `tf.tidy`.
   */
  activations(images: tf.Tensor4D, groupId: string, removal: FilterRemoval = new Map()): tf.Tensor {
    const g = this.indexOf(groupId);
    const removed = this.removedByGroup(removal);
    const stepIndex = this.analysis.removalSteps[g]![0]!;
    const point = this.points.get(stepIndex)!;
    return tf.tidy(() => {
      const output = this.run(images, this.maskMultiplier(removed), true, stepIndex);
      if (point.simple) return output;
      return groupChannels(output, point.layout, g, this.analysis.groups[g]!.size);
    });
  }

  /** Releases cached mask tensors (not the model). */
  dispose(): void {
    for (const mask of this.masks.values()) mask.dispose();
    this.masks.clear();
    this.disposed = true;
  }

  private checkLive(): void {
    if (this.disposed) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `MaskedModel of "${this.model.name}" was disposed; create another`,
      );
    }
  }

  private indexOf(groupId: string): number {
    const g = this.groupIndex.get(groupId);
    if (g === undefined) this.graph.group(groupId); // throws NOT_FOUND listing the ids
    return g!;
  }

  private removedByGroup(removal: FilterRemoval): Array<ReadonlySet<number> | undefined> {
    this.checkLive();
    validateRemoval(this.graph, removal);
    const removed: Array<ReadonlySet<number> | undefined> = [];
    for (const [id, filters] of removal) if (filters.size > 0) removed[this.groupIndex.get(id)!] = filters;
    return removed;
  }

  private maskMultiplier(removed: Array<ReadonlySet<number> | undefined>): Multiplier | null {
    if (removed.length === 0) return null;
    return (stepIndex, point) => {
      let key = `${stepIndex}`;
      for (const g of point.groups) {
        const filters = removed[g];
        if (filters) key += `|${g}:${[...filters].sort((a, b) => a - b).join(",")}`;
      }
      if (key.indexOf("|") < 0) return null;
      let mask = this.masks.get(key);
      if (mask) {
        // Re-insert: Map order is the LRU order.
        this.masks.delete(key);
      } else {
        const values = new Float32Array(layoutLength(point.layout)).fill(1);
        for (const index of removedIndices(point.layout, removed)) values[index] = 0;
        mask = tf.keep(tf.tensor1d(values));
        if (this.masks.size >= MASK_CACHE_LIMIT) {
          const [oldestKey, oldest] = this.masks.entries().next().value!;
          this.masks.delete(oldestKey);
          oldest.dispose();
        }
      }
      this.masks.set(key, mask);
      return mask;
    };
  }

  /**
   * Runs the layers in topological order up to `stopAt` (default: all) and returns that step's output (or the
   * model's). With `disposeEarly`, each intermediate tensor is released after its last use, as tfjs's own
   * `predict` does, so peak memory matches `model.predict`.
   */
  private run(
    images: tf.Tensor4D,
    multiplier: Multiplier | null,
    disposeEarly: boolean,
    stopAt?: number,
  ): tf.Tensor {
    const { steps, slotCount, consumers, inputSlots, outputSlots } = this.analysis.topology;
    const values = new Array<tf.Tensor | undefined>(slotCount);
    const pending = consumers.map((c) => c.length);
    const inputSlot = inputSlots[0]!;
    values[inputSlot] = images;
    const last = stopAt ?? steps.length - 1;
    const resultSlot = stopAt === undefined ? outputSlots[0]! : steps[stopAt]!.outputs[0]!;
    const kwargs = { training: false };
    for (let i = 0; i <= last; i++) {
      const step = steps[i]!;
      const inputs = step.inputs.map((s) => values[s]!);
      let output = step.layer.apply(inputs.length === 1 ? inputs[0]! : inputs, kwargs) as tf.Tensor;
      const point = multiplier ? this.points.get(i) : undefined;
      if (point) {
        const factor = multiplier!(i, point, output);
        if (factor) {
          const masked = tf.mul(output, factor);
          if (disposeEarly) output.dispose();
          output = masked;
        }
      }
      values[step.outputs[0]!] = output;
      if (!disposeEarly) continue;
      for (const s of step.inputs) {
        pending[s]! -= 1;
        if (pending[s] === 0 && s !== inputSlot && s !== resultSlot) values[s]!.dispose();
      }
    }
    return values[resultSlot]!;
  }
}

/** Shapes a group's gate to broadcast against an output of rank `rank`: [C], or [N, 1, …, 1, C] per image. */
function alignGate(gate: tf.Tensor, rank: number): tf.Tensor {
  const channels = gate.shape[gate.rank - 1]!;
  const lead = gate.shape.slice(0, -1);
  const images = lead.reduce((a, b) => a * b, 1);
  if (images === 1) return gate.rank === 1 ? gate : tf.reshape(gate, [channels]);
  if (lead.slice(1).some((d) => d !== 1)) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `a per-image gate must have shape [N, 1, 1, C] or [N, C]; got [${gate.shape.join(", ")}]`,
    );
  }
  return tf.reshape(gate, [lead[0]!, ...new Array<number>(Math.max(rank - 2, 0)).fill(1), channels]);
}

function gateMultiplier(byGroup: Array<tf.Tensor | undefined>): Multiplier {
  return (_stepIndex, point, output) => {
    const present = point.groups.filter((g) => byGroup[g] !== undefined);
    if (present.length === 0) return null;
    if (point.simple) return alignGate(byGroup[point.groups[0]!]!, output.rank);
    // A removal point shared by several groups (e.g. BatchNormalization after a Concatenate): assemble the
    // multiplier channel by channel from slices of each group's gate and ones elsewhere.
    const aligned = new Map(present.map((g) => [g, alignGate(byGroup[g]!, output.rank)]));
    const batch = Math.max(...[...aligned.values()].map((a) => (a.rank === output.rank ? a.shape[0]! : 1)));
    const lead = batch === 1 ? [] : [batch, ...new Array<number>(Math.max(output.rank - 2, 0)).fill(1)];
    const pieces: tf.Tensor[] = [];
    for (const block of point.layout) {
      for (let p = 0; p < block.repeat; p++) {
        for (const s of block.segments) {
          const gate = s.source === FIXED_SOURCE ? undefined : aligned.get(s.source);
          if (!gate) {
            pieces.push(tf.ones([...lead, s.length]));
            continue;
          }
          const piece = tf.slice(
            gate,
            [...new Array<number>(gate.rank - 1).fill(0), s.start],
            [...gate.shape.slice(0, -1), s.length],
          );
          pieces.push(lead.length > 0 ? tf.broadcastTo(piece, [...lead, s.length]) : piece);
        }
      }
    }
    return tf.concat(pieces, -1);
  };
}

/** The channels of group `g` out of a tensor laid out as `layout`, in filter order (per position when flat). */
function groupChannels(output: tf.Tensor, layout: ChannelLayout, g: number, size: number): tf.Tensor {
  const rows: number[][] = [];
  let index = 0;
  for (const block of layout) {
    for (let p = 0; p < block.repeat; p++) {
      let row: number[] | undefined;
      for (const segment of block.segments) {
        if (segment.source === g) {
          row ??= new Array<number>(size).fill(0);
          for (let c = 0; c < segment.length; c++) row[segment.start + c] = index + c;
        }
        index += segment.length;
      }
      if (row) rows.push(row);
    }
  }
  const gathered = tf.gather(output, tf.tensor1d(rows.flat(), "int32"), output.rank - 1);
  return rows.length <= 1 ? gathered : tf.reshape(gathered, [output.shape[0]!, rows.length, size]);
}
