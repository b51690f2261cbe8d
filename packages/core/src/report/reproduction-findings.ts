/**
 * What the numbers say about the paper's claims. Every verdict here is computed from the results with the
 * thresholds below, so a rerun on other data or another model can come out the other way and the report will
 * say so. Pure.
 */
import type {
  ColourClaim,
  DiversityRow,
  LayerDiversityResult,
  LayerPruning,
  ModelReproduction,
  OrderColourCount,
} from "./reproduction-data.js";
import { absPoints, criterionLabel, pct, points, probability } from "./report-format.js";

/** The thresholds every verdict uses; the report prints them. */
export const THRESHOLDS = {
  /** Two accuracies closer than this are never called different. */
  minDifference: 0.01,
  /** Multiplier of the standard error of a difference of accuracies (95%, two-sided). */
  z: 1.96,
  /** One-sided p-value below which a colour count or a diversity gap is called beyond chance. */
  significance: 0.05,
  /** A fine-tuned network this close to the original test accuracy has "recovered". */
  recovered: 0.01,
} as const;

/** The paper's gaps without retraining: CAR minus the best other scheme, AlexNet layers 1 and 2. */
export const PAPER_GAPS = [0.26, 0.2] as const;

export type Outcome = "ahead" | "tie" | "behind";
export type Verdict = "holds" | "partly holds" | "does not hold" | "not tested";

export interface CriterionAccuracy {
  criterion: string;
  testAccuracy: number;
}

/** Part 1 for one layer at its last step (half the filters in a full run). */
export interface HalfComparison {
  model: string;
  layer: string;
  filters: number;
  removed: number;
  original: number;
  /** Without fine-tuning, in the order the criteria ran. */
  atEnd: CriterionAccuracy[];
  car?: number;
  bestOther?: CriterionAccuracy;
  /** car − bestOther. */
  gap: number;
  /** Differences within ± margin are ties: max(minDifference, z · SE of a difference of two proportions). */
  margin: number;
  outcome: Outcome;
  /** With fine-tuning at the end. */
  fineTuned: Array<CriterionAccuracy & { belowOriginal: number }>;
}

/**
 * Margin of a difference between two accuracies measured on the same `images` test images, as if they were
 * independent samples — conservative, since paired accuracies on the same images vary less than that.
 */
export function differenceMargin(a: number, b: number, images: number): number {
  const se = Math.sqrt((a * (1 - a) + b * (1 - b)) / Math.max(1, images));
  return Math.max(THRESHOLDS.minDifference, THRESHOLDS.z * se);
}

export function compareAtEnd(model: string, layer: LayerPruning, testImages: number): HalfComparison {
  const atEnd = layer.runs.map((run) => ({
    criterion: run.criterion,
    testAccuracy: run.points.at(-1)!.testAccuracy,
  }));
  const original = layer.runs[0]?.points[0]?.testAccuracy ?? Number.NaN;
  const car = atEnd.find((a) => a.criterion === "car")?.testAccuracy;
  const others = atEnd.filter((a) => a.criterion !== "car");
  const bestOther = others.length
    ? others.reduce((best, a) => (a.testAccuracy > best.testAccuracy ? a : best))
    : undefined;
  const gap = car !== undefined && bestOther ? car - bestOther.testAccuracy : Number.NaN;
  const margin =
    car !== undefined && bestOther
      ? differenceMargin(car, bestOther.testAccuracy, testImages)
      : THRESHOLDS.minDifference;
  const outcome: Outcome = gap > margin ? "ahead" : gap < -margin ? "behind" : "tie";
  const fineTuned = layer.runs
    .filter((run) => run.fineTuned)
    .map((run) => ({
      criterion: run.criterion,
      testAccuracy: run.fineTuned!.testAccuracy,
      belowOriginal: original - run.fineTuned!.testAccuracy,
    }));
  return {
    model,
    layer: layer.layer,
    filters: layer.filters,
    removed: layer.removed,
    original,
    atEnd,
    ...(car !== undefined ? { car } : {}),
    ...(bestOther ? { bestOther } : {}),
    gap,
    margin,
    outcome,
    fineTuned,
  };
}

/** Which way a removal order leans: colour filters first, last, or no different from a random order. */
export type ColourDirection = "colour first" | "colour last" | "as chance";

export function colourDirection(count: OrderColourCount): ColourDirection {
  if (count.probabilityAtLeast < THRESHOLDS.significance) return "colour first";
  if (count.probabilityAtMost < THRESHOLDS.significance) return "colour last";
  return "as chance";
}

/**
 * What the paper's reasoning predicts for CAR on each colored-shapes variant: where colour is a useless tint,
 * colour filters cost little and go first; where only colour shows the shape (the control), they must not.
 */
export function expectedColourDirection(model: string): "colour first" | "not colour first" | undefined {
  if (model.includes("tint")) return "colour first";
  if (model.includes("isoluminant")) return "not colour first";
  return undefined;
}

export interface ColourFinding {
  model: string;
  claim: ColourClaim;
  car: OrderColourCount;
  direction: ColourDirection;
  expected?: "colour first" | "not colour first";
  /** Whether CAR went the way the paper's reasoning predicts for this variant. */
  asPredicted?: boolean;
}

export function colourFinding(model: ModelReproduction): ColourFinding | undefined {
  const claim = model.colour;
  const car = claim?.orders.find((o) => o.criterion === "car");
  if (!claim || !car) return undefined;
  const direction = colourDirection(car);
  const expected = expectedColourDirection(model.model);
  return {
    model: model.model,
    claim,
    car,
    direction,
    ...(expected ? { expected } : {}),
    ...(expected
      ? {
          asPredicted:
            expected === "colour first" ? direction === "colour first" : direction !== "colour first",
        }
      : {}),
  };
}

export interface DiversityFinding {
  model: string;
  layer: string;
  all: DiversityRow;
  car: DiversityRow;
  l1?: DiversityRow;
  randomSubsets?: DiversityRow;
  /** CAR's kept filters are less alike (lower mean |cosine|) than the whole layer. */
  lessAlikeThanAll: boolean;
  lessAlikeThanL1?: boolean;
  /** Fewer than `significance` of random subsets of the same size are as diverse as CAR's kept set. */
  beyondRandom?: boolean;
}

export function diversityFinding(model: string, layer: LayerDiversityResult): DiversityFinding | undefined {
  const find = (set: string) => layer.rows.find((r) => r.set === set);
  const all = find("all filters");
  const car = find("car");
  if (!all || !car) return undefined;
  const l1 = find("l1");
  const randomSubsets = find("random subsets");
  return {
    model,
    layer: layer.layer,
    all,
    car,
    ...(l1 ? { l1, lessAlikeThanL1: car.meanAbsCosine < l1.meanAbsCosine } : {}),
    ...(randomSubsets ? { randomSubsets } : {}),
    lessAlikeThanAll: car.meanAbsCosine < all.meanAbsCosine,
    ...(randomSubsets?.fractionAsDiverseAsCar !== undefined
      ? { beyondRandom: randomSubsets.fractionAsDiverseAsCar < THRESHOLDS.significance }
      : {}),
  };
}

/** One of the paper's claims, the verdict on this data, and the sentences behind it. */
export interface ClaimFinding {
  claim: string;
  paper: string;
  verdict: Verdict;
  details: string[];
}

function verdictOf(held: number, total: number): Verdict {
  if (total === 0) return "not tested";
  if (held === total) return "holds";
  return held === 0 ? "does not hold" : "partly holds";
}

function accuracyClaim(comparisons: readonly HalfComparison[]): ClaimFinding {
  const usable = comparisons.filter((c) => c.car !== undefined && c.bestOther);
  const details = usable.map((c) => {
    const best = c.bestOther!;
    const how =
      c.outcome === "ahead"
        ? `CAR is ahead by ${points(c.gap)} points`
        : c.outcome === "behind"
          ? `CAR is behind by ${absPoints(c.gap)} points`
          : `a tie (${points(c.gap)} points, within ±${absPoints(c.margin)})`;
    return (
      `${c.model} ${c.layer} (${c.removed} of ${c.filters} removed): CAR ${pct(c.car!)} vs ` +
      `${criterionLabel(best.criterion)} ${pct(best.testAccuracy)}, the best other criterion — ${how}.`
    );
  });
  const ahead = usable.filter((c) => c.outcome === "ahead").length;
  const behind = usable.filter((c) => c.outcome === "behind").length;
  if (usable.length) {
    const largest = Math.max(...usable.map((c) => c.gap));
    details.push(
      `CAR is ahead in ${ahead}, tied in ${usable.length - ahead - behind} and behind in ${behind} of ` +
        `${usable.length} layers. The largest gap (CAR − best other) is ${points(largest)} points, against ` +
        `${PAPER_GAPS.map((g) => points(g, 0)).join(" and ")} in the paper.`,
    );
  }
  return {
    claim: "Without retraining, CAR keeps more accuracy than the other criteria at equal compression.",
    paper: "CAR keeps 26 (layer 1) and 20 (layer 2) points more than the best other scheme on AlexNet.",
    verdict: verdictOf(ahead, usable.length),
    details,
  };
}

function fineTuneClaim(comparisons: readonly HalfComparison[]): ClaimFinding {
  const details: string[] = [];
  let recovered = 0;
  let tested = 0;
  for (const c of comparisons) {
    const car = c.fineTuned.find((f) => f.criterion === "car");
    if (!car) continue;
    tested++;
    if (car.belowOriginal <= THRESHOLDS.recovered) recovered++;
    const others = c.fineTuned.filter((f) => f.criterion !== "car");
    const best = Math.max(...others.map((f) => f.testAccuracy));
    details.push(
      `${c.model} ${c.layer}: CAR + fine-tuning ${pct(car.testAccuracy)}, ${points(-car.belowOriginal)} ` +
        `points from the original ${pct(c.original)}` +
        (others.length
          ? ` (fine-tuned ${others.map((f) => `${criterionLabel(f.criterion)} ${pct(f.testAccuracy)}`).join(", ")}; ` +
            `CAR − best of them ${points(car.testAccuracy - best)} points).`
          : "."),
    );
  }
  if (tested) {
    details.push(
      `Within ${absPoints(THRESHOLDS.recovered, 0)} point of the original in ${recovered} of ${tested} layers.`,
    );
  }
  return {
    claim: "With fine-tuning, a network pruned by CAR gets back close to the original accuracy.",
    paper: "Retraining after CAR pruning recovers most of AlexNet's accuracy.",
    verdict: verdictOf(recovered, tested),
    details,
  };
}

function colourClaimFinding(findings: readonly ColourFinding[]): ClaimFinding {
  const details = findings.map((f) => {
    const l1 = f.claim.orders.find((o) => o.criterion === "l1");
    const expectation =
      f.expected === undefined
        ? ""
        : f.asPredicted
          ? ` As predicted for this variant (${f.expected}).`
          : ` Not as predicted for this variant (${f.expected}).`;
    return (
      `${f.model} ${f.claim.layer}: of the first ${f.claim.drawn} filters CAR removes, ${f.car.count} are in ` +
      `the most chromatic half (chance: ${f.claim.expected.toFixed(1)}; random orders ${f.claim.random.mean.toFixed(1)} ` +
      `± ${f.claim.random.sd.toFixed(1)}; P(≥ ${f.car.count}) = ${probability(f.car.probabilityAtLeast)}, ` +
      `P(≤ ${f.car.count}) = ${probability(f.car.probabilityAtMost)}): ${f.direction}` +
      (l1 ? `; L1 takes ${l1.count}.` : ".") +
      expectation
    );
  });
  const withExpectation = findings.filter((f) => f.expected !== undefined);
  return {
    claim:
      "CAR removes colour filters first where colour does not help the task (tint variant), and not where " +
      "colour is what shows the shape (isoluminant control).",
    paper:
      "Of the first 20 filters CAR prunes from AlexNet, 17 (layer 1) and 14 (layer 2) are colour filters.",
    verdict: verdictOf(withExpectation.filter((f) => f.asPredicted).length, withExpectation.length),
    details,
  };
}

function diversityClaimFinding(findings: readonly DiversityFinding[]): ClaimFinding {
  const details = findings.map((f) => {
    const parts = [
      `${f.model} ${f.layer}: mean |cosine| ${f.all.meanAbsCosine.toFixed(3)} for all ${f.all.filters} filters, ` +
        `${f.car.meanAbsCosine.toFixed(3)} for the ${f.car.filters} CAR keeps`,
    ];
    if (f.l1) parts.push(`${f.l1.meanAbsCosine.toFixed(3)} for L1's`);
    if (f.randomSubsets) {
      parts.push(
        `${f.randomSubsets.meanAbsCosine.toFixed(3)} ± ${(f.randomSubsets.sdAbsCosine ?? 0).toFixed(3)} for ` +
          `random subsets (${pct(f.randomSubsets.fractionAsDiverseAsCar ?? Number.NaN, 0)} of them as diverse as CAR's)`,
      );
    }
    return `${parts.join(", ")}.`;
  });
  const held = findings.filter((f) => f.lessAlikeThanAll && f.beyondRandom !== false).length;
  return {
    claim:
      "The filters CAR keeps are more diverse than the layer they came from (CAR removes redundant filters " +
      "first), beyond what a random choice of the same size gives.",
    paper: "CAR prunes similar (redundant) filters first, e.g. several alike colour blobs in AlexNet.",
    verdict: verdictOf(held, findings.length),
    details,
  };
}

/** Everything section 5 of the report says, computed from the results. */
export interface Findings {
  comparisons: HalfComparison[];
  colour: ColourFinding[];
  diversity: DiversityFinding[];
  claims: ClaimFinding[];
}

export function findingsOf(models: readonly ModelReproduction[]): Findings {
  const comparisons = models.flatMap((m) =>
    m.pruning.map((layer) => compareAtEnd(m.model, layer, m.data.test.size)),
  );
  const colour = models.map(colourFinding).filter((f): f is ColourFinding => f !== undefined);
  const diversity = models.flatMap((m) =>
    m.diversity
      .map((layer) => diversityFinding(m.model, layer))
      .filter((f): f is DiversityFinding => f !== undefined),
  );
  return {
    comparisons,
    colour,
    diversity,
    claims: [
      accuracyClaim(comparisons),
      fineTuneClaim(comparisons),
      colourClaimFinding(colour),
      diversityClaimFinding(diversity),
    ],
  };
}
