import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import {
  type CriterionName,
  type RankAgreement,
  type ScoreReport,
  compareRankings,
  scoreFilters,
} from "../importance/index.js";
import { type OperationControl, checkpoint } from "../util/operation.js";

/** How far a proxy criterion's ranking agrees with CAR's, per group, on the unpruned model. */
export interface ProxyAgreement {
  criterion: CriterionName;
  groups: RankAgreement[];
}

/**
 * Scores the groups once under CAR and once under each proxy, on the same data and model, and reports their
 * rank agreement (Spearman's rho, and the overlap of the k filters each would prune first). A proxy that
 * agrees with CAR is a cheap stand-in; one that does not prunes different filters than accuracy would.
 */
export async function rankAgreementWithCar(
  model: tfl.LayersModel,
  options: {
    groups?: readonly string[];
    dataset: Dataset;
    proxies: readonly CriterionName[];
    k?: number;
    seed?: number;
    batchSize?: number;
  },
  control: OperationControl = {},
): Promise<ProxyAgreement[]> {
  const score = (criterion: CriterionName): Promise<ScoreReport> =>
    scoreFilters(
      model,
      criterion,
      {
        ...(options.groups ? { groups: options.groups } : {}),
        dataset: options.dataset,
        seed: options.seed ?? 0,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      },
      control,
    );
  const car = await score("car");
  const agreements: ProxyAgreement[] = [];
  for (const proxy of options.proxies.filter((p) => p !== "car")) {
    await checkpoint(control.signal, "rank agreement");
    const report = await score(proxy);
    agreements.push({
      criterion: proxy,
      groups: car.groups.map((g, i) => {
        // The last filter of a group has no CAR (score +Infinity): rank agreement is over the scored ones.
        const finite = { ...g, filters: g.filters.filter((f) => Number.isFinite(f.score)) };
        const other = report.groups[i]!;
        const kept = new Set(finite.filters.map((f) => f.filter));
        return compareRankings(
          finite,
          { ...other, filters: other.filters.filter((f) => kept.has(f.filter)) },
          options.k,
        );
      }),
    });
  }
  return agreements;
}
