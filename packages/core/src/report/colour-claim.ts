/**
 * Part 3 of the reproduction: the paper's colour observation (Abbasi-Asl & Yu 2021, sec. 4.2): of the first
 * 20 filters CAR prunes from AlexNet, 17 (layer 1) and 14 (layer 2) are colour filters. Here: how many of the
 * first filters a removal order takes from the most chromatic half of an RGB layer, against what uniformly
 * random orders give — exactly (hypergeometric) and by simulation over seeded permutations.
 */
import type { CriterionName } from "../importance/index.js";
import {
  type ConvKernel,
  chanceOverlap,
  countRemovedAmong,
  encodePng,
  filterSheet,
  splitByChromaticity,
} from "../interpret/index.js";
import { createRng, permutation } from "../util/random.js";
import type { ColourClaim, OrderColourCount } from "./reproduction-data.js";

export interface ColourClaimInput {
  layer: string;
  /** Chromaticity of every filter of the layer (see interpret/chromaticity.ts). */
  chromaticity: ArrayLike<number>;
  /** Removal orders (original filter indices, first removed first), e.g. from part 1's greedy runs. */
  orders: ReadonlyArray<{ criterion: CriterionName; order: readonly number[] }>;
  /** How many of each order's first filters are counted; at most the shortest order's length. */
  drawn: number;
  randomOrders: number;
  seed: number;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * The colour counts of every order and of `randomOrders` seeded random permutations. Pure. The most chromatic
 * half is ⌊n/2⌋ filters (`splitByChromaticity`); P(count ≥ k) and P(count ≤ k) are exact hypergeometric
 * tails for a uniformly random order, the one-sided p-values for "prunes colour filters first" and for
 * "prunes them last".
 */
export function colourClaimStatistics(input: ColourClaimInput): Omit<ColourClaim, "sheets"> {
  const values = Array.from(input.chromaticity);
  const n = values.length;
  const split = splitByChromaticity(values);
  const members = split.mostChromatic.length;
  const drawn = input.drawn;
  const tail = (observed: number) => chanceOverlap(n, members, drawn, observed).probabilityAtLeast;
  const orders: OrderColourCount[] = input.orders.map(({ criterion, order }) => {
    const count = countRemovedAmong(order, drawn, split.mostChromatic);
    const first = order.slice(0, drawn);
    const firstSet = new Set(first);
    return {
      criterion,
      firstRemoved: [...first],
      count,
      probabilityAtLeast: tail(count),
      probabilityAtMost: Math.max(0, 1 - tail(count + 1)),
      meanChromaticityRemoved: mean(first.map((f) => values[f]!)),
      meanChromaticityKept: mean(values.filter((_, f) => !firstSet.has(f))),
    };
  });
  const rng = createRng(input.seed);
  const randomCounts: number[] = [];
  for (let i = 0; i < input.randomOrders; i++) {
    randomCounts.push(countRemovedAmong(permutation(n, rng), drawn, split.mostChromatic));
  }
  const car = orders.find((o) => o.criterion === "car");
  return {
    layer: input.layer,
    filters: n,
    chromaticity: values,
    mostChromatic: split.mostChromatic,
    threshold: members > 0 ? values[split.ranking[members - 1]!]! : Number.NaN,
    drawn,
    expected: n > 0 ? (drawn * members) / n : 0,
    orders,
    random: {
      orders: input.randomOrders,
      seed: input.seed,
      mean: mean(randomCounts),
      sd: sd(randomCounts),
      min: Math.min(...randomCounts),
      max: Math.max(...randomCounts),
      atLeastCar: car ? randomCounts.filter((c) => c >= car.count).length / randomCounts.length : Number.NaN,
    },
  };
}

/**
 * Two filter sheets as PNG bytes: the first `drawn` filters of `order` (in removal order) and the filters
 * left (by index), each filter on its own symmetric scale so that grey means equal R, G, B weights.
 */
export function colourClaimSheets(
  kernel: ConvKernel,
  order: readonly number[],
  drawn: number,
): { removed: Uint8Array; kept: Uint8Array } {
  const first = order.slice(0, drawn);
  const removedSet = new Set(first);
  const kept = Array.from({ length: kernel.filters }, (_, i) => i).filter((f) => !removedSet.has(f));
  const sheet = (filters: number[]) =>
    encodePng(
      filterSheet(kernel, {
        filters,
        mode: "color",
        columns: 8,
        tileScale: 8,
        tileGap: 4,
        background: [255, 255, 255, 255],
      }).image,
      { scale: 2 },
    );
  return { removed: sheet(first), kept: sheet(kept) };
}
