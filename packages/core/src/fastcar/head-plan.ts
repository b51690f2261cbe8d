/**
 * The head plan: the group feeds the output Dense layer through per-channel layers only, so removing filter f
 * changes the logits by exactly Δ_f = Σ_p x[p, f] · W[p·C + f, :], x being the Dense layer's input (channel f
 * at flattened position p is index p·C + f). Δ is computed for every filter of a chunk at once, read back,
 * and from then on scoring a filter is a subtraction in JavaScript: no forward pass at all. In greedy pruning
 * the chunk state stays valid after a removal of this group: the base logits z become z − Δ_f.
 */
import type * as tf from "@tensorflow/tfjs-core";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import type { MaskSet } from "./executor.js";
import { BYTES_PER_FLOAT } from "./memory.js";
import type { HeadPlanSpec } from "./plan.js";
import type { ChunkState, PlanRunner, RowVisitor } from "./runner.js";

interface HeadState extends ChunkState {
  /** Base logits, images × classes, in float64 so that z − Δ_f is the exact value scored for f. */
  logits: Float64Array;
  /** Δ, images × filters × classes. */
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
  private readonly kernelValues: Float32Array;
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
    this.kernelValues = kernel!.dataSync() as Float32Array;
    if (bias) this.biasValues = bias.dataSync() as Float32Array;
    this.classes = kernel!.shape[1]!;
    this.channels = spec.size;
    this.positions = spec.positions;
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
    let values: Float32Array;
    try {
      values = x.dataSync() as Float32Array;
    } finally {
      x.dispose();
    }
    // Plain loops beat tfjs here: the products are tiny (classes wide) and ReLU zeros are skipped outright.
    const { classes, channels, positions } = this;
    const kernel = this.kernelValues;
    const delta = new Float32Array(images * channels * classes);
    for (let i = 0; i < images; i++) {
      for (let p = 0; p < positions; p++) {
        const row = (i * positions + p) * channels;
        for (let c = 0; c < channels; c++) {
          const v = values[row + c]!;
          if (v === 0) continue;
          const w = (p * channels + c) * classes;
          const d = (i * channels + c) * classes;
          for (let k = 0; k < classes; k++) delta[d + k]! += v * kernel[w + k]!;
        }
      }
    }
    // z = b + Σ_c Δ_c, so that z − Δ_f is exactly the logits without f's contribution as summed here.
    const logits = new Float64Array(images * classes);
    for (let i = 0; i < images; i++) {
      for (let k = 0; k < classes; k++) {
        let sum = this.biasValues ? this.biasValues[k]! : 0;
        for (let c = 0; c < channels; c++) sum += delta[(i * channels + c) * classes + k]!;
        logits[i * classes + k] = sum;
      }
    }
    return { images, bytes: logits.byteLength + delta.byteLength, logits, delta, dispose: () => undefined };
  }

  removeFromState(state: ChunkState, filters: readonly number[]): void {
    const { logits, delta, images } = state as HeadState;
    const { classes, channels } = this;
    for (const f of filters) {
      for (let i = 0; i < images; i++) {
        const d = (i * channels + f) * classes;
        for (let k = 0; k < classes; k++) logits[i * classes + k]! -= delta[d + k]!;
      }
    }
  }

  async evaluate(
    state: ChunkState,
    filters: readonly number[],
    _masks: MaskSet,
    _maxStacked: number,
    visit: RowVisitor,
  ): Promise<void> {
    const { logits, delta, images } = state as HeadState;
    const { classes, channels } = this;
    this.lastStacked = 0;
    visit(null, logits, this.rowKind, 0);
    const rows = new Float64Array(images * classes);
    for (const f of filters) {
      for (let i = 0; i < images; i++) {
        const d = (i * channels + f) * classes;
        const r = i * classes;
        for (let k = 0; k < classes; k++) rows[r + k] = logits[r + k]! - delta[d + k]!;
      }
      visit(f, rows, this.rowKind, 0);
    }
  }

  dispose(): void {}
}
