/**
 * The first-order Taylor criterion of Molchanov et al. 2017 ("Pruning Convolutional Neural Networks for
 * Resource Efficient Inference"): removing channel c of image n changes the loss by about
 * −Σ_p a_{n,c,p} · ∂L/∂a_{n,c,p} (p over the spatial positions), so the importance of c is
 *   Θ(c) = (1/N) Σ_n | (1/M) Σ_p a_{n,c,p} · ∂L_n/∂a_{n,c,p} |,   M = positions per channel.
 *
 * The inner sum is read off one backward pass: multiply the removal-point output by a per-image gate g_{n,c}
 * held at 1; then ∂L_n/∂g_{n,c} = Σ_p a_{n,c,p} · ∂L_n/∂(g·a)_{n,c,p}, which at g = 1 is exactly the sum
 * above. L is the summed (not averaged) cross-entropy over the batch, so each image's gate gets the gradient
 * of its own loss. Molchanov et al. also ℓ2-normalise Θ per layer; that does not change the ranking within a
 * group, so Carve reports the raw Θ and leaves cross-group normalisation to the pruner.
 * Already-removed filters are gated at 0 and not scored.
 */
import * as tf from "@tensorflow/tfjs-core";

import { CarveError } from "../errors.js";
import type { FilterGroup } from "../graph/index.js";
import { outputsProbabilities } from "../model/outputs.js";
import { type OperationControl, checkpoint } from "../util/operation.js";
import type { CriterionResult, ImportanceCriterion, RawFilterScore, ScoringContext } from "./criterion.js";
import { phasedProgress } from "./progress.js";
import { keepMask, remainingFilters } from "./removal.js";

const EPSILON = 1e-7;

/** Spatial rank and positions per channel (M) at the group's removal point. */
function removalPointGeometry(
  context: ScoringContext,
  group: FilterGroup,
): { rank: number; positions: number } {
  const name = group.removalPoints[0];
  if (name === undefined) {
    throw new CarveError("INVALID_MODEL", `taylor criterion: group "${group.id}" has no removal point`);
  }
  const raw = context.model.getLayer(name).outputShape;
  const shape = (Array.isArray(raw[0]) ? raw[0] : raw) as Array<number | null>;
  const spatial = shape.slice(1, -1);
  if (spatial.some((d) => d === null)) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `taylor criterion: removal point "${name}" of group "${group.id}" has unknown spatial size ` +
        `[${shape.join(", ")}]; give the model a fixed input shape`,
    );
  }
  return { rank: shape.length, positions: spatial.reduce<number>((a, d) => a * d!, 1) };
}

/** A gate of ones with the base-removed channels at 0, per image ([n, 1, 1, C] for images, [n, C] for vectors). */
function gateFor(group: FilterGroup, context: ScoringContext, n: number, rank: number): tf.Tensor {
  const keep = keepMask(group, context.base);
  const values = new Float32Array(n * group.size);
  for (let i = 0; i < n; i++) values.set(keep, i * group.size);
  const shape = [n, ...new Array<number>(Math.max(rank - 2, 0)).fill(1), group.size];
  return tf.tensor(values, shape, "float32");
}

export const taylorCriterion: ImportanceCriterion = {
  name: "taylor",
  needsData: true,
  async score(context: ScoringContext, control: OperationControl): Promise<CriterionResult> {
    const dataset = context.dataset!;
    const probabilities = outputsProbabilities(context.model);
    const classes = dataset.classNames.length;
    const geometry = context.groups.map((g) => removalPointGeometry(context, g));
    const scoredIds = new Set(context.groups.map((g) => g.id));
    // Groups with removed filters that are not being scored still need those filters gated off.
    const fixedGroups = context.graph.groups.filter(
      (g) => !scoredIds.has(g.id) && context.base.get(g.id)?.size,
    );
    const sums = context.groups.map((g) => new Float64Array(g.size));
    const batches = Math.ceil(dataset.size / context.batchSize);
    const report = phasedProgress(batches, control.onProgress);
    let batchNumber = 0;
    for (const batch of dataset.batches({ batchSize: context.batchSize })) {
      batchNumber++;
      let perGroup: tf.Tensor[] = [];
      try {
        await checkpoint(control.signal, "taylor scoring");
        const n = batch.images.shape[0];
        perGroup = tf.tidy(() => {
          const fixed = fixedGroups.map(
            (g) => [g.id, tf.tensor2d(keepMask(g, context.base), [1, g.size])] as const,
          );
          const gates = context.groups.map((g, i) => gateFor(g, context, n, geometry[i]!.rank));
          const lossOf = (...scored: tf.Tensor[]): tf.Scalar => {
            const all = new Map<string, tf.Tensor>(fixed);
            context.groups.forEach((g, i) => all.set(g.id, scored[i]!));
            const output = context.masked.predictWithGates(batch.images, all);
            const logProbs = probabilities
              ? tf.log(tf.clipByValue(output, EPSILON, 1))
              : tf.logSoftmax(output);
            return tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(batch.labels, classes)))) as tf.Scalar;
          };
          const grads = tf.grads(lossOf)(gates);
          // |Σ_p a·∂L/∂a| per image and channel, summed over the batch's images.
          return grads.map((g, i) => tf.sum(tf.abs(tf.reshape(g, [n, context.groups[i]!.size])), 0));
        });
        const values = await Promise.all(perGroup.map((t) => t.data()));
        values.forEach((v, i) => {
          const sum = sums[i]!;
          for (let c = 0; c < sum.length; c++) sum[c] = sum[c]! + v[c]!;
        });
      } finally {
        tf.dispose(perGroup);
        batch.images.dispose();
        batch.labels.dispose();
      }
      report(`taylor: batch ${batchNumber}/${batches}`, batchNumber);
    }
    const groups = new Map<string, RawFilterScore[]>();
    context.groups.forEach((group, i) => {
      const scale = 1 / (dataset.size * geometry[i]!.positions);
      groups.set(
        group.id,
        remainingFilters(group, context.base).map((filter) => ({ filter, score: sums[i]![filter]! * scale })),
      );
    });
    return { groups };
  },
};
