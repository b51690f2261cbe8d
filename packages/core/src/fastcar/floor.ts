/**
 * The floor of exact CAR: the arithmetic no exact method can skip. Every (filter, image) outcome needs the
 * network's output for that image with that filter removed; with the prefix cached and the next linear layer
 * updated incrementally (plan.ts), what is left per mask is the plan's suffix:
 * - head: the filter's slice of the output Dense layer, 2·P·units FLOPs (P positions of the channel);
 * - next-linear: one input channel's share of the next linear layer L (FLOPs(L) / input channels of a Conv2D,
 *   or 2·P·units of a Dense) plus every layer downstream of L;
 * - general: every layer downstream of the group's first removal point.
 * FLOPs count 2 per multiply-accumulate of the linear layers only (as describeModel does): activations, pooling
 * and the comparison of outputs are free here, so the floor is a lower bound. Divided by a throughput the
 * backend reaches on large kernels, it says how far the engine is from what the arithmetic alone would take.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { type GraphAnalysis, resolveAnalysis } from "../graph/channel-graph.js";
import type { ChannelGraph } from "../graph/index.js";
import { describeModel } from "../model/describe.js";
import { Executor } from "./executor.js";
import { type PlanKind, planGroup } from "./plan.js";

export interface MaskFlops {
  groupId: string;
  plan: PlanKind;
  /** FLOPs per (filter, image) outcome the plan cannot avoid. */
  flopsPerFilterImage: number;
  /** FLOPs of one image through the whole network (what the naive method pays per outcome). */
  networkFlops: number;
}

/** Steps downstream of `from`'s outputs (not `from` itself), in topological order. */
function downstream(analysis: GraphAnalysis, from: number): number[] {
  const { steps } = analysis.topology;
  const reached = new Set<number>(steps[from]!.outputs);
  const out: number[] = [];
  for (let i = from + 1; i < steps.length; i++) {
    const step = steps[i]!;
    if (!step.inputs.some((s) => reached.has(s))) continue;
    out.push(i);
    for (const s of step.outputs) reached.add(s);
  }
  return out;
}

/** Per group of `model`: the plan the exact engine uses and its unavoidable FLOPs per filter·image. */
export function maskFlops(model: tfl.LayersModel, graph?: ChannelGraph): MaskFlops[] {
  const analysis = resolveAnalysis(model, graph);
  const executor = new Executor(analysis);
  const summary = describeModel(model);
  const byName = new Map(summary.layers.map((l) => [l.name, l.flops]));
  const { steps } = analysis.topology;
  const flopsOf = (step: number) => byName.get(steps[step]!.layer.name) ?? 0;
  const after = (step: number) => downstream(analysis, step).reduce((sum, i) => sum + flopsOf(i), 0);
  return analysis.groups.map((group, g) => {
    const spec = planGroup(analysis, executor, g);
    let flops: number;
    if (spec.kind === "general") {
      flops = after(spec.cut);
    } else {
      const producer = analysis.topology.producerStep[spec.inputSlot]!;
      const inputShape =
        producer >= 0
          ? steps[producer]!.outputShapes[steps[producer]!.outputs.indexOf(spec.inputSlot)]!
          : analysis.model.inputs[analysis.topology.inputSlots.indexOf(spec.inputSlot)]!.shape;
      const linear = flopsOf(spec.linearStep);
      const className = steps[spec.linearStep]!.layer.getClassName();
      // One input channel's share of L: a Conv2D's FLOPs split evenly over its input channels; a Dense's
      // over its input units, of which the channel owns P.
      const inputs = Number(inputShape[inputShape.length - 1] ?? 1);
      const share = className === "Conv2D" ? linear / inputs : (linear * spec.positions) / inputs;
      flops = share + (spec.kind === "next-linear" ? after(spec.resumeStep) : 0);
    }
    return { groupId: group.id, plan: spec.kind, flopsPerFilterImage: flops, networkFlops: summary.flops };
  });
}
