import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";

/** One call of a layer in the model, with its input and output tensors as slot numbers. */
export interface GraphStep {
  layer: tfl.layers.Layer;
  /** Slots of the input tensors, in the order the layer takes them. */
  inputs: number[];
  /** Slots of the output tensors (one for every layer Carve can prune around). */
  outputs: number[];
  /** Ranks of the input tensors, batch axis included. */
  inputRanks: number[];
  /** Shapes of the output tensors, batch axis included. */
  outputShapes: Array<Array<number | null>>;
}

/** The model as a list of layer calls in an order where every input is computed before it is used. */
export interface ModelTopology {
  steps: GraphStep[];
  /** Slots of the model's inputs (fed by the caller) and outputs. */
  inputSlots: number[];
  outputSlots: number[];
  slotCount: number;
  /** For every slot, the steps that read it (a consumer reading it twice is listed twice). */
  consumers: number[][];
  /** For every slot, the step that computed it (-1 for model inputs). */
  producerStep: number[];
}

/**
 * Orders the layer calls of a Sequential or Functional model by walking back from its outputs along the
 * symbolic tensors, as tfjs's own executor does; `model.layers` alone does not say which call of a shared
 * layer feeds which. Layers not on a path to an output are left out (they do not affect predictions).
 */
export function modelTopology(model: tfl.LayersModel): ModelTopology {
  const slotOf = new Map<number, number>();
  const slot = (tensor: tfl.SymbolicTensor): number => {
    let s = slotOf.get(tensor.id);
    if (s === undefined) {
      s = slotOf.size;
      slotOf.set(tensor.id, s);
    }
    return s;
  };
  const steps: GraphStep[] = [];
  const visited = new Set<string>();
  const inputIds = new Set(model.inputs.map((t) => t.id));
  // Iterative post-order DFS: deep residual nets would overflow a recursive walk's stack only in theory,
  // but the iteration costs nothing.
  const stack: Array<{ tensor: tfl.SymbolicTensor; expanded: boolean }> = model.outputs.map((tensor) => ({
    tensor,
    expanded: false,
  }));
  stack.reverse();
  while (stack.length > 0) {
    const top = stack.pop()!;
    const layer = top.tensor.sourceLayer;
    const key = `${layer.name}\u0000${top.tensor.nodeIndex}`;
    if (visited.has(key)) continue;
    const node = layer.inboundNodes[top.tensor.nodeIndex];
    if (!node) {
      throw new CarveError(
        "INVALID_MODEL",
        `layer "${layer.name}" has no inbound node ${top.tensor.nodeIndex}; the model is not built`,
      );
    }
    const isInput = inputIds.has(top.tensor.id) || node.inboundLayers.length === 0;
    if (isInput) {
      visited.add(key);
      for (const t of node.outputTensors) slot(t);
      continue;
    }
    if (!top.expanded) {
      stack.push({ tensor: top.tensor, expanded: true });
      for (let i = node.inputTensors.length - 1; i >= 0; i--) {
        stack.push({ tensor: node.inputTensors[i]!, expanded: false });
      }
      continue;
    }
    visited.add(key);
    steps.push({
      layer,
      inputs: node.inputTensors.map(slot),
      outputs: node.outputTensors.map(slot),
      inputRanks: node.inputTensors.map((t) => t.rank),
      outputShapes: node.outputTensors.map((t) => [...t.shape]),
    });
  }
  const slotCount = slotOf.size;
  const consumers = Array.from({ length: slotCount }, () => [] as number[]);
  const producerStep = new Array<number>(slotCount).fill(-1);
  steps.forEach((step, index) => {
    for (const s of step.inputs) consumers[s]!.push(index);
    for (const s of step.outputs) producerStep[s] = index;
  });
  return {
    steps,
    inputSlots: model.inputs.map(slot),
    outputSlots: model.outputs.map(slot),
    slotCount,
    consumers,
    producerStep,
  };
}
