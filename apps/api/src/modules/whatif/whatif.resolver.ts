import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";

import type { Context } from "../../context.js";
import { DatasetSplit } from "../analysis/analysis.type.js";
import { DEFAULT_WHATIF_IMAGES } from "./whatif.service.js";
import { LayerFilters, WhatIf } from "./whatif.type.js";

@Resolver(() => WhatIf)
export class WhatIfResolver {
  @Query(() => WhatIf, {
    description:
      "Accuracy and per-class accuracy of a model with the given filters removed, beside the unpruned " +
      "model's, on a seeded class-stratified sample. Computed in a worker thread and cached.",
  })
  async whatIf(
    @Arg("modelId", () => ID, { description: "The model." }) modelId: string,
    @Arg("removed", () => [LayerFilters], { description: "The filters to remove (an empty list: none)." })
    removed: LayerFilters[],
    @Arg("datasetId", () => ID, {
      nullable: true,
      description: "The dataset (default: the model's own).",
    })
    datasetId: string | null,
    @Arg("images", () => Int, {
      defaultValue: DEFAULT_WHATIF_IMAGES,
      description: "Sample size (the whole split when it is smaller).",
    })
    images: number,
    @Arg("split", () => DatasetSplit, {
      defaultValue: DatasetSplit.SELECTION,
      description: "The split the sample is drawn from (default: the one CAR scores are computed on).",
    })
    split: DatasetSplit,
    @Arg("seed", () => Int, { defaultValue: 0, description: "Seed of the sample." }) seed: number,
    @Ctx() ctx: Context,
  ): Promise<WhatIf> {
    // A read: viewers and share links of the model may ask (the datasetId must be the model's workspace's).
    await ctx.access.model(modelId, "VIEWER", "modelId");
    return ctx.services.whatIf.answer({ modelId, datasetId, removed, images, split, seed });
  }
}
