import { Field, ID, InputType, Int } from "type-graphql";

import { DatasetSplit } from "./analysis.type.js";

@InputType({ description: "What to score by CAR." })
export class StartAnalysisInput {
  @Field(() => ID)
  modelId!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      "A registered dataset to score on (default: the model's own); its images must fit the model's input " +
      "and classes (SHAPE_MISMATCH otherwise).",
  })
  datasetId?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: "Prunable layers to score (default: every prunable layer of the model).",
  })
  layers?: string[] | null;

  @Field(() => DatasetSplit, { defaultValue: DatasetSplit.SELECTION })
  split!: DatasetSplit;

  @Field(() => Boolean, {
    defaultValue: true,
    description: "Also compute class-wise CAR (class importances).",
  })
  classwise!: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      "Score on a seeded, class-stratified sample of this many images of the split (default: all).",
  })
  maxImages?: number | null;

  @Field(() => Int, { defaultValue: 0, description: "Seed of that sample." })
  seed!: number;
}
