import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";

import { DatasetSplit } from "../analysis/analysis.type.js";

@InputType({ description: "Filters of one layer, by index." })
export class LayerFilters {
  @Field(() => String, { description: "A prunable layer of the model." })
  layer!: string;

  @Field(() => [Int], { description: "Filter (output channel) indices of that layer." })
  filters!: number[];
}

@ObjectType({ description: "Filters of one layer, by index." })
export class RemovedLayerFilters {
  @Field(() => String, { description: "The layer." })
  layer!: string;

  @Field(() => String, {
    description: "Its filter group; layers coupled by an Add share one, and lose the same filters.",
  })
  filterGroupId!: string;

  @Field(() => [Int], { description: "The removed filter indices, ascending." })
  filters!: number[];
}

@ObjectType({ description: "One class's accuracy with and without the removed filters." })
export class WhatIfClassAccuracy {
  @Field(() => Int, { description: "The class's label (output index)." })
  classIndex!: number;

  @Field(() => String, { description: "The class's name." })
  className!: string;

  @Field(() => Int, { description: "Images of this class in the sample." })
  images!: number;

  @Field(() => Float, {
    nullable: true,
    description: "The unpruned model's accuracy on them (null: no image).",
  })
  baseAccuracy!: number | null;

  @Field(() => Float, { nullable: true, description: "Accuracy with the filters removed (null: no image)." })
  accuracy!: number | null;

  @Field(() => Float, { nullable: true, description: "baseAccuracy − accuracy: what the class loses." })
  drop!: number | null;
}

@ObjectType({
  description:
    "What removing a set of filters would do to a model's accuracy, measured on a sample of a dataset next " +
    "to the unpruned model on the same images. Removal is virtual (the filters' channels are zeroed), as in CAR.",
})
export class WhatIf {
  @Field(() => ID, { description: "The model." })
  modelId!: string;

  @Field(() => ID, { nullable: true, description: "The dataset, when it is a registered one." })
  datasetId!: string | null;

  @Field(() => String, { description: "The dataset read: a built-in name or a folder on the server." })
  dataset!: string;

  @Field(() => DatasetSplit, { description: "The split the sample comes from." })
  split!: DatasetSplit;

  @Field(() => Int, { description: "Seed of the class-stratified sample." })
  seed!: number;

  @Field(() => Int, { description: "Images evaluated (the sample, or the whole split when smaller)." })
  images!: number;

  @Field(() => [RemovedLayerFilters], { description: "The filters removed, per layer." })
  removed!: RemovedLayerFilters[];

  @Field(() => Int, { description: "How many filters are removed in all (coupled layers count once)." })
  removedCount!: number;

  @Field(() => Float, { description: "The unpruned model's accuracy on the sample." })
  baseAccuracy!: number;

  @Field(() => Float, { description: "Accuracy with the filters removed." })
  accuracy!: number;

  @Field(() => Float, {
    description: "baseAccuracy − accuracy (for a single filter: its CAR on this sample).",
  })
  accuracyDrop!: number;

  @Field(() => Float, { description: "The unpruned model's mean cross-entropy on the sample." })
  baseLoss!: number;

  @Field(() => Float, { description: "Mean cross-entropy with the filters removed." })
  loss!: number;

  @Field(() => [WhatIfClassAccuracy], { description: "Per class, in label order." })
  perClass!: WhatIfClassAccuracy[];

  @Field(() => Boolean, { description: "Whether the answer came from the server's cache." })
  cached!: boolean;

  @Field(() => Float, { description: "Seconds the worker took (when it was computed)." })
  seconds!: number;
}
