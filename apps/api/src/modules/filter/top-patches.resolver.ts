import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root } from "type-graphql";

import type { Context } from "../../context.js";
import { DatasetSplit } from "../analysis/analysis.type.js";
import { Filter } from "./filter.type.js";
import { checkTopPatchesArgs } from "./top-patches.service.js";
import { TopPatch } from "./top-patches.type.js";

/** Cost of topPatches in the query complexity limit: it runs a worker over up to `images` images. */
const TOP_PATCHES_COMPLEXITY = 20;

@Resolver(() => Filter)
export class FilterPatchesResolver {
  @FieldResolver(() => [TopPatch], {
    complexity: TOP_PATCHES_COMPLEXITY,
    description:
      "The image patches this filter responds to most, strongest first, at most one per image, from a " +
      "seeded class-stratified sample of the dataset; computed in a worker thread for all filters of the " +
      "layer asked for in one request, then cached. Empty for a Dense layer's units.",
  })
  topPatches(
    @Root() filter: Filter,
    @Arg("k", () => Int, { defaultValue: 9, description: "Patches (at most 25)." }) k: number,
    @Arg("images", () => Int, {
      defaultValue: 2000,
      description: "Images scanned: a sample of the split (the whole split when it is smaller).",
    })
    images: number,
    @Arg("split", () => DatasetSplit, {
      defaultValue: DatasetSplit.SELECTION,
      description: "The split the images come from.",
    })
    split: DatasetSplit,
    @Arg("seed", () => Int, { defaultValue: 0, description: "Seed of the sample." }) seed: number,
    @Arg("datasetId", () => ID, {
      nullable: true,
      description: "The dataset (default: the model's own).",
    })
    datasetId: string | null,
    @Ctx() ctx: Context,
  ): Promise<TopPatch[]> {
    checkTopPatchesArgs(k, images, seed);
    return ctx.loaders.topPatches.load({
      modelId: filter.modelId,
      layerName: filter.layerName,
      filter: filter.index,
      k,
      images,
      split,
      seed,
      datasetId,
    });
  }
}
