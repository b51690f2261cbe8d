/**
 * Which exact shortcut applies to a filter group. Removing filter f of a group zeroes channel f at the group's
 * removal point. When the layers between that point and the next linear layer L (Conv2D or Dense) act on each
 * channel separately and keep a zero channel zero — pooling (max pooling included: it is not linear, but it is
 * per channel, so channel f of L's input is pool(a)_f whether or not the other channels are zeroed), padding,
 * cropping, upsampling, inference-time dropout, zero-preserving activations, Flatten — then L's input without
 * the filter is L's input with channel f set to zero, and by linearity
 *     L_pre(x without f) = L_pre(x) − L_pre,no bias(x_f only),
 * a product with one channel's slice of L's kernel. That gives two plans:
 *
 * - **head**: L is the output Dense layer (linear or softmax). The filter's effect on the logits is one small
 *   product per image, Δ_f = Σ_p x[p, f] · W[p·C + f, :], computed for every filter at once; no forward pass.
 * - **next-linear**: L is a hidden Conv2D or Dense. Its pre-activation z is computed once per image and each
 *   filter costs a one-channel convolution (or a P×units product), a subtraction and the rest of the network
 *   after L. A BatchNormalization right after a linear L is folded into z and the kernel (it is affine per
 *   channel in inference), so the subtraction happens after it.
 *
 * Everything else — groups coupled by Add, depthwise members, several removal points, branches after the
 * removal point, a Concatenate on the way — takes the **general** plan: the prefix up to the group's first
 * removal point is computed once per image and masked copies of it run through the rest of the network,
 * several copies stacked in one batch. That is the naive pass's arithmetic exactly, just not repeated.
 */
import type { GraphAnalysis } from "../graph/channel-graph.js";
import { FIXED_SOURCE } from "../graph/channel-layout.js";
import { activationName, layerConfig, layerRole, preservesZero } from "../graph/layer-kinds.js";
import type { Executor } from "./executor.js";

export type PlanKind = "head" | "next-linear" | "general";

interface PlanCommon {
  /** Index of the group in `analysis.groups`. */
  group: number;
  /** Filters in the group. */
  size: number;
}

export interface LinearPlanCommon extends PlanCommon {
  /** The group's only removal point. */
  removalStep: number;
  /** The next linear layer L. */
  linearStep: number;
  /** L's input slot (channel f of the group at `positions` positions, channels last). */
  inputSlot: number;
  /** Flattened positions in L's input (1 for a Conv2D input or after global pooling). */
  positions: number;
}

export interface HeadPlanSpec extends LinearPlanCommon {
  kind: "head";
  /** The output layer's activation: logits are read before it. */
  activation: "linear" | "softmax";
}

export interface NextLinearPlanSpec extends LinearPlanCommon {
  kind: "next-linear";
  layer: "conv2d" | "dense";
  /** A BatchNormalization consuming L's output alone, folded into z and the kernel; undefined if none. */
  foldedBatchNorm?: number;
  /** The step whose output the resumed pass starts from (L, or the folded BatchNormalization). */
  resumeStep: number;
}

export interface GeneralPlanSpec extends PlanCommon {
  kind: "general";
  /** The group's first removal point: everything up to it is the same for every filter. */
  cut: number;
  /** Slots a pass resumed after `cut` reads. */
  frontier: number[];
  /** The group's removal points (the cut included), where each stacked copy gets its own gate. */
  gatedSteps: number[];
}

export type PlanSpec = HeadPlanSpec | NextLinearPlanSpec | GeneralPlanSpec;

/** The step's layer, if it is a Reshape to one axis (which Carve treats as a Flatten). */
function isFlattenLike(analysis: GraphAnalysis, step: number): boolean {
  const layer = analysis.topology.steps[step]!.layer;
  const role = layerRole(layer);
  if (role === "flatten") return true;
  if (layer.getClassName() !== "Reshape") return false;
  const target = layerConfig(layer).targetShape;
  return Array.isArray(target) && target.length === 1;
}

/**
 * Walks from the group's only removal point along single-consumer, single-input, per-channel, zero-preserving
 * layers to the next Conv2D/Dense; undefined when the path forks, merges, or meets anything else.
 */
function chainToLinear(
  analysis: GraphAnalysis,
  g: number,
): { removalStep: number; linearStep: number; inputSlot: number; positions: number } | undefined {
  const { topology, groups, layouts, removalSteps } = analysis;
  const points = removalSteps[g]!;
  const group = groups[g]!;
  if (points.length !== 1 || group.producers.length !== 1) return undefined;
  const removalStep = points[0]!;
  let index = removalStep;
  for (;;) {
    const slot = topology.steps[index]!.outputs[0]!;
    if (topology.outputSlots.includes(slot)) return undefined;
    const consumers = topology.consumers[slot]!;
    if (consumers.length !== 1) return undefined;
    const next = consumers[0]!;
    const step = topology.steps[next]!;
    if (step.inputs.length !== 1 || step.outputs.length !== 1) return undefined;
    const role = layerRole(step.layer);
    if (role === "producer") {
      // L must see only this group's channels, channel f at index p·C + f.
      const layout = layouts[slot]!;
      const block = layout.length === 1 ? layout[0]! : undefined;
      const segment = block && block.segments.length === 1 ? block.segments[0]! : undefined;
      if (
        !block ||
        !segment ||
        segment.source !== g ||
        segment.start !== 0 ||
        segment.length !== group.size
      ) {
        return undefined;
      }
      if (segment.source === FIXED_SOURCE) return undefined;
      return { removalStep, linearStep: next, inputSlot: slot, positions: block.repeat };
    }
    const follows = (role === "channelwise" || isFlattenLike(analysis, next)) && preservesZero(step.layer);
    if (!follows) return undefined;
    index = next;
  }
}

/** The cheapest exact plan for group `g`; see the module comment. */
export function planGroup(analysis: GraphAnalysis, executor: Executor, g: number): PlanSpec {
  const group = analysis.groups[g]!;
  const chain = chainToLinear(analysis, g);
  const { topology } = analysis;
  if (chain) {
    const step = topology.steps[chain.linearStep]!;
    const layer = step.layer;
    const className = layer.getClassName();
    const activation = activationName(layer);
    const outSlot = step.outputs[0]!;
    const isOutput = topology.outputSlots.includes(outSlot);
    if (className === "Dense" && isOutput && (activation === "linear" || activation === "softmax")) {
      return { kind: "head", group: g, size: group.size, ...chain, activation };
    }
    const convOk =
      className === "Conv2D" && chain.positions === 1 && layerConfig(layer).dataFormat !== "channelsFirst";
    const denseOk = className === "Dense" && (step.inputRanks[0] ?? 0) === 2;
    if (!isOutput && (convOk || denseOk)) {
      // Fold a BatchNormalization that alone consumes a linear L.
      let resumeStep = chain.linearStep;
      let foldedBatchNorm: number | undefined;
      const consumers = topology.consumers[outSlot]!;
      if (activation === "linear" && consumers.length === 1) {
        const next = topology.steps[consumers[0]!]!;
        const axis = layerConfig(next.layer).axis;
        const lastAxis = axis === -1 || axis === (next.inputRanks[0] ?? 0) - 1;
        if (next.layer.getClassName() === "BatchNormalization" && lastAxis && next.inputs.length === 1) {
          const bnOut = next.outputs[0]!;
          if (!topology.outputSlots.includes(bnOut)) {
            foldedBatchNorm = consumers[0]!;
            resumeStep = consumers[0]!;
          }
        }
      }
      const frontier = executor.frontier(resumeStep);
      const resumeSlot = topology.steps[resumeStep]!.outputs[0]!;
      if (frontier.length === 1 && frontier[0] === resumeSlot) {
        return {
          kind: "next-linear",
          group: g,
          size: group.size,
          ...chain,
          layer: convOk ? "conv2d" : "dense",
          ...(foldedBatchNorm !== undefined ? { foldedBatchNorm } : {}),
          resumeStep,
        };
      }
    }
  }
  const gatedSteps = [...analysis.removalSteps[g]!].sort((a, b) => a - b);
  const cut = gatedSteps[0]!;
  return { kind: "general", group: g, size: group.size, cut, frontier: executor.frontier(cut), gatedSteps };
}
