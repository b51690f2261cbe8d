import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";

import { ConnectionType } from "../common/connection.js";

export enum ModelSource {
  DEMO = "DEMO",
  PATH = "PATH",
}

registerEnumType(ModelSource, {
  name: "ModelSource",
  description: "Where a model's files are.",
  valuesConfig: {
    DEMO: { description: "A demo model shipped with Carve (packages/core/models)." },
    PATH: { description: "A model.json on the server's disk." },
  },
});

@ObjectType({ description: "A CNN registered with Carve: its shape, size, accuracy, layers and analyses." })
export class Model {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => ModelSource)
  source!: ModelSource;

  @Field(() => String, { description: "The demo's name, or the path of the model on the server." })
  location!: string;

  @Field(() => String, {
    nullable: true,
    description: "The dataset analyses read: a built-in name (e.g. mnist) or a folder on the server.",
  })
  dataset!: string | null;

  @Field(() => String, { description: "Sequential or Functional." })
  topology!: string;

  @Field(() => [Int], { nullable: "items", description: "Input shape without the batch dimension (HWC)." })
  inputShape!: Array<number | null>;

  @Field(() => [String], { description: "Class names, in output order." })
  classes!: string[];

  @Field(() => Int)
  params!: number;

  @Field(() => Float, { description: "Floating-point operations per image (2 × multiply-accumulates)." })
  flops!: number;

  @Field(() => Int, { description: "Bytes of model.json and its weight files." })
  sizeBytes!: number;

  @Field(() => Float, {
    nullable: true,
    description: "Accuracy on the test split of its dataset, when known (a demo's model card, or measured).",
  })
  accuracy!: number | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;

  @Field(() => GraphQLISODateTime)
  updatedAt!: string;

  @Field(() => ID, { description: "The workspace it belongs to (a compressed model: its source's)." })
  workspaceId!: string;
}

@ObjectType()
export class ModelConnection extends ConnectionType(Model, "Model") {}

@ObjectType({ description: "What deleting a model removed with it." })
export class DeletedModelCounts {
  @Field(() => Int)
  layers!: number;

  @Field(() => Int)
  filters!: number;

  @Field(() => Int, { description: "Analyses (any status; running ones were cancelled first)." })
  analyses!: number;

  @Field(() => Int)
  carScores!: number;
}

@ObjectType()
export class DeleteModelPayload {
  @Field(() => ID)
  id!: string;

  @Field(() => DeletedModelCounts)
  deleted!: DeletedModelCounts;
}
