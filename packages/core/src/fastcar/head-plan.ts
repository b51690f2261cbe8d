/**
 * The head plan: the group feeds the output Dense layer through per-channel layers only, so removing filter f
 * changes the logits by exactly Δ_f = Σ_p x[p, f] · W[p·C + f, :], x being the Dense layer's input (channel f
 * at flattened position p is index p·C + f). Δ is computed for every filter of a chunk at once (one batched
 * product over the filters), read back, and from then on scoring a filter is a subtraction in JavaScript:
 * no forward pass at all. In greedy pruning
 * the chunk state stays valid after a removal of this group: the base logits z become z − Δ_f.
 */
import * as tf from "@tensorflow/tfjs-core";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import type { MaskSet } from "./executor.js";
import { BYTES_PER_FLOAT } from "./memory.js";
import type { HeadPlanSpec } from "./plan.js";
import type { ChunkState, PlanRunner, RowVisitor } from "./runner.js";

interface HeadState extends ChunkState {
  /** Base logits, images × classes, in float64 so that z − Δ_f is the exact value scored for f. */
  logits: Float64Array;
  /** Δ, filters × images × classes. */
  delta: Float32Array;
}

export class HeadPlanRunner implements PlanRunner {
  readonly kind = "head" as const;
  readonly group: number;
  readonly captureSlots: readonly number[];
  readonly stopAfter: number;
  readonly lastCapturedStep: number;
  readonly stateBytesPerImage: number;
  readonly workBytesPerImage: number;
  lastStacked = 0;
  /** The Dense kernel by filter: [C, P, classes]. */
  private readonly filterKernels: tf.Tensor3D;
  private readonly biasValues?: Float32Array;
  private readonly classes: number;
  private readonly channels: number;
  private readonly positions: number;
  private readonly rowKind: "logits" | "softmax-logits";

  constructor(
    analysis: GraphAnalysis,
    private readonly spec: HeadPlanSpec,
  ) {
    const { topology } = analysis;
    const layer = topology.steps[spec.linearStep]!.layer;
    const [kernel, bias] = layer.getWeights();
    if (bias) this.biasValues = bias.dataSync() as Float32Array;
    this.classes = kernel!.shape[1]!;
    this.channels = spec.size;
    this.positions = spec.positions;
    this.filterKernels = tf.tidy(() =>
      tf.transpose(tf.reshape(kernel!, [this.positions, this.channels, this.classes]), [1, 0, 2]),
    );
    this.group = spec.group;
    this.captureSlots = [spec.inputSlot];
    this.stopAfter = topology.producerStep[spec.inputSlot]!;
    this.lastCapturedStep = this.stopAfter;
    this.rowKind = spec.activation === "softmax" ? "softmax-logits" : "logits";
    const inputFloats = this.positions * this.channels;
    // State: z (float64) and Δ; work: the input, read back once.
    this.stateBytesPerImage = this.classes * 8 + this.channels * this.classes * BYTES_PER_FLOAT;
    this.workBytesPerImage = 2 * inputFloats * BYTES_PER_FLOAT;
  }

  prepare(captured: Map<number, tf.Tensor>, images: number): HeadState {
    const x = captured.get(this.spec.inputSlot)!;
    const { classes, channels, positions } = this;
    let delta: Float32Array;
    try {
      // Δ[f] = x[:, :, f] · W_f for every filter f in one batched product: [C, n, P] × [C, P, classes].
      const product = tf.tidy(() =>
        tf.matMul(tf.transpose(tf.reshape(x, [images, positions, channels]), [2, 0, 1]), this.filterKernels),
      );
      try {
        delta = product.dataSync() as Float32Array;
      } finally {
        product.dispose();
      }
    } finally {
      x.dispose();
    }
    // z = b + Σ_c Δ_c, so that z − Δ_f is exactly the logits without f's contribution as summed here.
    const logits = new Float64Array(images * classes);
    for (let i = 0; i < images; i++) {
      for (let k = 0; k < classes; k++) logits[i * classes + k] = this.biasValues ? this.biasValues[k]! : 0;
    }
    for (let c = 0; c < channels; c++) {
      const block = c * images * classes;
      for (let j = 0; j < images * classes; j++) logits[j]! += delta[block + j]!;
    }
    return { images, bytes: logits.byteLength + delta.byteLength, logits, delta, dispose: () => undefined };
  }

  removeFromState(state: ChunkState, filters: readonly number[]): void {
    const { logits, delta, images } = state as HeadState;
    const { classes } = this;
    for (const f of filters) withoutFilter(logits, logits, delta, f * images * classes);
  }

  async evaluate(
    state: ChunkState,
    filters: readonly number[],
    _masks: MaskSet,
    _maxStacked: number,
    visit: RowVisitor,
  ): Promise<void> {
    const { logits, delta, images } = state as HeadState;
    const values = images * this.classes;
    this.lastStacked = 0;
    visit(null, logits, this.rowKind, 0);
    const rows = new Float64Array(values);
    for (const f of filters) {
      withoutFilter(rows, logits, delta, f * values);
      visit(f, rows, this.rowKind, 0);
    }
  }

  dispose(): void {
    this.filterKernels.dispose();
  }
}

/**
 * out = logits − Δ[from…]: the logits without one filter. A function of its own so that V8 optimizes this
 * loop once, instead of recompiling the (async) method around it on every call.
 */
function withoutFilter(out: Float64Array, logits: Float64Array, delta: Float32Array, from: number): void {
  for (let j = 0; j < out.length; j++) out[j] = logits[j]! - delta[from + j]!;
}
