/**
 * Carve's own WebAssembly SIMD kernel for the next-linear plan's most common chain (source:
 * `assembly/next-linear.ts`, built into `dist/wasm/` by `npm run build`):
 *
 *     Conv2D L (stride 1, no dilation) → [folded BatchNormalization] → ReLU → [MaxPooling2D] → Flatten → Dense
 *
 * with only inference-time dropout in between and the Dense the model's output (linear or softmax). On it a
 * filter's pass is a string of small ops — the one-channel convolution, z − c, pooling, ReLU, the Dense — and
 * on tfjs's cpu and wasm backends each op's fixed cost and its trip through memory outweigh its arithmetic.
 * The kernel runs the whole pass per image in one loop over data in the CPU's cache: it skips the zeros of
 * the ReLU'd input, pools before the ReLU, and takes only the pooled cells that change through the Dense
 * rows onto the base network's logits. Same arithmetic in another order: the values agree with tfjs's to
 * rounding, which the engine's tie recheck settles as it does for any plan.
 *
 * A chunk's state lives in a range of the kernel's one memory (see Arena); `fusedChain` says whether a plan's
 * chain fits, and a chunk the memory cannot grow to hold keeps the tfjs ops.
 */
import { readFileSync } from "node:fs";

import * as tf from "@tensorflow/tfjs-core";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import { activationName, configPair, INFERENCE_IDENTITY_CLASSES, layerConfig } from "../graph/layer-kinds.js";
import type { ChunkState, RowKind, RowVisitor } from "./runner.js";
import type { NextLinearPlanSpec } from "./plan.js";

/** Shapes of the chain, per image. */
export interface FusedGeometry {
  /** L's input channel x_f: height × width; filters in the group. */
  height: number;
  width: number;
  filters: number;
  /** L's kernel and its padding above and left of the input. */
  kernelHeight: number;
  kernelWidth: number;
  padTop: number;
  padLeft: number;
  /** L's output: height × width × channels. */
  outHeight: number;
  outWidth: number;
  channels: number;
  /** The pooling window and strides (1 × 1 without pooling) and the pooled grid. */
  poolHeight: number;
  poolWidth: number;
  strideHeight: number;
  strideWidth: number;
  pooledHeight: number;
  pooledWidth: number;
  classes: number;
}

/** A plan's chain as the kernel sees it. */
export interface FusedChain {
  geometry: FusedGeometry;
  /** Steps whose removal masks act on L's output channels (multiplied into one mask). */
  channelSteps: number[];
  /** The output Dense layer's step. */
  denseStep: number;
  /** Slots holding the Dense layer's input (the Flatten's output and inference-time identities after it). */
  flatSlots: number[];
  kind: RowKind;
}

/** The chain after the plan's Conv2D when the kernel computes it exactly, else undefined. */
export function fusedChain(analysis: GraphAnalysis, spec: NextLinearPlanSpec): FusedChain | undefined {
  if (spec.layer !== "conv2d") return undefined;
  const { steps, consumers, outputSlots, producerStep } = analysis.topology;
  const linear = steps[spec.linearStep]!;
  const config = layerConfig(linear.layer);
  if (config.dataFormat === "channelsFirst") return undefined;
  if (
    configPair(config.strides, 1).some((s) => s !== 1) ||
    configPair(config.dilationRate, 1).some((d) => d !== 1)
  ) {
    return undefined;
  }
  const inputShape = steps[producerStep[spec.inputSlot]!]!.outputShapes[0]!;
  const outShape = linear.outputShapes[0]!;
  const kernelShape = linear.layer.getWeights()[0]!.shape;
  const [kernelHeight, kernelWidth] = kernelShape as [number, number];
  const same = config.padding === "same";
  if (!same && config.padding !== "valid") return undefined;

  // Walk the single-consumer chain after L (or its folded BatchNormalization).
  const channelSteps = [spec.resumeStep];
  let relu = spec.foldedBatchNorm === undefined && activationName(linear.layer) === "relu";
  if (!relu && !(spec.foldedBatchNorm !== undefined || activationName(linear.layer) === "linear")) {
    return undefined;
  }
  let pool: { size: [number, number]; strides: [number, number] } | undefined;
  let flattened = false;
  const flatSlots: number[] = [];
  for (let i = spec.resumeStep + 1; i < steps.length; i++) {
    const step = steps[i]!;
    const previous = steps[i - 1]!.outputs[0]!;
    if (step.inputs.length !== 1 || step.inputs[0] !== previous || consumers[previous]!.length !== 1) {
      return undefined;
    }
    const className = step.layer.getClassName();
    const stepConfig = layerConfig(step.layer);
    if (INFERENCE_IDENTITY_CLASSES.has(className)) {
      if (flattened) flatSlots.push(step.outputs[0]!);
      else channelSteps.push(i);
      continue;
    }
    if (flattened) {
      // Only the output Dense may follow the Flatten.
      const last = i === steps.length - 1 && outputSlots.includes(step.outputs[0]!);
      const activation = className === "Dense" ? activationName(step.layer) : "";
      if (!last || (activation !== "softmax" && activation !== "linear")) return undefined;
      const classes = Number(step.outputShapes[0]!.at(-1));
      const channels = Number(outShape[3]);
      const pooledCells = steps[i - 1]!.outputShapes[0]!.slice(1).reduce<number>((a, b) => a * (b ?? 0), 1);
      const rows = step.layer.getWeights()[0]!.shape[0];
      if (analysis.removalSteps.some((points) => points.some((s) => s > channelSteps.at(-1)!))) {
        return undefined;
      }
      const [poolHeight, poolWidth] = pool?.size ?? [1, 1];
      const [strideHeight, strideWidth] = pool?.strides ?? [1, 1];
      const outHeight = Number(outShape[1]);
      const outWidth = Number(outShape[2]);
      const pooledHeight = Math.floor((outHeight - poolHeight) / strideHeight) + 1;
      const pooledWidth = Math.floor((outWidth - poolWidth) / strideWidth) + 1;
      // The Dense reads exactly the pooled cells × channels, channel fastest.
      if (rows !== pooledHeight * pooledWidth * channels || pooledCells !== rows) return undefined;
      return {
        geometry: {
          height: Number(inputShape[1]),
          width: Number(inputShape[2]),
          filters: spec.size,
          kernelHeight,
          kernelWidth,
          padTop: same ? Math.floor((kernelHeight - 1) / 2) : 0,
          padLeft: same ? Math.floor((kernelWidth - 1) / 2) : 0,
          outHeight,
          outWidth,
          channels,
          poolHeight,
          poolWidth,
          strideHeight,
          strideWidth,
          pooledHeight,
          pooledWidth,
          classes,
        },
        channelSteps,
        denseStep: i,
        flatSlots,
        kind: activation === "softmax" ? "softmax-logits" : "logits",
      };
    }
    if (className === "Activation" || className === "ReLU") {
      const plainRelu =
        className === "ReLU"
          ? stepConfig.maxValue == null && !stepConfig.threshold && !stepConfig.negativeSlope
          : activationName(step.layer) === "relu";
      if (relu || pool || !plainRelu) return undefined;
      relu = true;
      channelSteps.push(i);
      continue;
    }
    if (className === "MaxPooling2D") {
      if (!relu || pool || stepConfig.padding === "same" || stepConfig.dataFormat === "channelsFirst") {
        return undefined;
      }
      const size = configPair(stepConfig.poolSize, 2);
      pool = { size, strides: configPair(stepConfig.strides ?? stepConfig.poolSize, size[0]) };
      channelSteps.push(i);
      continue;
    }
    const flattenLike =
      className === "Flatten" ||
      (className === "Reshape" &&
        Array.isArray(stepConfig.targetShape) &&
        stepConfig.targetShape.length === 1);
    if (flattenLike && relu) {
      flattened = true;
      flatSlots.push(step.outputs[0]!);
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** The built kernel, compiled once; undefined when the build output is missing or SIMD is unsupported. */
let compiled: WebAssembly.Module | null | undefined;

export function kernelModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    try {
      // src/fastcar and dist/fastcar are both two levels below the package root.
      const bytes = readFileSync(new URL("../../dist/wasm/next-linear.wasm", import.meta.url));
      compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

interface KernelExports {
  configure(...geometry: number[]): void;
  baseImages(
    images: number,
    z: number,
    mask: number,
    dense: number,
    bias: number,
    p0: number,
    acc: number,
    logits: number,
    out: number,
  ): void;
  filterImages(
    images: number,
    winograd: boolean,
    x: number,
    w: number,
    z: number,
    mask: number,
    dense: number,
    p0: number,
    logits: number,
    acc: number,
    scratch: number,
    out: number,
  ): void;
  removeImages(images: number, winograd: boolean, x: number, w: number, z: number, scratch: number): void;
}

const PAGE_BYTES = 65536;
/** wasm32's largest memory. */
const MAX_PAGES = 65536;
/** A memory larger than this is let go when its last state goes (below it, it is kept for the next run). */
const KEEP_BYTES = 256 * 1024 * 1024;

/**
 * One WebAssembly memory for every chunk state, with the kernel instantiated on it once. A fresh memory's
 * pages fault on first touch — on these machines that takes as long as building the state (~60 ms for 24 MB)
 * — and greedy pruning drops and builds states at every step, in chunks whose size follows the race's
 * schedule, so states take page ranges of one memory that grows to its high-water mark and keeps it, as
 * tfjs keeps its heap (up to KEEP_BYTES once nothing lives in it).
 */
class Arena {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  readonly kernel: KernelExports;
  /** Bytes of the live states' ranges. */
  live = 0;
  private view = new Float32Array(this.memory.buffer);
  /** Released ranges below `top`, by address, none adjacent to another or to `top`. */
  private readonly free: Array<{ at: number; bytes: number }> = [];
  /** End of the ranges handed out so far; the first page stays unused, so no buffer is at address 0. */
  private top = PAGE_BYTES;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernel = instance.exports as unknown as KernelExports;
  }

  /** The memory's floats (a new view after the memory grew). */
  get floats(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** A range of at least `bytes`, page-aligned; undefined when the memory cannot grow that far. */
  allocate(bytes: number): { at: number; bytes: number } | undefined {
    const size = Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
    const fit = this.free.findIndex((range) => range.bytes >= size);
    let at: number;
    if (fit >= 0) {
      const range = this.free[fit]!;
      at = range.at;
      range.at += size;
      range.bytes -= size;
      if (range.bytes === 0) this.free.splice(fit, 1);
    } else {
      const pages = Math.ceil((this.top + size) / PAGE_BYTES);
      if (pages > MAX_PAGES) return undefined;
      const have = this.memory.buffer.byteLength / PAGE_BYTES;
      if (pages > have) this.memory.grow(pages - have);
      at = this.top;
      this.top += size;
    }
    this.live += size;
    return { at, bytes: size };
  }

  release(range: { at: number; bytes: number }): void {
    this.live -= range.bytes;
    let i = this.free.findIndex((r) => r.at > range.at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { ...range });
    // Merge with the neighbours, then give the last range back to the top.
    const next = this.free[i + 1];
    if (next && range.at + range.bytes === next.at) {
      this.free[i]!.bytes += next.bytes;
      this.free.splice(i + 1, 1);
    }
    const previous = this.free[i - 1];
    if (previous && previous.at + previous.bytes === range.at) {
      previous.bytes += this.free[i]!.bytes;
      this.free.splice(i, 1);
    }
    const last = this.free.at(-1);
    if (last && last.at + last.bytes === this.top) {
      this.top = last.at;
      this.free.pop();
    }
  }
}

let arena: Arena | undefined;

function arenaFor(module: WebAssembly.Module): Arena {
  arena ??= new Arena(module);
  return arena;
}

/** Memory the kernel holds outside tfjs: live chunk states, and the rest of its memory kept for reuse. */
export function kernelMemory(): { live: number; kept: number } {
  if (!arena) return { live: 0, kept: 0 };
  return { live: arena.live, kept: arena.memory.buffer.byteLength - arena.live };
}

/** Channels padded to the kernel's blocks of 32 (8 vectors held in registers). */
const paddedChannels = (n: number) => Math.ceil(n / 32) * 32;

/** Byte offsets of the buffers in a state's memory (16-aligned; nothing at 0). */
interface Layout {
  mask: number;
  bias: number;
  acc: number;
  scratch: number;
  kernels: number;
  winograd: number;
  dense: number;
  p0: number;
  logits: number;
  out: number;
  z: number;
  x: number;
  end: number;
}

function layout(g: FusedGeometry, images: number, base = 0): Layout {
  const cp = paddedChannels(g.channels);
  const cells = g.pooledHeight * g.pooledWidth;
  const floats: Array<[keyof Layout, number]> = [
    ["mask", cp],
    ["bias", g.classes],
    ["acc", 4 * g.classes],
    ["scratch", 64 + cp],
    ["kernels", g.filters * g.kernelHeight * g.kernelWidth * cp],
    ["winograd", winogradApplies(g) ? g.filters * 16 * cp : 0],
    ["dense", cells * cp * g.classes],
    ["p0", images * cells * cp],
    ["logits", images * g.classes],
    ["out", images * g.classes],
    ["z", images * g.outHeight * g.outWidth * cp],
    ["x", g.filters * images * planeFloats(g)],
  ];
  const offsets = {} as Layout;
  let at = base;
  for (const [name, count] of floats) {
    offsets[name] = at;
    at += Math.ceil((count * 4) / 16) * 16;
  }
  offsets.end = at;
  return offsets;
}

/**
 * x_f's plane as the kernel stores it: the image at (padTop, padLeft) in zeros, large enough that every
 * convolution tap and every Winograd tile (4 × 4 from (2·qy, 2·qx)) lies inside, so the kernel needs no
 * bounds. The kernel then sees padding 0 on this plane.
 */
function paddedPlane(g: FusedGeometry): { height: number; width: number } {
  return {
    height: Math.max(g.outHeight + g.kernelHeight - 1, 2 * g.pooledHeight + 2),
    width: Math.max(g.outWidth + g.kernelWidth - 1, 2 * g.pooledWidth + 2),
  };
}

function planeFloats(g: FusedGeometry): number {
  const plane = paddedPlane(g);
  return plane.height * plane.width;
}

/** Whether the kernel takes its Winograd path: 3 × 3 kernel, 2 × 2 pooling with stride 2. */
function winogradApplies(g: FusedGeometry): boolean {
  return (
    g.kernelHeight === 3 &&
    g.kernelWidth === 3 &&
    g.poolHeight === 2 &&
    g.poolWidth === 2 &&
    g.strideHeight === 2 &&
    g.strideWidth === 2
  );
}

/**
 * Winograd's G g Gᵀ (4 × 4) of each 3 × 3 slice g = w[:, :, f, o], laid out [filter][channel / 4][16][4] for
 * the kernel (G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]); w is [3][3][filters][channels].
 */
function winogradKernels(w: Float32Array, filters: number, channels: number, cp: number): Float32Array {
  const out = new Float32Array(filters * 16 * cp);
  const g = new Float64Array(9);
  const gg = new Float64Array(12);
  for (let f = 0; f < filters; f++) {
    for (let o = 0; o < channels; o++) {
      for (let tap = 0; tap < 9; tap++) g[tap] = w[(tap * filters + f) * channels + o]!;
      // G g: 4 × 3.
      for (let j = 0; j < 3; j++) {
        const [a, b, c] = [g[j]!, g[3 + j]!, g[6 + j]!];
        gg[j] = a;
        gg[3 + j] = (a + b + c) / 2;
        gg[6 + j] = (a - b + c) / 2;
        gg[9 + j] = c;
      }
      // (G g) Gᵀ: 4 × 4.
      for (let i = 0; i < 4; i++) {
        const [a, b, c] = [gg[3 * i]!, gg[3 * i + 1]!, gg[3 * i + 2]!];
        const row = [a, (a + b + c) / 2, (a - b + c) / 2, c];
        for (let j = 0; j < 4; j++) {
          out[((f * (cp / 4) + (o >> 2)) * 16 + i * 4 + j) * 4 + (o & 3)] = row[j]!;
        }
      }
    }
  }
  return out;
}

/** Bytes of a chunk state per image (the weights' copy in each state is small beside it). */
export function fusedStateBytesPerImage(g: FusedGeometry): number {
  return layout(g, 1).end - layout(g, 0).end;
}

/** The plan's weights in the kernel's layout, shared by every chunk state. */
export class FusedWeights {
  /** [filter][ky][kx][channel, padded]: L's kernel (BatchNormalization folded in) per input channel. */
  readonly kernels: Float32Array;
  /** Winograd's transformed kernels, when the geometry takes that path (see winogradKernels). */
  readonly winograd?: Float32Array;
  /** [cell][block of 32 channels][class][32 channels]: the output Dense's rows (kernel's layout). */
  readonly dense: Float32Array;
  readonly bias: Float32Array;

  constructor(
    readonly chain: FusedChain,
    kernel: tf.Tensor,
    denseLayer: { getWeights(): tf.Tensor[] },
  ) {
    const g = chain.geometry;
    const cp = paddedChannels(g.channels);
    const taps = g.kernelHeight * g.kernelWidth;
    const values = kernel.dataSync() as Float32Array;
    this.kernels = new Float32Array(g.filters * taps * cp);
    for (let tap = 0; tap < taps; tap++) {
      for (let f = 0; f < g.filters; f++) {
        for (let o = 0; o < g.channels; o++) {
          this.kernels[(f * taps + tap) * cp + o] = values[(tap * g.filters + f) * g.channels + o]!;
        }
      }
    }
    if (winogradApplies(g)) this.winograd = winogradKernels(values, g.filters, g.channels, cp);
    const [denseKernel, denseBias] = denseLayer.getWeights();
    const rows = denseKernel!.dataSync() as Float32Array;
    const cells = g.pooledHeight * g.pooledWidth;
    this.dense = new Float32Array(cells * cp * g.classes);
    const blocks = cp / 32;
    for (let cell = 0; cell < cells; cell++) {
      for (let o = 0; o < g.channels; o++) {
        for (let k = 0; k < g.classes; k++) {
          this.dense[((cell * blocks + (o >> 5)) * g.classes + k) * 32 + (o & 31)] =
            rows[(cell * g.channels + o) * g.classes + k]!;
        }
      }
    }
    this.bias = new Float32Array(g.classes);
    // A Dense without bias has one weight; any bias is the second.
    if (denseBias) this.bias.set(denseBias.dataSync() as Float32Array);
  }
}

/**
 * Channels last (images × H × W × channels) → per channel, per image, the H × W values at (top, left) of a
 * zero plane of `plane` (see paddedPlane), from float `at` of `to` on. A function of its own, with locals only,
 * so that V8 optimizes the loop at its first call.
 */
function toPlanes(from: Float32Array, g: FusedGeometry, images: number, to: Float32Array, at: number): void {
  const channels = g.filters;
  const plane = paddedPlane(g);
  const planeSize = plane.height * plane.width;
  to.fill(0, at, at + channels * images * planeSize);
  for (let c = 0; c < channels; c++) {
    for (let n = 0; n < images; n++) {
      let i = n * g.height * g.width * channels + c;
      const first = at + (c * images + n) * planeSize + g.padTop * plane.width + g.padLeft;
      for (let y = 0; y < g.height; y++) {
        let j = first + y * plane.width;
        for (let x = 0; x < g.width; x++, i += channels) to[j++] = from[i]!;
      }
    }
  }
}

/** One chunk's state in a range of the kernel's memory: x per filter, z, and the base network's pooled cells. */
export class FusedState implements ChunkState {
  readonly bytes: number;
  private readonly arena: Arena;
  private readonly range: { at: number; bytes: number };
  private readonly at: Layout;
  private disposed = false;

  private constructor(
    private readonly weights: FusedWeights,
    readonly images: number,
    arena: Arena,
    range: { at: number; bytes: number },
  ) {
    this.arena = arena;
    this.range = range;
    this.bytes = range.bytes;
    const at = layout(weights.chain.geometry, images, range.at);
    this.at = at;
    const floats = arena.floats;
    floats.set(weights.kernels, at.kernels / 4);
    if (weights.winograd) floats.set(weights.winograd, at.winograd / 4);
    floats.set(weights.dense, at.dense / 4);
    floats.set(weights.bias, at.bias / 4);
  }

  /**
   * A state from L's input x (images × H × W × filters, channels last) and pre-activation z (images × OH × OW
   * × channels); undefined when the kernel's memory cannot grow to hold it.
   */
  static create(
    weights: FusedWeights,
    module: WebAssembly.Module,
    x: Float32Array,
    z: Float32Array,
    images: number,
  ): FusedState | undefined {
    const arena = arenaFor(module);
    const range = arena.allocate(layout(weights.chain.geometry, images).end);
    if (!range) return undefined;
    const state = new FusedState(weights, images, arena, range);
    state.load(x, z);
    return state;
  }

  /** The kernel, set to this state's shapes (states of other plans share it). */
  private get kernel(): KernelExports {
    const g = this.weights.chain.geometry;
    const kernel = this.arena.kernel;
    const plane = paddedPlane(g);
    kernel.configure(
      plane.height,
      plane.width,
      g.kernelHeight,
      g.kernelWidth,
      0,
      0,
      g.outHeight,
      g.outWidth,
      paddedChannels(g.channels) / 4,
      g.poolHeight,
      g.poolWidth,
      g.strideHeight,
      g.strideWidth,
      g.pooledHeight,
      g.pooledWidth,
      g.classes,
    );
    return kernel;
  }

  private load(x: Float32Array, z: Float32Array): void {
    const g = this.weights.chain.geometry;
    const floats = this.arena.floats;
    toPlanes(x, g, this.images, floats, this.at.x / 4);
    const cp = paddedChannels(g.channels);
    const zAt = this.at.z / 4;
    if (cp === g.channels) floats.set(z, zAt);
    else {
      const positions = this.images * g.outHeight * g.outWidth;
      for (let p = 0; p < positions; p++) {
        floats.set(z.subarray(p * g.channels, (p + 1) * g.channels), zAt + p * cp);
      }
    }
  }

  /** Per filter `f`: its x plane, kernel slice, and Winograd kernel when there is one. */
  private filterBuffers(f: number): [number, number, number | undefined] {
    const g = this.weights.chain.geometry;
    const cp = paddedChannels(g.channels);
    const x = this.at.x + f * this.images * planeFloats(g) * 4;
    const kernel = this.at.kernels + f * g.kernelHeight * g.kernelWidth * cp * 4;
    const winograd = this.weights.winograd ? this.at.winograd + f * 16 * cp * 4 : undefined;
    return [x, kernel, winograd];
  }

  /**
   * The base network's Dense input, images × (cells · channels): mask · relu(max-pool(z)) as the kernel
   * computes it for scoring, without the channels' padding.
   */
  pooled(mask: Float32Array): Float32Array {
    const g = this.weights.chain.geometry;
    this.base(mask);
    const cells = this.images * g.pooledHeight * g.pooledWidth;
    const cp = paddedChannels(g.channels);
    const out = new Float32Array(cells * g.channels);
    const p0 = this.arena.floats.subarray(this.at.p0 / 4, this.at.p0 / 4 + cells * cp);
    for (let cell = 0; cell < cells; cell++) {
      out.set(p0.subarray(cell * cp, cell * cp + g.channels), cell * g.channels);
    }
    return out;
  }

  /**
   * The base network under `mask` (L's output channels): its pooled cells p0 and logits, the logits also as
   * output rows. Returns the kernel, set to this state's shapes.
   */
  private base(mask: Float32Array): KernelExports {
    const at = this.at;
    const floats = this.arena.floats;
    floats.fill(0, at.mask / 4, at.mask / 4 + paddedChannels(this.weights.chain.geometry.channels));
    floats.set(mask, at.mask / 4);
    const kernel = this.kernel;
    kernel.baseImages(this.images, at.z, at.mask, at.dense, at.bias, at.p0, at.acc, at.logits, at.out);
    return kernel;
  }

  /** z −= c_f for each filter: they joined the base removal. */
  remove(filters: readonly number[]): void {
    const kernel = this.kernel;
    for (const f of filters) {
      const [x, weights, winograd] = this.filterBuffers(f);
      kernel.removeImages(
        this.images,
        winograd !== undefined,
        x,
        winograd ?? weights,
        this.at.z,
        this.at.scratch,
      );
    }
  }

  /** The base network's logits, then each filter's, handed to `visit` (channel mask: L's output channels). */
  evaluate(filters: readonly number[], mask: Float32Array, kind: RowKind, visit: RowVisitor): void {
    const g = this.weights.chain.geometry;
    const at = this.at;
    const kernel = this.base(mask);
    const rows = this.arena.floats.subarray(at.out / 4, at.out / 4 + this.images * g.classes);
    visit(null, rows, kind, 0);
    for (const f of filters) {
      const [x, weights, winograd] = this.filterBuffers(f);
      kernel.filterImages(
        this.images,
        winograd !== undefined,
        x,
        winograd ?? weights,
        at.z,
        at.mask,
        at.dense,
        at.p0,
        at.logits,
        at.acc,
        at.scratch,
        at.out,
      );
      visit(f, rows, kind, 0);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.arena.release(this.range);
    if (this.arena.live === 0 && this.arena.memory.buffer.byteLength > KEEP_BYTES && arena === this.arena) {
      arena = undefined;
    }
  }
}
