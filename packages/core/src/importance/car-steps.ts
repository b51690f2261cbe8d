/**
 * CAR for a sequence of growing removals on one network — what greedy pruning asks for at every step when its
 * weights do not change between steps (no fine-tuning after each step). One fast-engine session serves the
 * whole sequence, so the network up to each group's removal point and the next layer's pre-activation are
 * computed once and updated by subtraction after each removal (fastcar/session.ts), instead of being
 * recomputed on a new pruned network every step.
 *
 * With `adaptive`, a step races the filters over growing random subsets of the images (fastcar/race.ts) and
 * scores only the survivors on every image; the chosen filter's statistics are then exact, the others'
 * estimates on the images they were scored on.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { CarSession, type RaceBound, raceLowestCar } from "../fastcar/index.js";
import type { ChannelGraph } from "../graph/index.js";
import type { FilterRemoval } from "../mask/index.js";
import type { OperationControl } from "../util/operation.js";
import { carScoreOf } from "./car.js";
import type { GroupScores, RawFilterScore } from "./criterion.js";
import { rankFilterScores } from "./score-filters.js";

/** Opt-in adaptive selection of the lowest-CAR filter (successive elimination). */
export interface AdaptiveCarOptions {
  /**
   * Probability that the exact lowest-CAR filter survives every elimination test, in (0, 1), e.g. 0.95: the
   * choice differs from the exact one with probability at most 1 − confidence (for the "sign" bound).
   */
  confidence: number;
  /** "sign" (default): rigorous sign test on discordant images; "normal": CLT approximation, faster. */
  bound?: RaceBound;
  /**
   * Also compute the exact choice at every step and report whether the adaptive one agrees (for benchmarks;
   * costs an exact step, timed separately in `StepScoring.verifySeconds`).
   */
  verify?: boolean;
}

export interface CarStepsOptions {
  /** The evaluation set. */
  dataset: Dataset;
  /** See `ScoreOptions.memoryBudgetMB` (default 256). */
  memoryBudgetMB?: number;
  /** Order in which images are visited (the adaptive race's random subsets); default 0. */
  seed?: number;
  graph?: ChannelGraph;
  adaptive?: AdaptiveCarOptions;
}

/** How one step's scores were obtained. */
export interface StepScoring {
  method: "exact" | "naive" | "adaptive";
  /** Seconds spent choosing (verification excluded). */
  seconds: number;
  /** (filter, image) outcomes computed to choose. */
  filterImageEvaluations: number;
  /** Adaptive with `verify`: whether the choice is the exact method's, which one that is, and its cost. */
  agreesWithExact?: boolean;
  /**
   * Adaptive with `verify`: whether the choice has the exact choice's CAR on the whole set (the same net
   * flips b − c): a different filter of equal CAR — a tie that only the loss increase or the index broke.
   */
  sameCarAsExact?: boolean;
  exactChoice?: { groupId: string; filter: number };
  verifySeconds?: number;
  /** CPU seconds of the verification (user + system, where the runtime tells: Node's process.cpuUsage). */
  verifyCpuSeconds?: number;
  /** Largest tensor memory the engine held while choosing (bytes). */
  peakTensorBytes?: number;
}

export interface CarStep {
  /** Remaining filters of each group, in original filter indices (adaptive: estimates except the choice). */
  groups: GroupScores[];
  images: number;
  baseAccuracy: number;
  baseLoss: number;
  /** Per class, the base network's correctly classified images among the step's `images`. */
  baseRightByClass: Float64Array;
  /** Adaptive: the chosen filter, exact on every image. */
  choice?: { groupId: string; filter: number };
  scoring: StepScoring;
}

/** Microseconds of CPU this process has used, where the runtime tells (Node); undefined elsewhere. */
function cpuUsage(): number | undefined {
  const usage = (
    globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }
  ).process?.cpuUsage?.();
  return usage && usage.user + usage.system;
}

/** The exact order greedy pruning removes filters in: CAR, loss increase, group order, filter index. */
function lowest(groups: readonly GroupScores[]): { groupId: string; filter: number } | undefined {
  let best: { groupId: string; filter: number; score: number; loss: number; order: number } | undefined;
  groups.forEach((group, order) => {
    for (const s of group.filters) {
      if (!Number.isFinite(s.score)) continue;
      const c = {
        groupId: group.groupId,
        filter: s.filter,
        score: s.score,
        loss: s.car?.lossIncrease ?? 0,
        order,
      };
      const ahead = best
        ? c.score - best.score || c.loss - best.loss || c.order - best.order || c.filter - best.filter
        : -1;
      if (ahead < 0) best = c;
    }
  });
  return best && { groupId: best.groupId, filter: best.filter };
}

/** CAR of every remaining filter for successive removals of one network; see the module comment. */
export class CarSteps {
  private readonly session: CarSession;
  private readonly imagesPerClass: Float64Array;

  constructor(
    model: tfl.LayersModel,
    private readonly options: CarStepsOptions,
  ) {
    const { adaptive } = options;
    if (adaptive && !(adaptive.confidence > 0 && adaptive.confidence < 1)) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `adaptive.confidence must be a probability in (0, 1), e.g. 0.95; got ${adaptive.confidence}`,
      );
    }
    const dataset = options.dataset;
    this.session = new CarSession(model, {
      dataset,
      classwise: true,
      seed: options.seed ?? 0,
      ...(options.graph ? { graph: options.graph } : {}),
      ...(options.memoryBudgetMB !== undefined ? { memoryBudgetMB: options.memoryBudgetMB } : {}),
      // The race tests where the segments of its schedule end (session.ts, raceEnds).
      ...(adaptive ? { schedule: "race" as const } : {}),
    });
    this.imagesPerClass = new Float64Array(dataset.classNames.length);
    for (const label of dataset.labels()) this.imagesPerClass[label]! += 1;
  }

  /** Scores (or, adaptive, races) the remaining filters of `groupIds` with `base` removed. */
  async step(
    groupIds: readonly string[],
    base: FilterRemoval,
    control: OperationControl = {},
  ): Promise<CarStep> {
    const started = performance.now();
    if (!this.options.adaptive) {
      const exact = await this.exact(groupIds, base, control);
      return { ...exact, scoring: { ...exact.scoring, seconds: (performance.now() - started) / 1000 } };
    }
    const race = await raceLowestCar(
      this.session,
      groupIds,
      base,
      { confidence: this.options.adaptive.confidence, bound: this.options.adaptive.bound ?? "sign" },
      control,
    );
    const byGroup = new Map<string, RawFilterScore[]>(groupIds.map((id) => [id, []]));
    for (const candidate of race.candidates) {
      const { tally } = candidate;
      byGroup
        .get(candidate.groupId)!
        .push(
          carScoreOf(
            tally,
            tally.images,
            race.baseRightAfter.get(tally.images)!,
            race.classCountsAfter.get(tally.images)!,
            true,
          ),
        );
    }
    const seconds = (performance.now() - started) / 1000;
    const step: CarStep = {
      groups: this.groupScores(groupIds, base, byGroup),
      images: race.images,
      baseAccuracy: race.baseRight / race.images,
      baseLoss: race.baseLossSum / race.images,
      baseRightByClass: race.baseRightByClass,
      ...(race.choice ? { choice: { groupId: race.choice.groupId, filter: race.choice.filter } } : {}),
      scoring: {
        method: "adaptive",
        seconds,
        filterImageEvaluations: race.filterImageEvaluations,
        ...(race.peakTensorBytes !== undefined ? { peakTensorBytes: race.peakTensorBytes } : {}),
      },
    };
    if (this.options.adaptive.verify && race.choice) {
      const verifyStarted = performance.now();
      const cpuStarted = cpuUsage();
      const exact = await this.exact(groupIds, base, control);
      const exactChoice = lowest(exact.groups)!;
      step.scoring.exactChoice = exactChoice;
      step.scoring.agreesWithExact =
        exactChoice.groupId === race.choice.groupId && exactChoice.filter === race.choice.filter;
      const exactScore = exact.groups
        .find((g) => g.groupId === exactChoice.groupId)
        ?.filters.find((f) => f.filter === exactChoice.filter)?.score;
      const { tally } = race.choice;
      // The race's choice was scored on every image: its CAR is exact too.
      step.scoring.sameCarAsExact =
        exactScore !== undefined &&
        exactScore === carScoreOf(tally, tally.images, race.baseRight, this.imagesPerClass, true).score;
      step.scoring.verifySeconds = (performance.now() - verifyStarted) / 1000;
      const cpuEnded = cpuUsage();
      if (cpuStarted !== undefined && cpuEnded !== undefined) {
        step.scoring.verifyCpuSeconds = (cpuEnded - cpuStarted) / 1e6;
      }
    }
    return step;
  }

  dispose(): void {
    this.session.dispose();
  }

  private async exact(groupIds: readonly string[], base: FilterRemoval, control: OperationControl) {
    const result = await this.session.score(groupIds, base, control);
    const byGroup = new Map<string, RawFilterScore[]>();
    for (const group of result.groups) {
      byGroup.set(
        group.groupId,
        group.filters.map((t) => carScoreOf(t, result.images, result.baseRight, this.imagesPerClass, true)),
      );
    }
    const step: CarStep = {
      groups: this.groupScores(groupIds, base, byGroup),
      images: result.images,
      baseAccuracy: result.baseRight / result.images,
      baseLoss: result.baseLossSum / result.images,
      baseRightByClass: result.baseRightByClass,
      scoring: {
        method: "exact",
        seconds: 0,
        filterImageEvaluations: result.stats.filterImageEvaluations,
        peakTensorBytes: result.stats.peakTensorBytes,
      },
    };
    return step;
  }

  private groupScores(
    groupIds: readonly string[],
    base: FilterRemoval,
    byGroup: ReadonlyMap<string, RawFilterScore[]>,
  ): GroupScores[] {
    return groupIds.map((id) => {
      const g = this.session.executor.indexOf(id);
      const remaining = this.session.remaining(g, base);
      const raw = byGroup.get(id) ?? [];
      const scores =
        raw.length > 0 || remaining.length !== 1
          ? raw
          : [{ filter: remaining[0]!, score: Number.POSITIVE_INFINITY } satisfies RawFilterScore];
      return {
        groupId: id,
        size: this.session.analysis.groups[g]!.size,
        removed: [...(base.get(id) ?? [])].sort((a, b) => a - b),
        filters: rankFilterScores(id, scores),
      };
    });
  }
}
