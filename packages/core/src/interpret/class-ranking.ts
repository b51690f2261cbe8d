/**
 * Presenting a filter's class-wise importance (class-wise CAR, computed by the importance engine): which
 * classes the filter matters most and least for. Pure; the scores come in, names and ranks go out.
 */
import { CarveError } from "../errors.js";

/** One class's score for one filter. */
export interface ClassScore {
  classIndex: number;
  className: string;
  score: number;
}

/** The ends of a filter's class ranking. */
export interface ClassRanking {
  /** The k highest scores, highest first. */
  most: ClassScore[];
  /** The k lowest scores, lowest first. */
  least: ClassScore[];
  /** Classes left out because their score is NaN (e.g. a class absent from the evaluation data). */
  unscored: number[];
}

/**
 * The k most and k least important classes of one filter, from a score per class where higher means more
 * important (class-wise CAR: the drop in that class's accuracy when the filter is removed). Equal scores are
 * ordered by class index, smaller first, in both lists, so the result is deterministic. NaN scores are left
 * out of both lists and reported in `unscored`. When k exceeds half the scored classes the two lists overlap.
 */
export function rankClasses(
  scores: ArrayLike<number>,
  classNames: readonly string[],
  k: number,
): ClassRanking {
  if (scores.length !== classNames.length) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `rankClasses got ${scores.length} scores for ${classNames.length} class names; pass one score per class`,
    );
  }
  if (!Number.isInteger(k) || k < 0) {
    throw new CarveError("INVALID_ARGUMENT", `k must be a non-negative integer, got ${k}`);
  }
  const scored: ClassScore[] = [];
  const unscored: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (Number.isNaN(score)) unscored.push(i);
    else scored.push({ classIndex: i, className: classNames[i]!, score });
  }
  // Comparisons rather than differences, so ±Infinity scores sort too (Infinity − Infinity is NaN).
  const order = (sign: 1 | -1) => (a: ClassScore, b: ClassScore) =>
    a.score !== b.score ? (a.score < b.score ? -sign : sign) : a.classIndex - b.classIndex;
  const most = scored.slice().sort(order(-1));
  const least = scored.slice().sort(order(1));
  return { most: most.slice(0, k), least: least.slice(0, k), unscored };
}
