/**
 * Sizes, per image, of what the engine holds, so that a memory budget can be turned into images per chunk
 * and copies per stacked pass. Estimates count float32 tensors (4 bytes per value) as tfjs allocates them;
 * backend scratch space (e.g. XNNPACK's packed kernels) is small beside them for the models Carve prunes.
 */
import type { GraphAnalysis } from "../graph/channel-graph.js";

export const BYTES_PER_FLOAT = 4;
export const DEFAULT_MEMORY_BUDGET_MB = 256;
/** Largest chunk of images, so that progress, cancellation and the adaptive race keep a fine grain. */
export const MAX_CHUNK_IMAGES = 1024;

/** Values per image of a tensor slot (batch axis excluded). */
export function slotFloats(analysis: GraphAnalysis, slot: number): number {
  const { topology, model } = analysis;
  const producer = topology.producerStep[slot]!;
  const shape =
    producer >= 0
      ? topology.steps[producer]!.outputShapes[topology.steps[producer]!.outputs.indexOf(slot)]!
      : model.inputs[topology.inputSlots.indexOf(slot)]!.shape;
  return shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
}

/**
 * Largest number of values per image alive at once while steps `from`…`to` run with early release (as the
 * executor runs them), given the slots alive at the start. Those belong to the caller and stay alive to the
 * end (a resumed pass never releases the tensors it was handed).
 */
export function peakLiveFloats(analysis: GraphAnalysis, from: number, to: number, initial: number[]): number {
  const { steps } = analysis.topology;
  const pending = new Map<number, number>();
  for (let i = from; i <= to; i++)
    for (const s of steps[i]!.inputs) pending.set(s, (pending.get(s) ?? 0) + 1);
  const live = new Map<number, number>(initial.map((s) => [s, slotFloats(analysis, s)]));
  let current = [...live.values()].reduce((a, b) => a + b, 0);
  let peak = current;
  for (let i = from; i <= to; i++) {
    const out = steps[i]!.outputs[0]!;
    const size = slotFloats(analysis, out);
    // A layer may hold its output and one temporary (e.g. before the mask multiply) at once.
    peak = Math.max(peak, current + 2 * size);
    live.set(out, size);
    current += size;
    for (const s of steps[i]!.inputs) {
      const left = pending.get(s)! - 1;
      pending.set(s, left);
      if (left === 0 && live.has(s) && !initial.includes(s)) {
        current -= live.get(s)!;
        live.delete(s);
      }
    }
  }
  return peak;
}

/** The budget in bytes; throws nothing: validation happens where the option is read. */
export function budgetBytes(memoryBudgetMB: number): number {
  return memoryBudgetMB * 1024 * 1024;
}
