/**
 * Adaptive greedy selection: find the filter with the lowest CAR without scoring every filter on every image
 * (successive elimination, as in Hoeffding races — Maron & Moore 1994 — and best-arm identification).
 *
 * Images are visited chunk by chunk in the session's seeded random order, so the images seen after any chunk
 * are a uniform random sample, without replacement, of the evaluation set. The session's "race" schedule ends
 * segments at N/32, N/16, then every N/16 images (session.ts); after each, the empirical leader ℓ (lowest
 * (b − c), then lowest loss increase) is compared with every other survivor f on the paired per-image
 * differences e_i = d_i(f) − d_i(ℓ), d_i = correct_base(i) − correct_without(i) ∈ {−1, 0, 1} (so e_i ∈ {−1, 0,
 * 1} too, see below). f is eliminated once the sample shows, at the stated confidence, that Σ_all e_i > 0 —
 * that f's CAR on the whole set is higher than ℓ's, so f cannot be the exact choice. Survivors are scored on
 * every image, and the choice among them is the exact rule (CAR, then loss increase, then group order, then
 * index). So the choice differs from exact only if the exact winner w was eliminated. For w, Σ_all e ≤ 0
 * against every other filter, so each test that could eliminate it errs with probability ≤ δ; w meets at
 * most (candidates − 1) leaders at each of the T tests, and δ = (1 − confidence) / (candidates × T) bounds
 * the chance of a different choice by 1 − confidence (union bound).
 *
 * Tests (`bound`):
 * - "sign" (default, rigorous): an exact sign test on the discordant images (e_i ≠ 0). e_i is never ±2: d_i(f)
 *   and d_i(ℓ) share the base network's correctness on image i, so both are in {0, 1} (base right) or both
 *   in {−1, 0} (base wrong). Hence Σ_all e_i ≤ 0 means at most half of the D discordant images of the whole
 *   set are positive. Given that K of them were sampled, the positives among those K are hypergeometric with
 *   mean μ ≤ K/2; a hypergeometric variable is a sum of independent Bernoulli variables (Vatutin & Mikhailov
 *   1982), and such a sum exceeds u ≥ μ + 1 no more often than a binomial of the same mean does (Hoeffding
 *   1956, on the number of successes in independent trials). So P(U ≥ u) ≤ P(Bin(K, 1/2) ≥ u) for
 *   u ≥ K/2 + 1, and f is eliminated when that tail is ≤ δ. It only counts discordant images, so it adapts
 *   to how rarely two filters disagree, and the exact tail needs fewer images than a Chernoff bound on it
 *   (about ½·ln K less evidence than its ln(1/δ)).
 * - "normal" (approximate, faster): mean of e_i minus z·SE with the finite-population correction. A CLT
 *   approximation: with few discordant images its stated level is not guaranteed; the benchmark reports how
 *   often it agrees with exact.
 *
 * What it cannot do: separate near-ties. The lowest CARs of a greedy step typically differ by a few images
 * while each pair disagrees on 1–2% of the images (e.g. Fashion-MNIST conv1, step 1: net flips −15, −12, −9,
 * −9 with 89–276 flipped images each); no sample short of the whole set settles those, so they are scored on
 * every image and the saving comes from the filters whose CAR is clearly higher.
 */
import { CarveError } from "../errors.js";
import type { FilterRemoval } from "../mask/index.js";
import { type OperationControl, checkpoint } from "../util/operation.js";
import type { CarSession, FilterTally } from "./session.js";

export type RaceBound = "sign" | "normal";

export interface RaceOptions {
  /** Probability that the exact lowest-CAR filter survives every test, e.g. 0.95. */
  confidence: number;
  /** The elimination test (default "sign"). */
  bound?: RaceBound;
}

export interface RaceCandidate {
  groupId: string;
  /** Position of the group in the request (ties of CAR and loss go to the earlier group). */
  groupOrder: number;
  filter: number;
  /** Paired statistics on the images this candidate was scored on (all of them for survivors). */
  tally: FilterTally;
  /** Images seen when it was eliminated; undefined for survivors. */
  eliminatedAfter?: number;
}

export interface RaceResult {
  /** The lowest-CAR survivor, scored on every image. Undefined when no group has two filters left. */
  choice?: RaceCandidate;
  candidates: RaceCandidate[];
  /** (filter, image) outcomes computed. */
  filterImageEvaluations: number;
  /** Base-network images per chunk × chunks visited, for comparison with an exact step. */
  images: number;
  baseRight: number;
  /** Per class, of the images seen. */
  baseRightByClass: Float64Array;
  baseLossSum: number;
  /** Elimination tests made (δ is split over candidates × the tests the schedule allows). */
  tests: number;
  /** Largest tensor memory in use during the race (bytes). */
  peakTensorBytes?: number;
  /** Images seen after each chunk → base-network correct images among them (for eliminated candidates). */
  baseRightAfter: Map<number, number>;
  /** Images seen after each chunk → images per class among them. */
  classCountsAfter: Map<number, Float64Array>;
}

/**
 * ln P(Bin(K, 1/2) ≥ u), for 0 ≤ u ≤ K. Above the middle: the first term C(K, u)·2^−K in logs, then the
 * ratios of the next ones, each smaller than the one before, so the sum neither overflows nor runs long.
 * Below it, by symmetry: 1 − P(Bin(K, 1/2) ≥ K − u + 1).
 */
export function logBinomialTail(k: number, u: number): number {
  if (!(Number.isInteger(k) && Number.isInteger(u) && u >= 0 && u <= k)) {
    throw new CarveError("INVALID_ARGUMENT", `logBinomialTail: need integers 0 ≤ u ≤ K, got K=${k}, u=${u}`);
  }
  if (u === 0) return 0;
  if (2 * u < k) return Math.log1p(-Math.exp(logBinomialTail(k, k - u + 1)));
  let logFirst = -k * Math.LN2;
  for (let i = 1; i <= u; i++) logFirst += Math.log((k - u + i) / i);
  let sum = 1;
  let term = 1;
  for (let j = u; j < k; j++) {
    term *= (k - j) / (j + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return logFirst + Math.log(sum);
}

/** Φ⁻¹(p) for a standard normal (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1))
    throw new CarveError("INVALID_ARGUMENT", `normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Whether paired differences e (f minus the leader) on `n` of `population` images show Σ_all e > 0 at
 * error probability δ.
 */
export function showsHigherCar(
  e: Int8Array,
  n: number,
  population: number,
  delta: number,
  bound: RaceBound,
): boolean {
  let positive = 0;
  let negative = 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const v = e[i]!;
    if (v > 0) positive++;
    else if (v < 0) negative++;
    sum += v;
    squares += v * v;
  }
  if (sum <= 0) return false;
  if (bound === "sign") {
    const k = positive + negative;
    return positive >= k / 2 + 1 && logBinomialTail(k, positive) <= Math.log(delta);
  }
  if (n < 2) return false;
  const mean = sum / n;
  const variance = Math.max(0, (squares - n * mean * mean) / (n - 1));
  const correction = population > 1 ? Math.max(0, (population - n) / (population - 1)) : 0;
  const radius = normalQuantile(1 - delta) * Math.sqrt((variance / n) * correction);
  return mean - radius > 0;
}

interface Runner {
  candidate: RaceCandidate;
  group: number;
  /** d_i per image in visiting order (position in the session's order). */
  d: Int8Array;
  /** Σ (b − c) so far. */
  net: number;
}

/** Exact tie-breaking order of greedy pruning on two tallies seen on the same images. */
function before(x: Runner, y: Runner): number {
  return (
    x.net - y.net ||
    x.candidate.tally.lossDelta - y.candidate.tally.lossDelta ||
    x.candidate.groupOrder - y.candidate.groupOrder ||
    x.candidate.filter - y.candidate.filter
  );
}

/**
 * Races the remaining filters of `groupIds` (with `base` removed) for the lowest CAR; see the module comment.
 * Checks `control.signal` between chunks.
 */
export async function raceLowestCar(
  session: CarSession,
  groupIds: readonly string[],
  base: FilterRemoval,
  options: RaceOptions,
  control: OperationControl = {},
): Promise<RaceResult> {
  const { confidence } = options;
  const bound = options.bound ?? "sign";
  if (!(confidence > 0 && confidence < 1)) {
    throw new CarveError("INVALID_ARGUMENT", `adaptive.confidence must be in (0, 1), got ${confidence}`);
  }
  const classes = session.dataset.classNames.length;
  const labels = session.dataset.labels();
  const runners: Runner[] = [];
  // Group index → filter index → runner (the sink runs once per filter·image: no string keys there).
  const byGroup = new Map<number, Runner[]>();
  groupIds.forEach((groupId, groupOrder) => {
    const group = session.executor.indexOf(groupId);
    const remaining = session.remaining(group, base);
    if (remaining.length < 2) return;
    const table: Runner[] = [];
    byGroup.set(group, table);
    for (const filter of remaining) {
      const runner: Runner = {
        candidate: {
          groupId,
          groupOrder,
          filter,
          tally: {
            filter,
            images: 0,
            rightToWrong: 0,
            wrongToRight: 0,
            lossDelta: 0,
            classRightToWrong: new Float64Array(classes),
            classWrongToRight: new Float64Array(classes),
          },
        },
        group,
        d: new Int8Array(session.images),
        net: 0,
      };
      runners.push(runner);
      table[filter] = runner;
    }
  });
  const result: RaceResult = {
    candidates: runners.map((r) => r.candidate),
    filterImageEvaluations: 0,
    images: 0,
    baseRight: 0,
    baseRightByClass: new Float64Array(classes),
    baseLossSum: 0,
    tests: 0,
    baseRightAfter: new Map(),
    classCountsAfter: new Map(),
  };
  const classCounts = new Float64Array(classes);
  if (runners.length === 0) return result;
  const chunks = session.chunks.length;
  // Tests happen where a segment of the schedule ends, never after the last chunk (survivors are then exact).
  const testAfter = new Set(session.checkpoints.filter((j) => j < chunks - 1));
  // Union bound: the exact winner w is compared with at most every other candidate as leader, at every test.
  const delta = (1 - confidence) / (runners.length * Math.max(1, testAfter.size));
  session.resetStats();
  session.focus([...new Set(runners.map((r) => r.group))], base);
  let alive = runners;
  let seen = 0;
  // Position of each image in the visiting order, to store d_i densely.
  const position = new Int32Array(session.images);
  for (let j = 0; j < chunks; j++) {
    await checkpoint(control.signal, "adaptive CAR selection");
    const chunk = session.chunks[j]!;
    chunk.indices.forEach((image, r) => (position[image] = seen + r));
    const work = new Map<number, number[]>();
    for (const r of alive) work.set(r.group, [...(work.get(r.group) ?? []), r.candidate.filter]);
    await session.processChunk(
      j,
      [...work].map(([group, filters]) => ({ group, filters })),
      base,
      {
        base: (image, correct, loss) => {
          if (correct) {
            result.baseRight++;
            result.baseRightByClass[labels[image]!]! += 1;
          }
          result.baseLossSum += loss;
        },
        filter: (group, filter, image, baseCorrect, correct, lossDelta) => {
          const runner = byGroup.get(group)![filter]!;
          const tally = runner.candidate.tally;
          tally.images++;
          tally.lossDelta += lossDelta;
          const d = (baseCorrect ? 1 : 0) - (correct ? 1 : 0);
          if (d === 0) return;
          runner.d[position[image]!] = d;
          runner.net += d;
          if (d > 0) {
            tally.rightToWrong++;
            tally.classRightToWrong![labels[image]!]! += 1;
          } else {
            tally.wrongToRight++;
            tally.classWrongToRight![labels[image]!]! += 1;
          }
        },
      },
    );
    const n = chunk.indices.length;
    seen += n;
    result.images = seen;
    result.baseRightAfter.set(seen, result.baseRight);
    for (const image of chunk.indices) classCounts[labels[image]!]! += 1;
    result.classCountsAfter.set(seen, Float64Array.from(classCounts));
    result.filterImageEvaluations += alive.length * n;
    control.onProgress?.({
      phase: `adaptive CAR: ${alive.length} of ${runners.length} filters left after ${seen} images`,
      done: j + 1,
      total: chunks,
    });
    if (alive.length > 1 && testAfter.has(j)) {
      result.tests++;
      const leader = alive.reduce((best, r) => (before(r, best) < 0 ? r : best));
      const e = new Int8Array(seen);
      alive = alive.filter((r) => {
        if (r === leader) return true;
        for (let i = 0; i < seen; i++) e[i] = r.d[i]! - leader.d[i]!;
        if (!showsHigherCar(e, seen, session.images, delta, bound)) return true;
        r.candidate.eliminatedAfter = seen;
        return false;
      });
    }
  }
  result.choice = alive.reduce((best, r) => (before(r, best) < 0 ? r : best)).candidate;
  result.peakTensorBytes = session.statsSoFar.peakTensorBytes;
  return result;
}
