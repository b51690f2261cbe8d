import { Field, ID, InputType } from "type-graphql";

@InputType({
  description:
    "A TF.js layers model: exactly one of path (on the server's disk, under CARVE_ALLOWED_PATHS) or uploadId " +
    "(model.json and weight files sent to POST /uploads).",
})
export class RegisterModelInput {
  @Field(() => String, {
    nullable: true,
    description: "A model.json path, or the folder holding it, under CARVE_ALLOWED_PATHS.",
  })
  path?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "The id POST /uploads returned for model.json and its weight files; the upload is used up.",
  })
  uploadId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "A registered dataset the model reads (instead of dataset).",
  })
  datasetId?: string | null;

  @Field(() => String, { nullable: true, description: "Display name (default: the folder's name)." })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Dataset for accuracy and analyses: a built-in name (mnist, fashion-mnist, shapes-tint, " +
      "shapes-isoluminant) or a folder (IDX files, CIFAR-10 batches, or one sub-folder of images per class).",
  })
  dataset?: string | null;
}
