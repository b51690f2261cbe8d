/**
 * Which channels of a model are coupled, i.e. must be removed together.
 *
 * **Filter groups.** Every Conv2D, DepthwiseConv2D and Dense layer whose output channels can be removed
 * belongs to one {@link FilterGroup}; filter `f` of a group is output channel `f` of each of its producers.
 * Usually a group is one layer. Layers merged by an elementwise Add (or Average, Maximum, Minimum) must keep
 * the same channels, so their producers — transitively along chains of Adds, as in residual networks — form
 * one group, removed together, with id `"a+b+…"`. A DepthwiseConv2D (depth multiplier 1) maps input channel
 * `c` to output channel `c`, so it joins the group of the producer feeding it: removing filter `f` removes
 * the producer's filter and the depthwise channel. Concatenate does not couple: its consumers see each input's
 * channels at an offset.
 *
 * **Not prunable.** The model's output layer, and every group whose channels reach a model output without
 * passing a Conv2D/Dense (for example a last convolution followed by global pooling and softmax: its channels
 * are the classes), or that an Add merges with channels no filter produces (e.g. the model input).
 *
 * **Removal convention.** Removing filter `f` means its channel is exactly 0 at every removal point of its
 * group. A producer's removal point is its output after bias and activation, moved past any
 * BatchNormalization, Activation, ReLU-like (ReLU, LeakyReLU, ELU, PReLU, ThresholdedReLU) or inference-time
 * identity (Dropout, GaussianNoise, …) layer that alone consumes it. Where a later per-channel layer would
 * turn the zero into something else — a DepthwiseConv2D's bias, a BatchNormalization after pooling or after
 * an Add, a sigmoid — the removal point is after that layer instead. Zeroing there is exactly what physical
 * removal computes: every consumer (Conv2D, Dense) then receives 0 on that channel, and a 0 input contributes
 * nothing, so `removeFilters` and `MaskedModel` agree.
 *
 * **Supported between producers and consumers** (channels last): BatchNormalization (last axis),
 * Activation (except softmax), ReLU, LeakyReLU, ELU, PReLU, ThresholdedReLU, Dropout, SpatialDropout1D,
 * GaussianNoise, GaussianDropout, AlphaDropout, Max/AveragePooling1D/2D, GlobalMax/AveragePooling1D/2D,
 * ZeroPadding2D, Cropping2D, UpSampling2D, Flatten (Dense rows at flat index `(i·W + j)·C + c`), Reshape to
 * one axis (a Flatten), Concatenate on the channel axis, and Add/Average/Maximum/Minimum. Sequential and
 * Functional models with one or more inputs.
 *
 * **Unsupported** (CarveError `UNSUPPORTED_LAYER`, naming the layer, whenever a prunable filter's channels pass
 * through it): nested models; channels-first layers; BatchNormalization on another axis; softmax across
 * channels (a Softmax layer, or a hidden producer with softmax activation); DepthwiseConv2D with depth
 * multiplier > 1 or fed by a Concatenate; Reshape to more than one axis; Concatenate on a spatial axis;
 * Multiply, Dot, Permute, LayerNormalization, SeparableConv2D, Conv1D/3D, transposed and recurrent layers;
 * layers called more than once (shared weights); Adds that couple only part of a layer's channels. Such layers
 * are harmless where only unprunable channels (e.g. the input image) pass through them.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import {
  type ChannelLayout,
  FIXED_SOURCE,
  concatLayouts,
  fixedLayout,
  flattenLayout,
  forEachChannel,
  layoutLength,
  sourceLayout,
} from "./channel-layout.js";
import {
  FOLLOWER_CLASSES,
  activationName,
  isChannelsFirst,
  layerConfig,
  layerRole,
  preservesZero,
} from "./layer-kinds.js";
import { type ModelTopology, modelTopology } from "./topology.js";

/** A set of filters removed together: filter `f` is output channel `f` of every producer. */
export interface FilterGroup {
  /** Stable id: the producing layer's name, or the producers joined with "+" when an Add couples them. */
  id: string;
  /** Layers whose output channel f is filter f of this group (Conv2D, DepthwiseConv2D, Dense). */
  producers: string[];
  /** Filters (channels) in the group. */
  size: number;
  /**
   * Layers whose outputs are zeroed to remove a filter: each producer's output taken after its bias and
   * activation and after any BatchNormalization / Activation / ReLU-like / Dropout layer directly following
   * it (see the module documentation for where a later layer moves it).
   */
  removalPoints: string[];
  /** Class of the (first) producer, e.g. "Conv2D". */
  className: string;
}

/** The prunable filter groups of one model. */
export interface ChannelGraph {
  /** Groups in topological order of their first producer. */
  groups: FilterGroup[];
  /** The group with this id; throws NOT_FOUND listing the ids. */
  group(id: string): FilterGroup;
  /**
   * The group whose filters are this layer's output channels: its producers, and layers such as the
   * BatchNormalization, ReLU or pooling after them. Undefined for other layers.
   */
  groupOfLayer(layerName: string): FilterGroup | undefined;
}

/**
 * Everything the masked forward pass and the surgery need, computed once per model. Internal to
 * graph/, mask/ and surgery/.
 */
export interface GraphAnalysis {
  model: tfl.LayersModel;
  topology: ModelTopology;
  groups: FilterGroup[];
  /**
   * Layout of every tensor slot, with sources replaced by group indices (positions in `groups`) and
   * unprunable channels by FIXED_SOURCE.
   */
  layouts: ChannelLayout[];
  /** Step indices of each group's removal points, in topological order. */
  removalSteps: number[][];
  /** Group index of the channels each Conv2D/Dense step produces, for prunable producers. */
  producerGroup: Map<number, number>;
}

interface Problem {
  layer: string;
  message: string;
  sources: number[];
}

/** Union-find over filter sources, with "fixed" (unprunable) marks. */
class SourceSets {
  private readonly parent: number[] = [];
  readonly size: number[] = [];
  readonly step: number[] = [];
  private readonly fixedSeeds = new Set<number>();

  add(size: number, step: number): number {
    this.parent.push(this.parent.length);
    this.size.push(size);
    this.step.push(step);
    return this.parent.length - 1;
  }

  find(source: number): number {
    let root = source;
    while (this.parent[root] !== root) root = this.parent[root]!;
    let cursor = source;
    while (this.parent[cursor] !== root) {
      const next = this.parent[cursor]!;
      this.parent[cursor] = root;
      cursor = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  markFixed(source: number): void {
    this.fixedSeeds.add(source);
  }

  isFixed(source: number): boolean {
    const root = this.find(source);
    for (const seed of this.fixedSeeds) if (this.find(seed) === root) return true;
    return false;
  }

  get count(): number {
    return this.parent.length;
  }
}

interface SlotInfo {
  layout: ChannelLayout;
  /** Sources whose channels reach this tensor through a layer Carve cannot follow. */
  taint: number[];
}

function sourcesOf(layout: ChannelLayout): number[] {
  const out = new Set<number>();
  for (const block of layout)
    for (const s of block.segments) if (s.source !== FIXED_SOURCE) out.add(s.source);
  return [...out];
}

function lastDim(shape: ReadonlyArray<number | null> | undefined): number | null {
  if (!shape || shape.length === 0) return null;
  return shape[shape.length - 1] ?? null;
}

function normalizeAxis(axis: unknown, rank: number): number | null {
  const value = Array.isArray(axis) ? (axis.length === 1 ? (axis[0] as unknown) : null) : axis;
  if (typeof value !== "number") return null;
  return value < 0 ? value + rank : value;
}

/** Builds the channel analysis of a model; see the module documentation for what is supported. */
export function analyzeModel(model: tfl.LayersModel): GraphAnalysis {
  for (const layer of model.layers) {
    if (layerRole(layer) === "nested-model") {
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `layer "${layer.name}" is a nested model (${layer.getClassName()}); its filters cannot be addressed — ` +
          `rebuild the model with the nested model's layers inlined`,
      );
    }
  }
  const topology = modelTopology(model);
  const { steps } = topology;
  const sets = new SourceSets();
  const problems: Problem[] = [];
  const slots: Array<SlotInfo | undefined> = new Array(topology.slotCount);
  model.inputs.forEach((input, i) => {
    slots[topology.inputSlots[i]!] = { layout: fixedLayout(lastDim(input.shape) ?? 0), taint: [] };
  });
  const calls = new Map<tfl.layers.Layer, number>();
  for (const step of steps) calls.set(step.layer, (calls.get(step.layer) ?? 0) + 1);
  const depthwiseSteps: number[] = [];
  const producerSource = new Map<number, number>();

  steps.forEach((step, index) => {
    const layer = step.layer;
    const className = layer.getClassName();
    const role = layerRole(layer);
    const inputs = step.inputs.map((s) => slots[s]!);
    const inSources = [...new Set(inputs.flatMap((i) => sourcesOf(i.layout)))];
    const inTaint = [...new Set(inputs.flatMap((i) => i.taint))];
    const outShape = step.outputShapes[0];
    const outChannels = lastDim(outShape);
    const describe = `layer "${layer.name}" (${className})`;
    const setOutput = (info: SlotInfo) => {
      for (const s of step.outputs) slots[s] = info;
    };
    /** The layer cannot be followed: its output counts as unprunable, and the sources feeding it must be too. */
    const unsupported = (why: string, extra: number[] = []) => {
      const sources = [...inSources, ...extra];
      if (sources.length > 0) problems.push({ layer: layer.name, message: `${describe} ${why}`, sources });
      setOutput({ layout: fixedLayout(outChannels ?? 0), taint: [...new Set([...inTaint, ...sources])] });
    };
    const passThrough = (layout: ChannelLayout) => setOutput({ layout, taint: inTaint });

    if (step.outputs.length !== 1) {
      unsupported("has several outputs; Carve follows channels through single-output layers only");
      return;
    }
    if (role === "producer") {
      const source = sets.add(outChannels ?? 0, index);
      producerSource.set(index, source);
      setOutput({ layout: sourceLayout(source, outChannels ?? 0), taint: [] });
      const problem = (why: string, sources: number[]) =>
        problems.push({ layer: layer.name, message: `${describe} ${why}`, sources });
      if ((calls.get(layer) ?? 0) > 1)
        problem("is called more than once (shared weights)", [...inSources, source]);
      else if (className === "Conv2D" && isChannelsFirst(layer)) {
        problem("uses channels-first data format; only channels-last is supported", [...inSources, source]);
      } else if (activationName(layer) === "softmax") {
        // Only its own filters are affected: softmax renormalizes over whichever filters remain.
        problem("has a softmax activation, which mixes its filters", [source]);
      } else if (outChannels === null) problem("has an unknown number of output channels", [source]);
      return;
    }
    if (inSources.length === 0) {
      // Nothing prunable flows through here: any layer is fine, its output is as unprunable as its input.
      setOutput({ layout: fixedLayout(outChannels ?? 0), taint: inTaint });
      return;
    }
    if ((calls.get(layer) ?? 0) > 1) return unsupported("is called more than once (shared weights)");
    if (isChannelsFirst(layer))
      return unsupported("uses channels-first data format; only channels-last is supported");
    const input = inputs[0]!;
    const rank = step.inputRanks[0] ?? 0;
    switch (role) {
      case "depthwise": {
        const block = input.layout.length === 1 ? input.layout[0]! : undefined;
        const segment = block?.segments.length === 1 && block.repeat === 1 ? block.segments[0]! : undefined;
        if (layerConfig(layer).depthMultiplier !== 1) {
          return unsupported("has a depth multiplier other than 1, so a filter is several channels");
        }
        if (!segment || segment.start !== 0 || segment.length !== sets.size[segment.source]) {
          return unsupported(
            "is fed by several layers' channels (e.g. a Concatenate); feed it from one layer",
          );
        }
        depthwiseSteps.push(index);
        return passThrough(input.layout);
      }
      case "channelwise": {
        if (className === "BatchNormalization" && normalizeAxis(layerConfig(layer).axis, rank) !== rank - 1) {
          return unsupported("normalizes an axis other than the last (channels) axis");
        }
        if (className === "Activation" && activationName(layer) === "softmax") {
          return unsupported("applies softmax across channels, so removing one changes the others");
        }
        return passThrough(input.layout);
      }
      case "flatten":
        return flattenInto(input.layout, rank);
      case "concatenate": {
        if (normalizeAxis(layerConfig(layer).axis, rank) !== rank - 1) {
          return unsupported("concatenates along a spatial axis; only channel concatenation is supported");
        }
        return passThrough(concatLayouts(inputs.map((i) => i.layout)));
      }
      case "elementwise-merge":
        return mergeInto(inputs.map((i) => i.layout));
      default:
        if (className === "Reshape" && Array.isArray(layerConfig(layer).targetShape)) {
          if ((layerConfig(layer).targetShape as unknown[]).length === 1)
            return flattenInto(input.layout, rank);
          return unsupported(
            "reshapes channels into several axes; only a Reshape to one axis (a Flatten) can be followed",
          );
        }
        if (className === "Softmax") return unsupported("applies softmax across channels");
        return unsupported(
          "mixes or rearranges channels in a way Carve cannot follow (supported between prunable layers: " +
            "BatchNormalization, activations, dropout, pooling, padding, Flatten, Concatenate, Add)",
        );
    }

    function flattenInto(layout: ChannelLayout, inRank: number): void {
      if (inRank <= 2) return passThrough(layout);
      const channels = layoutLength(layout);
      const flat = outChannels;
      if (flat === null || channels === 0 || flat % channels !== 0 || layout.some((b) => b.repeat !== 1)) {
        return unsupported("flattens a tensor of unknown size or one flattened before");
      }
      return passThrough(flattenLayout(layout, flat / channels));
    }

    function mergeInto(layouts: ChannelLayout[]): void {
      const [first, ...rest] = layouts;
      for (const other of rest) {
        const aligned =
          other.length === first!.length &&
          other.every(
            (block, b) =>
              block.repeat === first![b]!.repeat &&
              block.segments.length === first![b]!.segments.length &&
              block.segments.every((s, k) => s.length === first![b]!.segments[k]!.length),
          );
        if (!aligned) return unsupported("adds tensors whose channels come from differently split sources");
        for (let b = 0; b < other.length; b++) {
          for (let k = 0; k < other[b]!.segments.length; k++) {
            const x = first![b]!.segments[k]!;
            const y = other[b]!.segments[k]!;
            if (x.source === y.source && x.start === y.start) continue;
            if (x.source === FIXED_SOURCE || y.source === FIXED_SOURCE) {
              // Channel c of a filter meets channel c of something no filter makes: it can never be removed.
              sets.markFixed(x.source === FIXED_SOURCE ? y.source : x.source);
              continue;
            }
            const whole = (s: typeof x) => s.start === 0 && s.length === sets.size[s.source];
            if (!whole(x) || !whole(y)) {
              return unsupported("couples only part of a layer's channels with another layer's");
            }
            sets.union(x.source, y.source);
          }
        }
      }
      return passThrough(first!);
    }
  });

  for (const s of topology.outputSlots) {
    const info = slots[s]!;
    for (const source of [...sourcesOf(info.layout), ...info.taint]) sets.markFixed(source);
  }
  for (const problem of problems) {
    if (problem.sources.some((s) => !sets.isFixed(s))) {
      throw new CarveError(
        "UNSUPPORTED_LAYER",
        `${problem.message}; its filters cannot be removed faithfully`,
      );
    }
  }

  // Groups: one per prunable root, ordered by their first producer.
  const rootGroup = new Map<number, number>();
  const groups: FilterGroup[] = [];
  const groupProducerSteps: number[][] = [];
  for (let source = 0; source < sets.count; source++) {
    if (sets.isFixed(source)) continue;
    const root = sets.find(source);
    let g = rootGroup.get(root);
    if (g === undefined) {
      g = groups.length;
      rootGroup.set(root, g);
      groups.push({ id: "", producers: [], size: sets.size[source]!, removalPoints: [], className: "" });
      groupProducerSteps.push([]);
    }
    groupProducerSteps[g]!.push(sets.step[source]!);
  }
  const resolve = (source: number): number =>
    source === FIXED_SOURCE || sets.isFixed(source) ? FIXED_SOURCE : rootGroup.get(sets.find(source))!;
  const layouts = slots.map((info) =>
    (info?.layout ?? fixedLayout(0)).map((block) => ({
      ...block,
      segments: block.segments.map((s) => ({ ...s, source: resolve(s.source) })),
    })),
  );
  const producerGroup = new Map<number, number>();
  for (const [step, source] of producerSource) {
    const g = resolve(source);
    if (g !== FIXED_SOURCE) producerGroup.set(step, g);
  }
  const depthwiseGroup = new Map<number, number>();
  for (const step of depthwiseSteps) {
    const g = layouts[steps[step]!.outputs[0]!]![0]!.segments[0]!.source;
    if (g !== FIXED_SOURCE) depthwiseGroup.set(step, g);
  }

  const removalSteps = groups.map((_, g) => removalPointSteps(topology, layouts, g));
  groups.forEach((group, g) => {
    const producerSteps = groupProducerSteps[g]!.sort((a, b) => a - b);
    const memberSteps = [
      ...producerSteps,
      ...[...depthwiseGroup].filter(([, dg]) => dg === g).map(([s]) => s),
    ];
    memberSteps.sort((a, b) => a - b);
    group.id = producerSteps.map((s) => steps[s]!.layer.name).join("+");
    group.producers = memberSteps.map((s) => steps[s]!.layer.name);
    group.className = steps[memberSteps[0]!]!.layer.getClassName();
    group.removalPoints = removalSteps[g]!.map((s) => steps[s]!.layer.name);
  });
  return { model, topology, groups, layouts, removalSteps, producerGroup };
}

function carries(layout: ChannelLayout, group: number): boolean {
  return layout.some((block) => block.segments.some((s) => s.source === group));
}

/**
 * Walks back from every consumer (Conv2D/Dense) of the group's channels through layers that keep a zero
 * channel zero; the first layer that does not (a producer, a depthwise bias, BatchNormalization…) must be
 * zeroed. Each such point then moves forward past the BatchNormalization/activation/dropout layers that alone
 * consume it, so activations are read where the paper reads them: after the non-linearity.
 */
function removalPointSteps(topology: ModelTopology, layouts: ChannelLayout[], group: number): number[] {
  const { steps, consumers, producerStep } = topology;
  const queue: number[] = [];
  steps.forEach((step) => {
    if (layerRole(step.layer) !== "producer") return;
    for (const s of step.inputs) if (carries(layouts[s]!, group)) queue.push(producerStep[s]!);
  });
  const visited = new Set<number>();
  const points = new Set<number>();
  while (queue.length > 0) {
    const index = queue.pop()!;
    if (index < 0 || visited.has(index)) continue;
    visited.add(index);
    const step = steps[index]!;
    const role = layerRole(step.layer);
    if (role === "producer" || role === "depthwise" || !preservesZero(step.layer)) {
      points.add(index);
      continue;
    }
    for (const s of step.inputs) if (carries(layouts[s]!, group)) queue.push(producerStep[s]!);
  }
  const outputs = new Set(topology.outputSlots);
  const moved = new Set<number>();
  for (let index of points) {
    for (;;) {
      const out = steps[index]!.outputs[0]!;
      const next = consumers[out]!;
      if (next.length !== 1 || outputs.has(out)) break;
      const follower = steps[next[0]!]!;
      if (follower.inputs.length !== 1 || !FOLLOWER_CLASSES.has(follower.layer.getClassName())) break;
      index = next[0]!;
    }
    moved.add(index);
  }
  return [...moved].sort((a, b) => a - b);
}

/** The graph object handed out by {@link buildChannelGraph}; carries the analysis for mask/ and surgery/. */
class AnalyzedChannelGraph implements ChannelGraph {
  readonly groups: FilterGroup[];
  private readonly byId: Map<string, FilterGroup>;
  private readonly byLayer = new Map<string, FilterGroup>();

  constructor(readonly analysis: GraphAnalysis) {
    this.groups = analysis.groups;
    this.byId = new Map(this.groups.map((g) => [g.id, g]));
    const { steps } = analysis.topology;
    steps.forEach((step) => {
      const layout = analysis.layouts[step.outputs[0]!]!;
      const segment = layout.length === 1 && layout[0]!.repeat === 1 ? layout[0]!.segments : [];
      const only = segment.length === 1 ? segment[0]! : undefined;
      if (only && only.source !== FIXED_SOURCE && only.start === 0) {
        this.byLayer.set(step.layer.name, this.groups[only.source]!);
      }
    });
  }

  group(id: string): FilterGroup {
    const found = this.byId.get(id);
    if (!found) {
      throw new CarveError(
        "NOT_FOUND",
        `no filter group "${id}" in model "${this.analysis.model.name}"; groups: ` +
          (this.groups.map((g) => g.id).join(", ") || "none (nothing is prunable)"),
      );
    }
    return found;
  }

  groupOfLayer(layerName: string): FilterGroup | undefined {
    return this.byLayer.get(layerName);
  }
}

/**
 * Finds the prunable filter groups of a Sequential or Functional model (see the module documentation for
 * the removal convention and the supported layers). Throws UNSUPPORTED_LAYER, naming the layer, where a
 * prunable filter's channels pass through a layer whose effect Carve cannot reproduce.
 */
export function buildChannelGraph(model: tfl.LayersModel): ChannelGraph {
  return new AnalyzedChannelGraph(analyzeModel(model));
}

/** The public graph view of an analysis (for mask/ and surgery/, which start from an analysis). */
export function graphOfAnalysis(analysis: GraphAnalysis): ChannelGraph {
  return new AnalyzedChannelGraph(analysis);
}

/**
 * The analysis behind `graph` when it was built for `model`, else a fresh one; a graph built for another
 * model (different groups) is an INVALID_ARGUMENT.
 */
export function resolveAnalysis(model: tfl.LayersModel, graph?: ChannelGraph): GraphAnalysis {
  if (graph instanceof AnalyzedChannelGraph && graph.analysis.model === model) return graph.analysis;
  const analysis = analyzeModel(model);
  if (graph) {
    const same =
      graph.groups.length === analysis.groups.length &&
      graph.groups.every((g, i) => g.id === analysis.groups[i]!.id && g.size === analysis.groups[i]!.size);
    if (!same) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `the channel graph passed does not match model "${model.name}" (its groups differ); build it with ` +
          `buildChannelGraph(model) for this model`,
      );
    }
  }
  return analysis;
}

/** Indices along the last axis of a tensor with `layout` whose channel is removed, given removed sets per group. */
export function removedIndices(
  layout: ChannelLayout,
  removedByGroup: ReadonlyArray<ReadonlySet<number> | undefined>,
): number[] {
  const out: number[] = [];
  forEachChannel(layout, (index, source, channel) => {
    if (source !== FIXED_SOURCE && removedByGroup[source]?.has(channel)) out.push(index);
  });
  return out;
}
