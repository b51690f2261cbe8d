/**
 * Cheaper arithmetic for the base forward passes that build chunk states. Those passes only have to agree
 * with themselves (each plan scores the base network and every filter from the same cached tensors, and
 * rounding-close outcomes are settled by the naive pass, outcome.ts), so they may compute the same function
 * another way. Inference BatchNormalization is affine per channel, y = s·x + t with s = γ/√(var + ε) and
 * t = β − mean·s, and wasm's BatchNorm kernel is slow (about 4 ns per value, a third of a Fashion-MNIST
 * pass). So:
 *
 * - a linear Conv2D (or Dense) whose output only a BatchNormalization reads becomes one fused convolution
 *   with kernel s·W and bias s·b + t;
 * - any other BatchNormalization becomes x·s + t.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import { activationName, configPair, layerConfig } from "../graph/layer-kinds.js";
import type { StepReplacement } from "./executor.js";

/** s and t of an inference BatchNormalization (missing γ or β count as 1 and 0). */
export function batchNormAffine(layer: tfl.layers.Layer): [tf.Tensor1D, tf.Tensor1D] {
  const config = layerConfig(layer);
  const epsilon = typeof config.epsilon === "number" ? config.epsilon : 1e-3;
  const byName = new Map(layer.weights.map((w) => [w.originalName.split("/").pop()!, w.read()]));
  return tf.tidy(() => {
    const mean = byName.get("moving_mean")!;
    const variance = byName.get("moving_variance")!;
    const gamma = byName.get("gamma");
    const beta = byName.get("beta");
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const scale = gamma ? tf.mul(inv, gamma) : inv;
    const shift = beta ? tf.sub(beta, tf.mul(mean, scale)) : tf.neg(tf.mul(mean, scale));
    return [scale as tf.Tensor1D, shift as tf.Tensor1D];
  });
}

function lastAxisBatchNorm(analysis: GraphAnalysis, step: number): boolean {
  const s = analysis.topology.steps[step]!;
  if (s.layer.getClassName() !== "BatchNormalization" || s.inputs.length !== 1) return false;
  const axis = layerConfig(s.layer).axis;
  const rank = s.inputRanks[0] ?? 0;
  return (
    axis === -1 || axis === rank - 1 || (Array.isArray(axis) && axis.length === 1 && axis[0] === rank - 1)
  );
}

/** Replacements for every BatchNormalization of the model; owns their tensors. */
export class FoldedBatchNorms {
  readonly replacements: StepReplacement[] = [];
  private readonly tensors: tf.Tensor[] = [];

  constructor(analysis: GraphAnalysis) {
    const { steps, consumers } = analysis.topology;
    const folded = new Set<number>();
    steps.forEach((step, i) => {
      const className = step.layer.getClassName();
      if (className !== "Conv2D" || step.inputs.length !== 1 || activationName(step.layer) !== "linear")
        return;
      const config = layerConfig(step.layer);
      if (config.dataFormat === "channelsFirst") return;
      const readers = consumers[step.outputs[0]!]!;
      if (readers.length !== 1 || !lastAxisBatchNorm(analysis, readers[0]!)) return;
      const bnStep = readers[0]!;
      const [scale, shift] = batchNormAffine(steps[bnStep]!.layer);
      const [kernel, bias] = step.layer.getWeights();
      const useBias = config.useBias !== false && bias !== undefined;
      const filter = tf.mul(kernel!, scale) as tf.Tensor4D;
      const offset = (
        useBias ? tf.tidy(() => tf.add(tf.mul(bias!, scale), shift)) : tf.clone(shift)
      ) as tf.Tensor1D;
      scale.dispose();
      shift.dispose();
      this.tensors.push(filter, offset);
      const strides = configPair(config.strides, 1);
      const dilations = configPair(config.dilationRate, 1);
      const pad = config.padding === "same" ? "same" : "valid";
      this.replacements.push({
        from: i,
        through: bnStep,
        compute: (x) =>
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter, strides, pad, dilations, bias: offset }),
      });
      folded.add(bnStep);
    });
    steps.forEach((_, i) => {
      if (folded.has(i) || !lastAxisBatchNorm(analysis, i)) return;
      const [scale, shift] = batchNormAffine(steps[i]!.layer);
      this.tensors.push(scale, shift);
      this.replacements.push({
        from: i,
        through: i,
        compute: (x) => tf.tidy(() => tf.add(tf.mul(x, scale), shift)),
      });
    });
  }

  dispose(): void {
    tf.dispose(this.tensors);
    this.tensors.length = 0;
  }
}
