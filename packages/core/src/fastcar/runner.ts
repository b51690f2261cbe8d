/**
 * The interface every plan implements (head-plan.ts, next-linear-plan.ts, general-plan.ts): what it needs
 * from a forward pass of the base network, the per-chunk state it builds from that, and how it produces the
 * model's outputs for the base network and for the base network without each filter.
 */
import type * as tf from "@tensorflow/tfjs-core";

import type { MaskSet, StepReplacement } from "./executor.js";
import type { OutputKind } from "./outcome.js";
import type { PlanKind } from "./plan.js";

/** What the rows handed to `visit` hold: model outputs as the naive pass sees them, or logits before a softmax. */
export type RowKind = OutputKind | "softmax-logits";

/** A plan's cached tensors and arrays for one chunk of images. */
export interface ChunkState {
  /** Images in the chunk. */
  images: number;
  /** Bytes held (tensors and typed arrays). */
  bytes: number;
  dispose(): void;
}

/**
 * Called with the base network's rows (`filter` null) and each filter's rows: one row of `classes` values per
 * image, for the chunk's images `first`, `first + 1`, … (a plan may hand over a filter's images in pieces, but
 * always the base network's rows of an image before any filter's). `rows` is only valid during the call.
 */
export type RowVisitor = (
  filter: number | null,
  rows: ArrayLike<number>,
  kind: RowKind,
  first: number,
) => void;

export interface PlanRunner {
  readonly kind: PlanKind;
  /** Index of the group in the analysis. */
  readonly group: number;
  /** Slots a base forward pass must hand over, and the last step it must run. */
  readonly captureSlots: readonly number[];
  readonly stopAfter: number;
  /**
   * A removal in another group whose removal points all come after this step leaves the chunk state valid
   * (the resumed part of the network applies it); an earlier one invalidates it.
   */
  readonly lastCapturedStep: number;
  /** Per image: bytes of the chunk state, and transient bytes while one filter is evaluated. */
  readonly stateBytesPerImage: number;
  readonly workBytesPerImage: number;
  /**
   * Optionally, how the base forward pass should compute some steps so the plan can keep a by-product (used
   * only when the pass runs through them anyway, for another plan's captures).
   */
  replacement?(): StepReplacement;
  /** Builds the chunk state; takes ownership of `captured`. */
  prepare(captured: Map<number, tf.Tensor>, images: number): ChunkState;
  /** Updates `state` in place after filters of the plan's own group joined the base removal. */
  removeFromState(state: ChunkState, filters: readonly number[]): void;
  /**
   * Rows for the base network (once, first) and for each of `filters` removed on top of `masks.removal`.
   * `maxStacked` bounds the images × copies of one batched pass.
   */
  evaluate(
    state: ChunkState,
    filters: readonly number[],
    masks: MaskSet,
    maxStacked: number,
    visit: RowVisitor,
    /** Call at the peak of each pass (inside its tf.tidy, before intermediates go) to note memory in use. */
    probe?: () => void,
  ): Promise<void>;
  /** Largest images × copies the last `evaluate` put in one batch (for the memory report). */
  readonly lastStacked: number;
  dispose(): void;
}

/** Bytes of a list of tensors. */
export function tensorBytes(tensors: readonly tf.Tensor[]): number {
  return tensors.reduce((sum, t) => sum + t.size * 4, 0);
}
