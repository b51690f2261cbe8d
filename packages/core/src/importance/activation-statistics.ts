/**
 * Criteria read off the activations at a group's removal point (the tensor whose channels `MaskedModel`
 * zeroes), one forward pass per batch and group, base removal applied:
 * - mean-activation: the mean of each channel over images and positions;
 * - apoz: 1 − APoZ, where APoZ is the Average Percentage of Zeros of the channel (Hu et al. 2016, "Network
 *   Trimming"). A channel that is mostly zero after ReLU does little, so fewer zeros = more important. APoZ
 *   is meaningful only where the removal point is a ReLU output (as in Carve's demo models); on a linear
 *   output almost nothing is exactly zero and every filter scores about 1.
 */
import * as tf from "@tensorflow/tfjs-core";

import { type OperationControl, checkpoint } from "../util/operation.js";
import type { CriterionResult, ImportanceCriterion, RawFilterScore, ScoringContext } from "./criterion.js";
import { phasedProgress } from "./progress.js";
import { remainingFilters } from "./removal.js";

/** Per group: Σ activation and #zeros per channel, and how many values each channel saw (images × positions). */
interface ChannelTotals {
  sums: Float64Array;
  zeros: Float64Array;
  count: number;
}

/** One pass over the set collecting `ChannelTotals` of every group in `context.groups`. */
export async function channelTotals(
  context: ScoringContext,
  dataset: NonNullable<ScoringContext["dataset"]>,
  what: string,
  control: OperationControl,
): Promise<Map<string, ChannelTotals>> {
  const totals = new Map<string, ChannelTotals>(
    context.groups.map((g) => [
      g.id,
      { sums: new Float64Array(g.size), zeros: new Float64Array(g.size), count: 0 },
    ]),
  );
  const batches = Math.ceil(dataset.size / context.batchSize);
  const report = phasedProgress(batches * context.groups.length, control.onProgress);
  let done = 0;
  let batchNumber = 0;
  for (const batch of dataset.batches({ batchSize: context.batchSize })) {
    batchNumber++;
    try {
      for (const group of context.groups) {
        await checkpoint(control.signal, `${what} scoring`);
        const [sums, zeros, perChannel] = tf.tidy(() => {
          const activations = context.masked.activations(batch.images, group.id, context.base);
          const channels = activations.shape[activations.shape.length - 1]!;
          const flat = tf.reshape(activations, [-1, channels]);
          return [
            tf.sum(flat, 0),
            tf.sum(tf.cast(tf.equal(flat, 0), "float32"), 0),
            flat.shape[0] as number,
          ] as const;
        });
        try {
          const [s, z] = await Promise.all([sums.data(), zeros.data()]);
          const entry = totals.get(group.id)!;
          for (let c = 0; c < group.size; c++) {
            entry.sums[c] = entry.sums[c]! + s[c]!;
            entry.zeros[c] = entry.zeros[c]! + z[c]!;
          }
          entry.count += perChannel;
        } finally {
          sums.dispose();
          zeros.dispose();
        }
        report(`${what}: ${group.id}, batch ${batchNumber}/${batches}`, ++done);
      }
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  return totals;
}

function activationCriterion(
  name: string,
  scoreOf: (totals: ChannelTotals, channel: number) => number,
): ImportanceCriterion {
  return {
    name,
    needsData: true,
    async score(context: ScoringContext, control: OperationControl): Promise<CriterionResult> {
      const totals = await channelTotals(context, context.dataset!, name, control);
      const groups = new Map<string, RawFilterScore[]>();
      for (const group of context.groups) {
        const entry = totals.get(group.id)!;
        groups.set(
          group.id,
          remainingFilters(group, context.base).map((filter) => ({ filter, score: scoreOf(entry, filter) })),
        );
      }
      return { groups };
    },
  };
}

export const meanActivationCriterion = activationCriterion(
  "mean-activation",
  (totals, c) => totals.sums[c]! / totals.count,
);

export const apozCriterion = activationCriterion("apoz", (totals, c) => 1 - totals.zeros[c]! / totals.count);
