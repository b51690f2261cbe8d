import type { Dataset } from "../data/dataset.js";
import { createRng, permutation } from "../util/random.js";

/**
 * A seeded, class-stratified sample of exactly `count` images of `dataset`, in dataset order. Each class gets
 * its share count·N_c/N rounded by largest remainder (so the total is exact), its images drawn at random.
 * Taking the *first* `count` images instead would be a trap: splits such as Carve's mnist test set are stored
 * class by class, so a prefix can hold only zeros and ones.
 */
export function stratifiedSample(dataset: Dataset, count: number, seed: number): Dataset {
  if (count >= dataset.size) return dataset;
  const labels = dataset.labels();
  const byClass: number[][] = dataset.classNames.map(() => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
  const quotas = byClass.map((members) => (count * members.length) / dataset.size);
  const take = quotas.map(Math.floor);
  let left = count - take.reduce((a, b) => a + b, 0);
  const byRemainder = quotas
    .map((q, c) => ({ c, remainder: q - Math.floor(q) }))
    .sort((a, b) => b.remainder - a.remainder || a.c - b.c);
  for (const { c } of byRemainder) {
    if (left === 0) break;
    take[c]! += 1;
    left--;
  }
  const rng = createRng(seed);
  const chosen: number[] = [];
  byClass.forEach((members, c) => {
    const order = permutation(members.length, rng);
    for (let j = 0; j < take[c]!; j++) chosen.push(members[order[j]!]!);
  });
  chosen.sort((a, b) => a - b);
  return dataset.subset(chosen, `${dataset.name}[${count} sampled, seed ${seed}]`);
}
