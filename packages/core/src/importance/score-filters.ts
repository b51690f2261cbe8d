/**
 * `scoreFilters`, the one entry point of the importance module: the criterion is chosen by name (or passed as
 * an `ImportanceCriterion`), and everything the criteria share — the channel graph, the masked model, the
 * validated base removal, the evaluation set — is prepared here once.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { buildChannelGraph, type ChannelGraph, type FilterGroup } from "../graph/index.js";
import { MaskedModel, NO_REMOVAL, validateRemoval } from "../mask/index.js";
import type { OperationControl } from "../util/operation.js";
import { apozCriterion, meanActivationCriterion } from "./activation-statistics.js";
import { carCriterion } from "./car.js";
import { DEFAULT_MEMORY_BUDGET_MB } from "../fastcar/index.js";
import {
  CAR_METHODS,
  CRITERION_NAMES,
  type CriterionName,
  type FilterScore,
  type GroupScores,
  type ImportanceCriterion,
  type RawFilterScore,
  type ScoreOptions,
  type ScoreReport,
} from "./criterion.js";
import { l1Criterion } from "./l1-norm.js";
import { randomCriterion } from "./random.js";
import { stratifiedSample } from "./sample.js";
import { taylorCriterion } from "./taylor.js";

/** The built-in criteria by name. */
export const CRITERIA: Readonly<Record<CriterionName, ImportanceCriterion>> = {
  car: carCriterion,
  l1: l1Criterion,
  "mean-activation": meanActivationCriterion,
  apoz: apozCriterion,
  taylor: taylorCriterion,
  random: randomCriterion,
};

export function isCriterionName(name: string): name is CriterionName {
  return (CRITERION_NAMES as readonly string[]).includes(name);
}

const DEFAULT_BATCH_SIZE = 256;

function resolveCriterion(criterion: CriterionName | ImportanceCriterion): ImportanceCriterion {
  if (typeof criterion !== "string") return criterion;
  if (!isCriterionName(criterion)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `scoreFilters: unknown criterion "${criterion}" (expected one of: ${CRITERION_NAMES.join(", ")})`,
    );
  }
  return CRITERIA[criterion];
}

function resolveGroups(graph: ChannelGraph, ids: readonly string[] | undefined): FilterGroup[] {
  if (ids === undefined) return [...graph.groups];
  const known = new Set(graph.groups.map((g) => g.id));
  const seen = new Set<string>();
  return ids.map((id) => {
    if (!known.has(id)) {
      throw new CarveError(
        "NOT_FOUND",
        `scoreFilters: no filter group "${id}" in this model (groups: ${[...known].join(", ") || "none"})`,
      );
    }
    if (seen.has(id)) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `scoreFilters: group "${id}" is listed twice in options.groups`,
      );
    }
    seen.add(id);
    return graph.group(id);
  });
}

function checkDataset(model: tfl.LayersModel, dataset: Dataset): void {
  const expected = model.inputs[0]!.shape.slice(1);
  const got = dataset.imageShape;
  if (expected.length !== 3 || !expected.every((dim, i) => dim === null || dim === got[i])) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `scoreFilters: model "${model.name}" expects images of shape [${expected.join(", ")}] but dataset ` +
        `"${dataset.name}" has [${got.join(", ")}]`,
    );
  }
  const classes = model.outputs[0]!.shape[1];
  if (classes !== dataset.classNames.length) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `scoreFilters: model "${model.name}" has ${classes} outputs but dataset "${dataset.name}" has ` +
        `${dataset.classNames.length} classes`,
    );
  }
}

function prepareDataset(
  model: tfl.LayersModel,
  criterion: ImportanceCriterion,
  options: ScoreOptions,
): Dataset | undefined {
  if (!criterion.needsData) return undefined;
  let dataset = options.dataset;
  if (!dataset) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `scoreFilters: the "${criterion.name}" criterion reads activations or accuracy, so options.dataset ` +
        `is required (pass the evaluation set, e.g. a held-out split of the training data)`,
    );
  }
  checkDataset(model, dataset);
  const { maxImages } = options;
  if (maxImages !== undefined) {
    if (!Number.isInteger(maxImages) || maxImages < 1) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `scoreFilters: maxImages must be a positive integer, got ${maxImages}`,
      );
    }
    dataset = stratifiedSample(dataset, maxImages, options.seed ?? 0);
  }
  if (dataset.size === 0) {
    throw new CarveError(
      "INVALID_DATA",
      `scoreFilters: dataset "${dataset.name}" is empty: nothing to score on`,
    );
  }
  return dataset;
}

/** Ranks 1..n: ascending score, then ascending tie-break, then ascending filter index. */
export function rankFilterScores(groupId: string, raw: readonly RawFilterScore[]): FilterScore[] {
  const order = [...raw].sort(
    (x, y) => x.score - y.score || (x.tieBreak ?? 0) - (y.tieBreak ?? 0) || x.filter - y.filter,
  );
  const rankOf = new Map(order.map((s, i) => [s.filter, i + 1]));
  return raw.map((s) => ({
    groupId,
    filter: s.filter,
    score: s.score,
    rank: rankOf.get(s.filter)!,
    ...(s.car ? { car: s.car } : {}),
    ...(s.classwise ? { classwise: s.classwise } : {}),
  }));
}

/**
 * Scores the filters of `model` under one importance criterion. Higher score = more important for every
 * criterion; within each group, rank 1 is the filter to prune first. Filters removed in `options.base` stay
 * removed during scoring and are not scored.
 *
 * Criteria: "car" (accuracy drop when the filter is removed, with a paired 95% interval and optionally per
 * class), "l1" (Σ|W| of the filter's kernel), "mean-activation", "apoz" (1 − average percentage of zeros),
 * "taylor" (first-order Taylor |a·∂L/∂a|), "random" (seeded uniform). All but l1 and random need
 * `options.dataset`.
 *
 * Long-running: checks `control.signal` between batches and throws ABORTED; reports progress per batch. CAR
 * is exact either way: `options.method` "exact" (default) is the fast engine (src/fastcar), "naive" one
 * masked forward pass over the set per filter. The model is only read; no tensor outlives the call.
 */
export async function scoreFilters(
  model: tfl.LayersModel,
  criterion: CriterionName | ImportanceCriterion,
  options: ScoreOptions = {},
  control: OperationControl = {},
): Promise<ScoreReport> {
  const started = performance.now();
  const impl = resolveCriterion(criterion);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `scoreFilters: batchSize must be a positive integer, got ${batchSize}`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new CarveError("INVALID_ARGUMENT", `scoreFilters: seed must be an integer, got ${seed}`);
  }
  const method = options.method ?? "exact";
  if (!(CAR_METHODS as readonly string[]).includes(method)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `scoreFilters: method must be one of ${CAR_METHODS.join(", ")}, got "${method}"`,
    );
  }
  const memoryBudgetMB = options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  if (!(memoryBudgetMB > 0) || !Number.isFinite(memoryBudgetMB)) {
    throw new CarveError(
      "INVALID_ARGUMENT",
      `scoreFilters: memoryBudgetMB must be a positive number of MiB, got ${memoryBudgetMB}`,
    );
  }
  const graph = options.graph ?? buildChannelGraph(model);
  const groups = resolveGroups(graph, options.groups);
  const base = options.base ?? NO_REMOVAL;
  validateRemoval(graph, base);
  const dataset = prepareDataset(model, impl, options);
  const masked = new MaskedModel(model, graph);
  try {
    const result = await impl.score(
      {
        model,
        graph,
        masked,
        groups,
        base,
        ...(dataset ? { dataset } : {}),
        batchSize,
        classwise: options.classwise ?? false,
        seed,
        method,
        memoryBudgetMB,
      },
      control,
    );
    const scored: GroupScores[] = groups.map((group) => {
      const raw = result.groups.get(group.id);
      if (!raw) {
        throw new CarveError(
          "INVALID_ARGUMENT",
          `scoreFilters: criterion "${impl.name}" returned no scores for group "${group.id}"`,
        );
      }
      return {
        groupId: group.id,
        size: group.size,
        removed: [...(base.get(group.id) ?? [])].sort((a, b) => a - b),
        filters: rankFilterScores(group.id, raw),
      };
    });
    return {
      criterion: impl.name,
      images: dataset?.size ?? 0,
      ...(result.base ? { baseAccuracy: result.base.accuracy, baseLoss: result.base.loss } : {}),
      groups: scored,
      seconds: (performance.now() - started) / 1000,
      ...(result.engine ? { engine: result.engine } : {}),
    };
  } finally {
    masked.dispose();
  }
}
