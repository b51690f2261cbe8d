/**
 * Where the channels of a tensor come from. The last axis of every tensor in the model is described as a
 * list of blocks; a block is `repeat` copies (spatial positions, after a Flatten) of a run of segments, and a
 * segment is channels `start … start+length-1` of one filter source. Index `p·C + c` of a block with `C`
 * channels is channel `c` at position `p` — the row order of a Dense kernel after Flatten (channels last).
 */

/** Channels that belong to no prunable filter source (model inputs, layers Carve does not prune). */
export const FIXED_SOURCE = -1;

/** A run of consecutive channels of one source. */
export interface Segment {
  /** Filter source id, or {@link FIXED_SOURCE}. */
  source: number;
  /** First channel of the source in this segment. */
  start: number;
  length: number;
}

/** Segments side by side, repeated once per flattened position. */
export interface LayoutBlock {
  segments: Segment[];
  /** Sum of the segments' lengths. */
  channels: number;
  /** Positions flattened into this block (1 when the tensor still has its spatial axes). */
  repeat: number;
}

/** The last axis of a tensor: blocks side by side (several only after concatenating flattened tensors). */
export type ChannelLayout = LayoutBlock[];

/** `channels` unprunable channels. */
export function fixedLayout(channels: number): ChannelLayout {
  return [{ segments: [{ source: FIXED_SOURCE, start: 0, length: channels }], channels, repeat: 1 }];
}

/** The filters of one source, in order. */
export function sourceLayout(source: number, channels: number): ChannelLayout {
  return [{ segments: [{ source, start: 0, length: channels }], channels, repeat: 1 }];
}

/** Length of the last axis described by the layout. */
export function layoutLength(layout: ChannelLayout): number {
  return layout.reduce((sum, block) => sum + block.channels * block.repeat, 0);
}

/** Calls `visit(index, source, channel)` for every index of the last axis, in order. */
export function forEachChannel(
  layout: ChannelLayout,
  visit: (index: number, source: number, channel: number) => void,
): void {
  let index = 0;
  for (const block of layout) {
    for (let p = 0; p < block.repeat; p++) {
      for (const segment of block.segments) {
        for (let c = 0; c < segment.length; c++) visit(index++, segment.source, segment.start + c);
      }
    }
  }
}

/** Joins layouts side by side (Concatenate on the last axis), merging unflattened blocks. */
export function concatLayouts(layouts: ChannelLayout[]): ChannelLayout {
  const out: ChannelLayout = [];
  for (const block of layouts.flat()) {
    const last = out[out.length - 1];
    if (last && last.repeat === 1 && block.repeat === 1) {
      out[out.length - 1] = {
        segments: [...last.segments, ...block.segments],
        channels: last.channels + block.channels,
        repeat: 1,
      };
    } else {
      out.push(block);
    }
  }
  return out;
}

/** Layout after flattening `positions` spatial positions of an unflattened tensor. */
export function flattenLayout(layout: ChannelLayout, positions: number): ChannelLayout {
  const merged = concatLayouts([layout]);
  if (merged.length !== 1 || merged[0]!.repeat !== 1) {
    throw new Error("flattenLayout: layout is already flattened");
  }
  return [{ ...merged[0]!, repeat: positions }];
}
