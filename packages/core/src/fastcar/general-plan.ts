/**
 * The general plan, exact for every topology the channel graph supports (Add-coupled groups, depthwise
 * members, several removal points, branches): the network up to the group's first removal point does not
 * depend on which of the group's filters is removed, so it runs once per chunk (the base forward pass) and
 * its frontier — the tensors the rest of the network reads — is kept. Each filter then costs only the rest of
 * the network, and several filters share one pass: copy k of the frontier gets filter f_k's gate (its
 * channels zeroed) at every removal point of the group, the copies stacked along the batch axis, as many as
 * the memory budget allows. The arithmetic per image is the naive masked pass's (value × 1 or × 0, then the
 * same layers), so results are the naive method's bit for bit.
 */
import * as tf from "@tensorflow/tfjs-core";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import { layoutLength } from "../graph/channel-layout.js";
import type { Executor, MaskSet } from "./executor.js";
import { BYTES_PER_FLOAT, peakLiveFloats, slotFloats } from "./memory.js";
import type { GeneralPlanSpec } from "./plan.js";
import { type ChunkState, type PlanRunner, type RowVisitor, tensorBytes } from "./runner.js";

interface GeneralState extends ChunkState {
  frontier: Map<number, tf.Tensor>;
}

export class GeneralPlanRunner implements PlanRunner {
  readonly kind = "general" as const;
  readonly group: number;
  readonly captureSlots: readonly number[];
  readonly stopAfter: number;
  readonly lastCapturedStep: number;
  readonly stateBytesPerImage: number;
  readonly workBytesPerImage: number;
  lastStacked = 0;
  private readonly gated: ReadonlySet<number>;
  private readonly cutSlot: number;

  constructor(
    private readonly analysis: GraphAnalysis,
    private readonly executor: Executor,
    private readonly spec: GeneralPlanSpec,
  ) {
    const { topology } = analysis;
    this.group = spec.group;
    this.captureSlots = spec.frontier;
    this.stopAfter = spec.cut;
    this.lastCapturedStep = spec.cut;
    this.gated = new Set(spec.gatedSteps);
    this.cutSlot = topology.steps[spec.cut]!.outputs[0]!;
    this.stateBytesPerImage =
      spec.frontier.reduce((sum, slot) => sum + slotFloats(analysis, slot), 0) * BYTES_PER_FLOAT;
    // Per stacked copy of one image: the copy of the frontier and the rest of the network, with half as much
    // again for what layers allocate inside (e.g. BatchNormalization's intermediate ops) and the gates.
    this.workBytesPerImage =
      1.5 *
      peakLiveFloats(analysis, spec.cut + 1, topology.steps.length - 1, spec.frontier) *
      BYTES_PER_FLOAT;
  }

  prepare(captured: Map<number, tf.Tensor>, images: number): GeneralState {
    const frontier = new Map(captured);
    return {
      images,
      bytes: tensorBytes([...frontier.values()]),
      frontier,
      dispose: () => {
        for (const t of frontier.values()) t.dispose();
        frontier.clear();
      },
    };
  }

  removeFromState(state: ChunkState, filters: readonly number[]): void {
    const { frontier } = state as GeneralState;
    const { producerStep } = this.analysis.topology;
    for (const [slot, tensor] of frontier) {
      const step = producerStep[slot]!;
      if (!this.gated.has(step)) continue;
      const values = new Float32Array(layoutLength(this.executor.layoutOf(step))).fill(1);
      for (const f of filters)
        for (const index of this.executor.channelIndices(step, this.group, f)) values[index] = 0;
      const next = tf.tidy(() => tf.mul(tensor, tf.tensor1d(values)));
      tensor.dispose();
      frontier.set(slot, next);
    }
  }

  async evaluate(
    state: ChunkState,
    filters: readonly number[],
    masks: MaskSet,
    maxStacked: number,
    visit: RowVisitor,
    probe?: () => void,
  ): Promise<void> {
    const { frontier, images } = state as GeneralState;
    const kind = this.executor.outputsProbabilities ? "probabilities" : "logits";
    const classes = this.analysis.model.outputs[0]!.shape[1] as number;
    const perPass = Math.max(1, Math.floor(maxStacked));
    const imagesPerPass = Math.min(images, perPass);
    const copies = Math.max(1, Math.min(filters.length, Math.floor(perPass / imagesPerPass)));
    this.lastStacked = 0;
    const from = this.spec.cut + 1;
    const baseMultiplier = (step: number) => masks.get(step) ?? null;

    for (let first = 0; first < images; first += imagesPerPass) {
      const count = Math.min(imagesPerPass, images - first);
      this.lastStacked = Math.max(this.lastStacked, count);
      const output = tf.tidy(() =>
        this.executor.resume(from, sliceImages(frontier, first, count, images), baseMultiplier),
      );
      try {
        visit(null, await output.data(), kind, first);
      } finally {
        output.dispose();
      }
    }

    for (let start = 0; start < filters.length; start += copies) {
      const batch = filters.slice(start, start + copies);
      const gates = this.gates(batch, masks);
      try {
        for (let first = 0; first < images; first += imagesPerPass) {
          const count = Math.min(imagesPerPass, images - first);
          const k = batch.length;
          this.lastStacked = Math.max(this.lastStacked, k * count);
          const output = tf.tidy(() => {
            const values = new Map<number, tf.Tensor>();
            for (const [slot, tensor] of sliceImages(frontier, first, count, images)) {
              const gate = slot === this.cutSlot ? gates.get(this.spec.cut) : undefined;
              values.set(slot, gate ? stackGated(tensor, gate, k) : tf.concat(new Array(k).fill(tensor), 0));
              // A gathered slice is not needed once stacked (the chunk's own tensors stay).
              if (tensor !== frontier.get(slot)) tensor.dispose();
            }
            probe?.();
            return this.executor.resume(from, values, (step, out) => {
              const gate = gates.get(step);
              if (!gate) return masks.get(step) ?? null;
              return perImageGate(gate, count, out.rank);
            });
          });
          try {
            const rows = await output.data();
            for (let c = 0; c < k; c++) {
              visit(batch[c]!, rows.subarray(c * count * classes, (c + 1) * count * classes), kind, first);
            }
          } finally {
            output.dispose();
          }
        }
      } finally {
        for (const gate of gates.values()) gate.dispose();
      }
    }
  }

  /** Per gated step, a [copies, L] gate: the base mask with copy k's filter zeroed too. */
  private gates(filters: readonly number[], masks: MaskSet): Map<number, tf.Tensor2D> {
    const out = new Map<number, tf.Tensor2D>();
    for (const step of this.gated) {
      const length = layoutLength(this.executor.layoutOf(step));
      const base = this.executor.maskValues(step, masks.removal);
      const values = new Float32Array(filters.length * length);
      filters.forEach((f, k) => {
        const row = values.subarray(k * length, (k + 1) * length);
        if (base) row.set(base);
        else row.fill(1);
        for (const index of this.executor.channelIndices(step, this.group, f)) row[index] = 0;
      });
      out.set(step, tf.tensor2d(values, [filters.length, length]));
    }
    return out;
  }

  dispose(): void {}
}

/** Images `first`…`first + count − 1` of every tensor (the tensors themselves when that is all of them). */
function sliceImages(
  tensors: ReadonlyMap<number, tf.Tensor>,
  first: number,
  count: number,
  images: number,
): Map<number, tf.Tensor> {
  const out = new Map<number, tf.Tensor>();
  if (first === 0 && count === images) return new Map(tensors);
  // Gathered, not sliced: wasm's Slice reads the whole input back for every call.
  const rows = tf.range(first, first + count, 1, "int32");
  for (const [slot, t] of tensors) out.set(slot, tf.gather(t, rows, 0));
  return out;
}

/** k gated copies of `tensor` ([n, …, L]) stacked along the batch axis: copy c is tensor × gate[c]. */
function stackGated(tensor: tf.Tensor, gate: tf.Tensor2D, k: number): tf.Tensor {
  const [n, ...rest] = tensor.shape;
  const length = rest[rest.length - 1]!;
  const expanded = tf.reshape(tensor, [1, n!, ...rest]);
  const g = tf.reshape(gate, [k, 1, ...new Array<number>(rest.length - 1).fill(1), length]);
  return tf.reshape(tf.mul(expanded, g), [k * n!, ...rest]);
}

/** A [k, L] gate as a per-image multiplier [k·count, 1, …, 1, L] for an output of rank `rank`. */
function perImageGate(gate: tf.Tensor2D, count: number, rank: number): tf.Tensor {
  const [k, length] = gate.shape;
  const repeated = tf.broadcastTo(tf.reshape(gate, [k, 1, length]), [k, count, length]);
  return tf.reshape(repeated, [k * count, ...new Array<number>(Math.max(rank - 2, 0)).fill(1), length]);
}
