import { Field, ID, InputType, registerEnumType } from "type-graphql";

import { OrderDirection } from "../filter/filter.type.js";

@InputType({
  description:
    "A TF.js layers model: exactly one of path (on the server's disk, under CARVE_ALLOWED_PATHS) or uploadId " +
    "(model.json and weight files sent to POST /uploads).",
})
export class RegisterModelInput {
  @Field(() => ID, {
    nullable: true,
    description:
      "The workspace it goes into (you need the EDITOR role there). Optional when you are an editor of exactly " +
      "one workspace.",
  })
  workspaceId?: string | null;

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

export enum ModelOrderField {
  CREATED_AT = "CREATED_AT",
  NAME = "NAME",
}

registerEnumType(ModelOrderField, {
  name: "ModelOrderField",
  description: "What to order models by.",
  valuesConfig: {
    CREATED_AT: { description: "When it was registered (ties by id)." },
    NAME: { description: "Its name, ignoring case (ties by id)." },
  },
});

@InputType({ description: "How to order models." })
export class ModelOrder {
  @Field(() => ModelOrderField, { defaultValue: ModelOrderField.CREATED_AT, description: "The key." })
  field!: ModelOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: "ASC or DESC." })
  direction!: OrderDirection;
}

@InputType({ description: "Which models to list; conditions combine with AND." })
export class ModelWhere {
  @Field(() => String, { nullable: true, description: "Its name contains this text (any case)." })
  nameContains?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "true: only models a pruning run produced (derived); false: only the others.",
  })
  derived?: boolean | null;
}
