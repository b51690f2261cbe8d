/**
 * The next-linear plan: the group reaches a hidden Conv2D or Dense layer L through per-channel layers only.
 * Per chunk, L's pre-activation z = L(x) is computed once (with a following BatchNormalization folded in:
 * BN(z) = s·z + t per channel, so the kernel becomes s·W and the bias s·b + t). Removing filter f subtracts
 * the contribution of channel f alone, c_f = conv(x_f, W[:, :, f, :]) — a one-input-channel convolution —
 * or x_f · W[rows of f] for a Dense; then only the layers after L run. In greedy pruning the state stays
 * valid after a removal of this group: z becomes z − c_f.
 *
 * The state is held in pieces of a few dozen images (about PIECE_BYTES of z each) and every filter runs
 * piece by piece: each op of a filter's pass then reads and writes a tensor that stays in the CPU's cache,
 * where on a whole chunk the subtraction and the pooling wait on memory (MNIST's conv1: 1.5× faster).
 *
 * On the cpu and wasm backends, the common chain Conv2D → [BatchNorm] → ReLU → [MaxPool] → Flatten → output
 * Dense runs in Carve's own WebAssembly kernel instead (next-linear-kernel.ts), the state in its memory.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import { activationName, configPair, layerConfig } from "../graph/layer-kinds.js";
import type { Executor, MaskSet, StepReplacement } from "./executor.js";
import { batchNormAffine } from "./fast-forward.js";
import { type CompiledSuffix, activationOp, compileSuffix } from "./fast-suffix.js";
import { BYTES_PER_FLOAT, peakLiveFloats, slotFloats } from "./memory.js";
import {
  FusedState,
  FusedWeights,
  fusedChain,
  fusedStateBytesPerImage,
  kernelModule,
} from "./next-linear-kernel.js";
import type { NextLinearPlanSpec } from "./plan.js";
import { type ChunkState, type PlanRunner, type RowVisitor, tensorBytes } from "./runner.js";
import { readValues } from "./tensor-values.js";

/** Bytes of z per piece of images: small enough for the CPU's cache, large enough to amortize an op's cost. */
const PIECE_BYTES = 2 * 1024 * 1024;

interface StatePiece {
  /** Index of the piece's first image in the chunk. */
  first: number;
  images: number;
  /** Channel f of L's input, per filter: [images, H, W, 1] (Conv2D) or [images, P] (Dense). */
  channels: tf.Tensor[];
  /** L's pre-activation (BatchNormalization folded in when there is one). */
  z: tf.Tensor;
}

interface NextLinearState extends ChunkState {
  pieces: StatePiece[];
}

interface ConvArgs {
  strides: [number, number];
  padding: "same" | "valid";
  dilations: [number, number];
}

export class NextLinearPlanRunner implements PlanRunner {
  readonly kind = "next-linear" as const;
  readonly group: number;
  readonly captureSlots: readonly number[];
  readonly stopAfter: number;
  readonly lastCapturedStep: number;
  readonly stateBytesPerImage: number;
  readonly workBytesPerImage: number;
  lastStacked = 0;
  private readonly kernel: tf.Tensor;
  private readonly bias?: tf.Tensor1D;
  private readonly conv?: ConvArgs;
  private readonly activation?: (x: tf.Tensor) => tf.Tensor;
  private activationLayer?: tfl.layers.Layer;
  private readonly filterKernels = new Map<number, tf.Tensor>();
  private readonly resumeSlot: number;
  /** The layers after L as plain ops, when they form a chain fast-suffix.ts knows. */
  private readonly suffix?: CompiledSuffix;
  /** z computed by the base forward pass through `replacement()`, for the next `prepare`. */
  private forwardZ?: tf.Tensor;
  /** The WebAssembly kernel and the weights in its layout, when the chain fits it and it is wanted. */
  private readonly fused?: { module: WebAssembly.Module; weights: FusedWeights };

  constructor(
    private readonly analysis: GraphAnalysis,
    private readonly executor: Executor,
    private readonly spec: NextLinearPlanSpec,
    /** Whether to use the WebAssembly kernel where the chain fits it. */
    useKernel: boolean,
  ) {
    const { topology } = analysis;
    const step = topology.steps[spec.linearStep]!;
    const layer = step.layer;
    const [rawKernel, rawBias] = layer.getWeights();
    const useBias = layerConfig(layer).useBias !== false && rawBias !== undefined;
    let scale: tf.Tensor1D | undefined;
    let shift: tf.Tensor1D | undefined;
    if (spec.foldedBatchNorm !== undefined) {
      [scale, shift] = batchNormAffine(topology.steps[spec.foldedBatchNorm]!.layer);
    }
    this.kernel = tf.tidy(() => (scale ? tf.mul(rawKernel!, scale) : tf.clone(rawKernel!)));
    const bias = tf.tidy(() => {
      if (!scale) return useBias ? tf.clone(rawBias!) : undefined;
      const b = useBias ? tf.mul(rawBias!, scale) : undefined;
      return b ? tf.add(b, shift!) : tf.clone(shift!);
    });
    if (bias) this.bias = bias as tf.Tensor1D;
    scale?.dispose();
    shift?.dispose();
    if (spec.layer === "conv2d") {
      const config = layerConfig(layer);
      this.conv = {
        strides: configPair(config.strides, 1),
        padding: config.padding === "same" ? "same" : "valid",
        dilations: configPair(config.dilationRate, 1),
      };
    }
    const name = spec.foldedBatchNorm === undefined ? activationName(layer) : "linear";
    if (name !== "linear") this.activation = activationOp(name) ?? this.layerActivation(name);
    this.group = spec.group;
    this.captureSlots = [spec.inputSlot];
    this.stopAfter = topology.producerStep[spec.inputSlot]!;
    this.lastCapturedStep = this.stopAfter;
    this.resumeSlot = topology.steps[spec.resumeStep]!.outputs[0]!;
    this.suffix = compileSuffix(analysis, spec.resumeStep + 1, name, spec.resumeStep);
    const inputFloats = slotFloats(analysis, spec.inputSlot);
    const zFloats = slotFloats(analysis, this.resumeSlot);
    this.stateBytesPerImage = (inputFloats + zFloats) * BYTES_PER_FLOAT;
    // Building the state holds x and z twice (tensors and their values read back); a filter's pass (x_f, c_f,
    // z − c_f, its activation, the rest of the network) holds less, and only for one piece of images.
    const suffix = peakLiveFloats(analysis, spec.resumeStep + 1, topology.steps.length - 1, [
      this.resumeSlot,
    ]);
    this.workBytesPerImage =
      Math.max(2 * (inputFloats + zFloats), inputFloats / spec.size + 3 * zFloats + suffix) * BYTES_PER_FLOAT;
    const chain = useKernel ? fusedChain(analysis, spec) : undefined;
    const module = chain && kernelModule();
    if (chain && module) {
      const dense = topology.steps[chain.denseStep]!.layer;
      this.fused = { module, weights: new FusedWeights(chain, this.kernel, dense) };
      this.stateBytesPerImage = Math.max(this.stateBytesPerImage, fusedStateBytesPerImage(chain.geometry));
    }
  }

  /** Whether chunk states run in the WebAssembly kernel. */
  get usesKernel(): boolean {
    return this.fused !== undefined;
  }

  /**
   * The values of `slots` (the output Dense layer's input, see FusedChain.flatSlots) for `state`'s images under
   * `masks`, from the state itself with no forward pass; undefined when `state` cannot provide them all. This
   * hands greedy pruning from this layer to the next: the next layer's head plan captures exactly these.
   */
  provide(state: ChunkState, slots: readonly number[], masks: MaskSet): Map<number, tf.Tensor> | undefined {
    const chain = this.fused?.weights.chain;
    if (!(state instanceof FusedState) || !chain || !slots.every((s) => chain.flatSlots.includes(s))) {
      return undefined;
    }
    const values = state.pooled(this.channelMask(masks));
    const width = values.length / state.images;
    return new Map(slots.map((s) => [s, tf.tensor2d(values, [state.images, width])]));
  }

  /** Lets the base forward pass compute L (and the folded BatchNormalization) from z, keeping z. */
  replacement(): StepReplacement {
    return {
      from: this.spec.linearStep,
      through: this.spec.resumeStep,
      compute: (x) => {
        this.forwardZ?.dispose();
        const z = this.linear(x, x.shape[0]!);
        this.forwardZ = z;
        return this.activation ? tf.tidy(() => this.activation!(z)) : tf.clone(z);
      },
    };
  }

  prepare(captured: Map<number, tf.Tensor>, images: number): ChunkState {
    if (this.fused) {
      const { module, weights } = this.fused;
      const x = captured.get(this.spec.inputSlot)!;
      const z = this.forwardZ ?? this.linear(x, images);
      this.forwardZ = undefined;
      let state: FusedState | undefined;
      try {
        state = readValues(x, (xs) =>
          readValues(z, (zs) => FusedState.create(weights, module, xs, zs, images)),
        );
      } finally {
        z.dispose();
      }
      if (state) {
        x.dispose();
        return state;
      }
      // Too large for one WebAssembly memory: the tfjs ops below (z is computed again).
    }
    return this.prepareTensors(captured, images);
  }

  private prepareTensors(captured: Map<number, tf.Tensor>, images: number): NextLinearState {
    const x = captured.get(this.spec.inputSlot)!;
    const channels = this.spec.size;
    const channelShape = this.conv ? [...x.shape.slice(1, 3), 1] : [this.spec.positions];
    const xPerImage = x.size / images;
    const perChannelImage = xPerImage / channels;
    // Values first, tensors after: the reads must not allocate (tensor-values.ts).
    const pieceValues: Array<{ first: number; images: number; channels: Float32Array[]; z: Float32Array }> =
      [];
    let zShape: number[];
    try {
      const z = this.forwardZ ?? this.linear(x, images);
      this.forwardZ = undefined;
      zShape = z.shape.slice(1);
      const zPerImage = z.size / images;
      // Equal pieces (250 images → 4 × 63 rather than 3 × 83 and a piece of 1: every op has a fixed cost).
      const most = Math.max(1, Math.floor(PIECE_BYTES / (zPerImage * BYTES_PER_FLOAT)));
      const perPiece = Math.ceil(images / Math.ceil(images / most));
      try {
        readValues(z, (values) => {
          for (let first = 0; first < images; first += perPiece) {
            const count = Math.min(perPiece, images - first);
            pieceValues.push({
              first,
              images: count,
              channels: [],
              z: values.slice(first * zPerImage, (first + count) * zPerImage),
            });
          }
        });
      } finally {
        z.dispose();
      }
      // Channels split in JavaScript: wasm's Slice reads the whole input back per call and its Gather walks
      // element by element, either of which would cost more than the filter's own work.
      readValues(x, (values) => {
        for (const piece of pieceValues) {
          const perChannel = piece.images * perChannelImage;
          const split = Array.from({ length: channels }, () => new Float32Array(perChannel));
          for (let i = piece.first * xPerImage, p = 0; p < perChannel; p++) {
            for (let c = 0; c < channels; c++, i++) split[c]![p] = values[i]!;
          }
          piece.channels = split;
        }
      });
    } finally {
      x.dispose();
    }
    const pieces: StatePiece[] = pieceValues.map((piece) => ({
      first: piece.first,
      images: piece.images,
      channels: piece.channels.map((data) => tf.tensor(data, [piece.images, ...channelShape])),
      z: tf.tensor(piece.z, [piece.images, ...zShape]),
    }));
    const state: NextLinearState = {
      images,
      bytes: tensorBytes(pieces.flatMap((p) => [...p.channels, p.z])),
      pieces,
      dispose: () => {
        for (const piece of state.pieces) tf.dispose([...piece.channels, piece.z]);
      },
    };
    return state;
  }

  removeFromState(state: ChunkState, filters: readonly number[]): void {
    if (state instanceof FusedState) {
      state.remove(filters);
      return;
    }
    for (const piece of (state as NextLinearState).pieces) {
      for (const f of filters) {
        const next = tf.tidy(() => tf.sub(piece.z, this.contribution(piece, f)));
        piece.z.dispose();
        piece.z = next;
      }
    }
  }

  async evaluate(
    state: ChunkState,
    filters: readonly number[],
    masks: MaskSet,
    _maxStacked: number,
    visit: RowVisitor,
    probe?: () => void,
  ): Promise<void> {
    if (state instanceof FusedState) {
      this.lastStacked = state.images;
      state.evaluate(filters, this.channelMask(masks), this.fused!.weights.chain.kind, visit);
      probe?.();
      return;
    }
    const s = state as NextLinearState;
    const suffix = this.suffix;
    const kind = suffix ? suffix.kind : this.executor.outputsProbabilities ? "probabilities" : "logits";
    const run = async (piece: StatePiece, filter: number | null) => {
      const output = tf.tidy(() => {
        const pre = filter === null ? piece.z : tf.sub(piece.z, this.contribution(piece, filter));
        probe?.();
        if (suffix) return suffix.run(pre, masks);
        let value = this.activation ? this.activation(pre) : pre;
        const mask = masks.get(this.spec.resumeStep);
        if (mask) value = tf.mul(value, mask);
        return this.executor.resume(
          this.spec.resumeStep + 1,
          new Map([[this.resumeSlot, value]]),
          (step) => masks.get(step) ?? null,
        );
      });
      try {
        visit(filter, await output.data(), kind, piece.first);
      } finally {
        output.dispose();
      }
    };
    // Piece by piece, the base network's rows of a piece before its filters' (RowVisitor's order).
    this.lastStacked = 0;
    for (const piece of s.pieces) {
      this.lastStacked = Math.max(this.lastStacked, piece.images);
      await run(piece, null);
      for (const f of filters) await run(piece, f);
    }
  }

  /** The removal masks on L's output channels multiplied into one (all ones when there is none). */
  private channelMask(masks: MaskSet): Float32Array {
    const { chain } = this.fused!.weights;
    const mask = new Float32Array(chain.geometry.channels).fill(1);
    for (const step of chain.channelSteps) {
      const values = masks.values(step);
      if (values) for (let c = 0; c < mask.length; c++) mask[c]! *= values[c]!;
    }
    return mask;
  }

  /** z = L(x) before L's activation, with the BatchNormalization folded in when there is one. */
  private linear(x: tf.Tensor, images: number): tf.Tensor {
    return tf.tidy(() => {
      const pre = this.conv
        ? tf.conv2d(
            x as tf.Tensor4D,
            this.kernel as tf.Tensor4D,
            this.conv.strides,
            this.conv.padding,
            "NHWC",
            this.conv.dilations,
          )
        : tf.matMul(tf.reshape(x, [images, -1]) as tf.Tensor2D, this.kernel as tf.Tensor2D);
      return this.bias ? tf.add(pre, this.bias) : pre;
    });
  }

  /** c_f: L's pre-activation from channel f of its input alone (no bias). Call inside tf.tidy. */
  private contribution(piece: StatePiece, f: number): tf.Tensor {
    const kernel = this.filterKernel(f);
    const xf = piece.channels[f]!;
    if (this.conv) {
      const { strides, dilations } = this.conv;
      // One input channel: a depthwise convolution with the output channels as its multiplier is the same
      // product and runs about twice as fast on wasm (XNNPACK's depthwise path). tfjs allows it unless both
      // strides and dilations exceed 1.
      if (strides.every((v) => v === 1) || dilations.every((v) => v === 1)) {
        return tf.depthwiseConv2d(
          xf as tf.Tensor4D,
          kernel as tf.Tensor4D,
          strides,
          this.conv.padding,
          "NHWC",
          dilations,
        );
      }
      return tf.conv2d(
        xf as tf.Tensor4D,
        kernel as tf.Tensor4D,
        this.conv.strides,
        this.conv.padding,
        "NHWC",
        this.conv.dilations,
      );
    }
    return tf.matMul(xf as tf.Tensor2D, kernel as tf.Tensor2D);
  }

  /** Channel f's slice of L's kernel: [kh, kw, 1, out] or the P rows p·C + f of a Dense kernel. Cached. */
  private filterKernel(f: number): tf.Tensor {
    let kernel = this.filterKernels.get(f);
    if (!kernel) {
      kernel = tf.tidy(() => {
        if (this.conv) {
          const [kh, kw, , out] = this.kernel.shape as [number, number, number, number];
          return tf.reshape(tf.gather(this.kernel, [f], 2), [kh, kw, 1, out]);
        }
        const channels = this.spec.size;
        const rows = Array.from({ length: this.spec.positions }, (_, p) => p * channels + f);
        return tf.gather(this.kernel, tf.tensor1d(rows, "int32"), 0);
      });
      // Callers run inside tf.tidy: the cached kernel must outlive it.
      tf.keep(kernel);
      this.filterKernels.set(f, kernel);
    }
    return kernel;
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias?.dispose();
    for (const kernel of this.filterKernels.values()) kernel.dispose();
    this.filterKernels.clear();
    this.activationLayer?.dispose();
    this.suffix?.dispose();
    this.forwardZ?.dispose();
    this.forwardZ = undefined;
  }

  /** tfjs-layers' own implementation of an activation without a direct tf op here. */
  private layerActivation(name: string): (x: tf.Tensor) => tf.Tensor {
    const layer = tfl.layers.activation({ activation: name as "relu" });
    this.activationLayer = layer;
    return (x) => layer.apply(x) as tf.Tensor;
  }
}
