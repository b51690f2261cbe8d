/**
 * A bounded, exact top-k over a stream of scored (image, position) pairs: the only state kept while scanning
 * a dataset for a filter's strongest activations, so memory is O(k) per filter however large the dataset.
 */

/** One scored location: an activation at a flat spatial position of one image. */
export interface RankedActivation {
  value: number;
  /** Index of the image in its dataset. */
  image: number;
  /** Flat spatial index, row · width + column, in the layer's output. */
  position: number;
}

/**
 * Strict order of the ranking: larger value first; equal values by smaller image index, then smaller
 * position, so the result does not depend on batch size or on the order candidates arrive in.
 */
export function ranksBefore(a: RankedActivation, b: RankedActivation): boolean {
  if (a.value !== b.value) return a.value > b.value;
  if (a.image !== b.image) return a.image < b.image;
  return a.position < b.position;
}

/**
 * Keeps the k best candidates seen so far, best first. A sorted array rather than a heap: k is small (a
 * figure shows 9–25 patches) and most candidates are rejected by one comparison with the current worst.
 */
export class RunningTopK {
  private readonly items: RankedActivation[] = [];

  constructor(readonly k: number) {}

  /** Considers one candidate; NaN activations cannot be ranked and are ignored. */
  offer(value: number, image: number, position: number): void {
    if (Number.isNaN(value) || this.k === 0) return;
    const candidate = { value, image, position };
    const items = this.items;
    if (items.length === this.k && !ranksBefore(candidate, items[items.length - 1]!)) return;
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (ranksBefore(items[middle]!, candidate)) low = middle + 1;
      else high = middle;
    }
    items.splice(low, 0, candidate);
    if (items.length > this.k) items.pop();
  }

  /** The kept candidates, best first (a copy). */
  sorted(): RankedActivation[] {
    return this.items.slice();
  }
}
