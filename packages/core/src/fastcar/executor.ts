/**
 * The forward pass the fast CAR engine is built on: the model's own layers run eagerly in topological order
 * (inference mode), each removal point's output multiplied by a 0/1 mask — the same operations, in the same
 * order, as `MaskedModel.predict`, so a pass from the input is bit-for-bit the naive method's pass. On top of
 * that it can stop early and hand back chosen intermediate tensors (the cached prefix), resume from cached
 * tensors, and run several masked copies stacked along the batch axis (per-copy gates).
 */
import * as tf from "@tensorflow/tfjs-core";

import { type GraphAnalysis, removedIndices } from "../graph/channel-graph.js";
import { FIXED_SOURCE, forEachChannel, layoutLength } from "../graph/channel-layout.js";
import type { FilterRemoval } from "../mask/index.js";
import { outputsProbabilities } from "../model/outputs.js";

/** 0/1 masks of the removal points a removal touches, by step index. Owns its tensors. */
export class MaskSet {
  private readonly byStep = new Map<number, tf.Tensor1D>();

  constructor(
    readonly removal: FilterRemoval,
    private readonly masks: ReadonlyMap<number, Float32Array>,
  ) {
    for (const [step, values] of masks) this.byStep.set(step, tf.tensor1d(values));
  }

  get(step: number): tf.Tensor1D | undefined {
    return this.byStep.get(step);
  }

  /** The mask's values, for code outside tfjs. */
  values(step: number): Float32Array | undefined {
    return this.masks.get(step);
  }

  dispose(): void {
    for (const mask of this.byStep.values()) mask.dispose();
    this.byStep.clear();
  }
}

/** Multiplier for a step's output in a resumed pass, or null to leave it as it is. */
export type StepMultiplier = (step: number, output: tf.Tensor) => tf.Tensor | null;

/**
 * Computes steps `from`…`through` of a forward pass at once from `from`'s (single) input, e.g. a linear layer
 * and the BatchNormalization folded into it, so that a plan can keep a by-product (its pre-activation).
 * Returns a tensor the pass owns.
 */
export interface StepReplacement {
  from: number;
  through: number;
  compute(input: tf.Tensor): tf.Tensor;
}

export class Executor {
  /** Removal step → the groups (indices into analysis.groups) whose channels are zeroed there. */
  readonly pointGroups = new Map<number, number[]>();
  /** Called after every layer of a pass, to note memory in use (see CarSession.probe). */
  probe?: () => void;
  /** Whether the model's output is probabilities (a final softmax) rather than logits. */
  readonly outputsProbabilities: boolean;
  private readonly groupIndex: Map<string, number>;

  constructor(readonly analysis: GraphAnalysis) {
    this.outputsProbabilities = outputsProbabilities(analysis.model);
    this.groupIndex = new Map(analysis.groups.map((g, i) => [g.id, i]));
    analysis.removalSteps.forEach((steps, g) => {
      for (const step of steps) {
        const list = this.pointGroups.get(step) ?? [];
        list.push(g);
        this.pointGroups.set(step, list);
      }
    });
  }

  indexOf(groupId: string): number {
    const g = this.groupIndex.get(groupId);
    if (g === undefined) throw new Error(`Executor: unknown group ${groupId}`);
    return g;
  }

  /** Removed filters per group index, as `removedIndices` wants them. */
  removedByGroup(removal: FilterRemoval): Array<ReadonlySet<number> | undefined> {
    const removed: Array<ReadonlySet<number> | undefined> = [];
    for (const [id, filters] of removal) if (filters.size > 0) removed[this.indexOf(id)] = filters;
    return removed;
  }

  /** The 0/1 mask of removal step `step` under `removal`, or undefined when it removes nothing there. */
  maskValues(step: number, removal: FilterRemoval): Float32Array | undefined {
    const layout = this.layoutOf(step);
    const indices = removedIndices(layout, this.removedByGroup(removal));
    if (indices.length === 0) return undefined;
    const values = new Float32Array(layoutLength(layout)).fill(1);
    for (const index of indices) values[index] = 0;
    return values;
  }

  masks(removal: FilterRemoval): MaskSet {
    const values = new Map<number, Float32Array>();
    for (const step of this.pointGroups.keys()) {
      const mask = this.maskValues(step, removal);
      if (mask) values.set(step, mask);
    }
    return new MaskSet(removal, values);
  }

  /** Layout of the (single) output of `step`. */
  layoutOf(step: number) {
    return this.analysis.layouts[this.analysis.topology.steps[step]!.outputs[0]!]!;
  }

  /** Indices along the last axis of `step`'s output that carry filter `filter` of group `g`. */
  channelIndices(step: number, g: number, filter: number): number[] {
    const out: number[] = [];
    forEachChannel(this.layoutOf(step), (index, source, channel) => {
      if (source !== FIXED_SOURCE && source === g && channel === filter) out.push(index);
    });
    return out;
  }

  /**
   * Runs steps 0…`stopAfter` (default: all) on `images` with `masks` applied, returning the model output (when
   * run to the end) and the tensors of the `capture` slots. Intermediate tensors are released after their last
   * use; the caller owns what is returned. Synchronous.
   */
  forward(
    images: tf.Tensor4D,
    masks: MaskSet,
    options: { stopAfter?: number; capture?: ReadonlySet<number>; replace?: readonly StepReplacement[] } = {},
  ): { output?: tf.Tensor; captured: Map<number, tf.Tensor> } {
    const { steps, inputSlots, outputSlots } = this.analysis.topology;
    const last = options.stopAfter ?? steps.length - 1;
    const values = new Map<number, tf.Tensor>([[inputSlots[0]!, images]]);
    const keep = new Set<number>(options.capture ?? []);
    const resultSlot = options.stopAfter === undefined ? outputSlots[0]! : undefined;
    if (resultSlot !== undefined) keep.add(resultSlot);
    const replace = new Map((options.replace ?? []).map((r) => [r.from, r]));
    this.runSteps(
      0,
      last,
      values,
      (step) => masks.get(step) ?? null,
      keep,
      new Set([inputSlots[0]!]),
      replace,
    );
    const captured = new Map<number, tf.Tensor>();
    for (const slot of options.capture ?? []) {
      // The images belong to the caller: hand over a copy.
      captured.set(slot, slot === inputSlots[0] ? tf.clone(images) : values.get(slot)!);
    }
    // Tensors that only steps after `stopAfter` would have read.
    for (const [slot, tensor] of values) {
      if (slot !== inputSlots[0] && !keep.has(slot)) tensor.dispose();
    }
    return {
      ...(resultSlot !== undefined ? { output: values.get(resultSlot)! } : {}),
      captured,
    };
  }

  /**
   * Runs steps `from`…end starting from `values` (slot → tensor; the caller keeps ownership of those) and
   * returns the model output, which the caller owns. `multiply` gives each step's output multiplier.
   */
  resume(from: number, values: ReadonlyMap<number, tf.Tensor>, multiply: StepMultiplier): tf.Tensor {
    const { steps, outputSlots } = this.analysis.topology;
    const live = new Map(values);
    const resultSlot = outputSlots[0]!;
    if (live.has(resultSlot) && from >= steps.length) return tf.clone(live.get(resultSlot)!);
    this.runSteps(from, steps.length - 1, live, multiply, new Set([resultSlot]), new Set(values.keys()));
    return live.get(resultSlot)!;
  }

  /**
   * Slots produced by steps ≤ `cut` (or fed by the caller) that steps after `cut` read: what a resumed pass from
   * `cut + 1` needs.
   */
  frontier(cut: number): number[] {
    const { consumers, producerStep, slotCount } = this.analysis.topology;
    const out: number[] = [];
    for (let slot = 0; slot < slotCount; slot++) {
      if (producerStep[slot]! <= cut && consumers[slot]!.some((c) => c > cut)) out.push(slot);
    }
    return out;
  }

  private runSteps(
    from: number,
    to: number,
    values: Map<number, tf.Tensor>,
    multiply: StepMultiplier,
    keep: ReadonlySet<number>,
    external: ReadonlySet<number>,
    replace: ReadonlyMap<number, StepReplacement> = new Map(),
  ): void {
    const { steps } = this.analysis.topology;
    // Uses left per slot within [from, to]; a slot is released when its last reader in the range has run.
    const pending = new Map<number, number>();
    for (let i = from; i <= to; i++) {
      for (const s of steps[i]!.inputs) pending.set(s, (pending.get(s) ?? 0) + 1);
    }
    const kwargs = { training: false };
    for (let i = from; i <= to; i++) {
      const step = steps[i]!;
      const inputs = step.inputs.map((s) => values.get(s)!);
      const found = replace.get(i);
      const replacement = found && found.through <= to ? found : undefined;
      // A replaced run of steps only reads its first step's input; the slots inside it never exist.
      const target = replacement ? replacement.through : i;
      let output = replacement
        ? replacement.compute(inputs[0]!)
        : (step.layer.apply(inputs.length === 1 ? inputs[0]! : inputs, kwargs) as tf.Tensor);
      const factor = multiply(target, output);
      if (factor) {
        const masked = tf.mul(output, factor);
        output.dispose();
        output = masked;
      }
      values.set(steps[target]!.outputs[0]!, output);
      this.probe?.();
      for (const s of step.inputs) {
        const left = pending.get(s)! - 1;
        pending.set(s, left);
        if (left === 0 && !keep.has(s) && !external.has(s)) {
          values.get(s)!.dispose();
          values.delete(s);
        }
      }
      i = target;
    }
  }
}
