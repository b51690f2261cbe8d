/**
 * Filter diversity of a layer: how alike its filters' weight vectors are, before and after pruning. The
 * paper's reading of CAR pruning is that it removes redundant filters first (e.g. several near-identical
 * colour blobs, Abbasi-Asl & Yu 2021, sec. 4); if so, the kept filters are less alike than the full layer —
 * lower mean similarity and more clusters per filter.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { CarveError } from "../errors.js";
import { filterWeightVectors, readConvKernel } from "./conv-kernel.js";

/**
 * How two flattened weight vectors are compared.
 *
 * - "correlation": Pearson correlation, the cosine of the vectors after subtracting each one's mean weight.
 * - "cosine": cosine similarity, signed: w and −w are opposites (−1).
 * - "abs-cosine" (default for clustering): |cosine|, so w and −w count as the same feature. This treats a
 *   filter and its negation as redundant, which holds for the feature they detect but not exactly for the
 *   network: after a ReLU, w and −w pass opposite halves of the response (Shang et al. 2016 find such pairs
 *   in first layers on purpose), so choose "cosine" to count those pairs as two features.
 */
export type SimilarityMeasure = "correlation" | "cosine" | "abs-cosine";

function dot(a: ArrayLike<number>, b: ArrayLike<number>, meanA: number, meanB: number): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - meanA) * (b[i]! - meanB);
  return sum;
}

function mean(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]!;
  return v.length > 0 ? sum / v.length : 0;
}

/**
 * The n×n similarity matrix (row-major, float64) of `vectors` under `measure`. A vector with zero norm (after
 * centring, for "correlation") has no direction: its similarity is 0 to every other vector and 1 to itself.
 */
export function similarityMatrix(
  vectors: readonly ArrayLike<number>[],
  measure: SimilarityMeasure,
): Float64Array {
  const n = vectors.length;
  const length = vectors[0]?.length ?? 0;
  if (vectors.some((v) => v.length !== length)) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `weight vectors must all have one length; got lengths ${[...new Set(vectors.map((v) => v.length))].join(", ")}`,
    );
  }
  const means = vectors.map((v) => (measure === "correlation" ? mean(v) : 0));
  const norms = vectors.map((v, i) => Math.sqrt(dot(v, v, means[i]!, means[i]!)));
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    matrix[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      const denominator = norms[i]! * norms[j]!;
      let s = denominator > 0 ? dot(vectors[i]!, vectors[j]!, means[i]!, means[j]!) / denominator : 0;
      // Rounding can push |s| a hair past 1 for identical vectors.
      s = Math.max(-1, Math.min(1, s));
      if (measure === "abs-cosine") s = Math.abs(s);
      matrix[i * n + j] = s;
      matrix[j * n + i] = s;
    }
  }
  return matrix;
}

/** Clusters of filters: which cluster each filter is in, numbered by each cluster's smallest member. */
export interface FilterClusters {
  count: number;
  /** Cluster number of each vector, in input order. */
  clusterOf: Int32Array;
  /** Members per cluster, by cluster number. */
  sizes: number[];
}

/**
 * Average-linkage agglomerative clustering on a similarity matrix: repeatedly merges the two clusters whose
 * mean pairwise similarity is highest, while it is at least `threshold`. Average rather than single linkage
 * because single linkage chains (a–b and b–c alike puts a with c however unlike they are), which would make
 * the count depend on how many intermediate filters exist. Merges are tried in index order among equal
 * similarities, so the result is deterministic. O(n³) time: fine for layers of a few hundred filters.
 */
export function clusterBySimilarity(matrix: Float64Array, n: number, threshold: number): FilterClusters {
  if (matrix.length !== n * n) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `a ${n}×${n} similarity matrix has ${n * n} entries, got ${matrix.length}`,
    );
  }
  const similarity = Float64Array.from(matrix);
  const size = new Array<number>(n).fill(1);
  const parent = Array.from({ length: n }, (_, i) => i);
  const active = new Set(parent);
  for (;;) {
    let best = -Infinity;
    let bi = -1;
    let bj = -1;
    for (const i of active) {
      for (const j of active) {
        if (j <= i) continue;
        const s = similarity[i * n + j]!;
        if (s > best) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0 || !(best >= threshold)) break;
    // Lance–Williams update for average linkage: the merged cluster's mean similarity to k is the
    // size-weighted mean of the two parts'.
    for (const k of active) {
      if (k === bi || k === bj) continue;
      const merged =
        (size[bi]! * similarity[bi * n + k]! + size[bj]! * similarity[bj * n + k]!) / (size[bi]! + size[bj]!);
      similarity[bi * n + k] = merged;
      similarity[k * n + bi] = merged;
    }
    size[bi] = size[bi]! + size[bj]!;
    parent[bj] = bi;
    active.delete(bj);
  }
  const root = (i: number): number => (parent[i] === i ? i : root(parent[i]!));
  const number = new Map<number, number>();
  const clusterOf = new Int32Array(n);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = root(i);
    let id = number.get(r);
    if (id === undefined) {
      id = sizes.length;
      number.set(r, id);
      sizes.push(0);
    }
    clusterOf[i] = id;
    sizes[id] = sizes[id]! + 1;
  }
  return { count: sizes.length, clusterOf, sizes };
}

export interface DiversityOptions {
  /** Similarity used for clustering; default "abs-cosine". Both means below are reported regardless. */
  measure?: SimilarityMeasure;
  /** Filters at least this similar (average linkage) share a cluster; default 0.5. */
  threshold?: number;
}

/** How alike a set of filters is. */
export interface FilterDiversity {
  filters: number;
  /** Mean Pearson correlation over the filters' unordered pairs; NaN with fewer than two filters. */
  meanCorrelation: number;
  /** Mean |cosine similarity| over the pairs; NaN with fewer than two filters. */
  meanAbsCosine: number;
  measure: SimilarityMeasure;
  threshold: number;
  /** Clusters at `threshold` under `measure`: 1 when all filters are alike, `filters` when none are. */
  clusters: FilterClusters;
}

function meanOffDiagonal(matrix: Float64Array, n: number, transform: (v: number) => number): number {
  if (n < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += transform(matrix[i * n + j]!);
  return sum / ((n * (n - 1)) / 2);
}

/**
 * Diversity of the filters whose flattened weights are `vectors` (any layout, the same for all): mean
 * pairwise correlation and |cosine|, and the number of clusters of alike filters. Pure. To compare before
 * and after pruning, pass all vectors, then only the kept ones (or use {@link layerDiversity} with `keep`).
 */
export function filterDiversity(
  vectors: readonly ArrayLike<number>[],
  options: DiversityOptions = {},
): FilterDiversity {
  const measure = options.measure ?? "abs-cosine";
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `similarity threshold must be a finite number, got ${threshold}`,
    );
  }
  const n = vectors.length;
  const correlation = similarityMatrix(vectors, "correlation");
  const cosine = measure === "correlation" ? similarityMatrix(vectors, "cosine") : undefined;
  const chosen = measure === "correlation" ? correlation : similarityMatrix(vectors, measure);
  return {
    filters: n,
    meanCorrelation: meanOffDiagonal(correlation, n, (v) => v),
    meanAbsCosine: meanOffDiagonal(cosine ?? chosen, n, Math.abs),
    measure,
    threshold,
    clusters: clusterBySimilarity(chosen, n, threshold),
  };
}

export interface LayerDiversityOptions extends DiversityOptions {
  /** Indices of the filters still in the layer (e.g. after pruning); default all. */
  keep?: readonly number[];
}

/** {@link FilterDiversity} of a Conv2D layer's filters, with the filter index behind each vector. */
export interface LayerDiversity extends FilterDiversity {
  layerName: string;
  /** The filters compared, in the order of `clusters.clusterOf`. */
  filterIndices: number[];
}

/** Reads a Conv2D layer's kernel and computes {@link filterDiversity} of all filters or of `keep`. */
export function layerDiversity(
  model: tfl.LayersModel,
  layerName: string,
  options: LayerDiversityOptions = {},
): LayerDiversity {
  const kernel = readConvKernel(model, layerName);
  const filterIndices = options.keep
    ? Array.from(options.keep)
    : Array.from({ length: kernel.filters }, (_, i) => i);
  if (new Set(filterIndices).size !== filterIndices.length) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `keep lists a filter of "${layerName}" twice; a repeated filter would count as a perfect duplicate`,
    );
  }
  return {
    layerName,
    filterIndices,
    ...filterDiversity(filterWeightVectors(kernel, filterIndices), options),
  };
}
