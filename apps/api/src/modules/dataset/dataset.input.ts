import { Field, ID, InputType, Int } from "type-graphql";

import { DatasetSplit } from "../analysis/analysis.type.js";

@InputType({
  description:
    "Where a dataset is: exactly one of builtin, path (a folder on the server) or uploadId (files sent to " +
    "POST /uploads).",
})
export class RegisterDatasetInput {
  @Field(() => ID, {
    nullable: true,
    description:
      "The workspace it goes into (you need the EDITOR role there). Optional when you are an editor of exactly " +
      "one workspace.",
  })
  workspaceId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A built-in dataset: mnist, fashion-mnist, shapes-tint or shapes-isoluminant.",
  })
  builtin?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "A folder on the server under CARVE_ALLOWED_PATHS holding IDX files, CIFAR-10 batches, or one " +
      "sub-folder of images per class.",
  })
  path?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "The id POST /uploads returned for the dataset's files; the upload is used up.",
  })
  uploadId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Display name (default: the built-in or folder name).",
  })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "What the dataset is (free text)." })
  description?: string | null;

  @Field(() => [Int], {
    nullable: true,
    description:
      "Height, width and channels (1 or 3) to resize an image folder's images to; required for image " +
      "folders, ignored otherwise.",
  })
  imageShape?: number[] | null;
}

@InputType({ description: "Which images to evaluate a model on." })
export class EvaluateModelInput {
  @Field(() => ID, { description: "The model." })
  modelId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The dataset (default: the model's own); its images must fit the model's input and classes.",
  })
  datasetId?: string | null;

  @Field(() => DatasetSplit, { defaultValue: DatasetSplit.TEST, description: "The split to evaluate." })
  split!: DatasetSplit;

  @Field(() => Int, {
    nullable: true,
    description: "Evaluate a seeded, class-stratified sample of this many images (default: the whole split).",
  })
  maxImages?: number | null;

  @Field(() => Int, { defaultValue: 0, description: "Seed of that sample." })
  seed!: number;
}
