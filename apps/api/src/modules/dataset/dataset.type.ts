import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";

import { DatasetSplit } from "../analysis/analysis.type.js";
import { ConnectionType } from "../common/connection.js";

export enum DatasetSourceKind {
  BUILTIN = "BUILTIN",
  PATH = "PATH",
  UPLOAD = "UPLOAD",
}

registerEnumType(DatasetSourceKind, {
  name: "DatasetSourceKind",
  description: "Where a dataset's images come from.",
  valuesConfig: {
    BUILTIN: {
      description: "Built into Carve: mnist, fashion-mnist, shapes-tint or shapes-isoluminant.",
    },
    PATH: { description: "A folder on the server (under CARVE_ALLOWED_PATHS)." },
    UPLOAD: { description: "Files uploaded through POST /uploads, kept in the server's data folder." },
  },
});

export enum DatasetFormat {
  BUILTIN = "BUILTIN",
  IDX = "IDX",
  CIFAR10 = "CIFAR10",
  IMAGE_FOLDER = "IMAGE_FOLDER",
}

registerEnumType(DatasetFormat, {
  name: "DatasetFormat",
  description: "How a dataset's files are laid out.",
  valuesConfig: {
    BUILTIN: { description: "A built-in dataset (generated, or read from a package)." },
    IDX: { description: "MNIST-style IDX files (train-images-idx3-ubyte[.gz], …)." },
    CIFAR10: { description: "CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin)." },
    IMAGE_FOLDER: {
      description:
        "One sub-folder of images per class (optionally under train/ and test/), resized to imageShape.",
    },
  },
});

@ObjectType({ description: "A labelled image dataset that models are evaluated, scored and pruned on." })
export class Dataset {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Display name." })
  name!: string;

  @Field(() => String, { description: "What the dataset is (free text)." })
  description!: string;

  @Field(() => DatasetSourceKind, { description: "Where its images come from." })
  sourceKind!: DatasetSourceKind;

  @Field(() => DatasetFormat, { description: "How its files are laid out." })
  format!: DatasetFormat;

  @Field(() => String, {
    description: "The built-in name, or the folder on the server that holds it.",
  })
  location!: string;

  @Field(() => [String], { description: "Class names, in label order." })
  classes!: string[];

  @Field(() => [Int], { description: "Height, width and channels of every image." })
  imageShape!: number[];

  @Field(() => Int, { description: "Images in the training split." })
  trainSize!: number;

  @Field(() => Int, {
    nullable: true,
    description: "Images in the validation split (held out of training), or null when it has none.",
  })
  validationSize!: number | null;

  @Field(() => Int, { description: "Images in the test split." })
  testSize!: number;

  @Field(() => GraphQLISODateTime, { description: "When it was registered." })
  createdAt!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Its workspace; null for a built-in dataset (every member reads it).",
  })
  workspaceId!: string | null;
}

@ObjectType()
export class DatasetConnection extends ConnectionType(Dataset, "Dataset") {}

export enum EvaluationStatus {
  PENDING = "PENDING",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
}

registerEnumType(EvaluationStatus, {
  name: "EvaluationStatus",
  description: "Where an evaluation of a model on a dataset is.",
  valuesConfig: {
    PENDING: { description: "Waiting for the evaluation worker." },
    RUNNING: { description: "Being computed in a worker thread." },
    SUCCEEDED: { description: "Done: accuracy and per-class accuracy are set." },
    FAILED: { description: "Stopped by an error (see error)." },
  },
});

@ObjectType({ description: "Accuracy on one class." })
export class EvaluationClassAccuracy {
  @Field(() => Int, { description: "The class's label (output index)." })
  classIndex!: number;

  @Field(() => String, { description: "The class's name." })
  className!: string;

  @Field(() => Int, { description: "Images of this class evaluated." })
  images!: number;

  @Field(() => Int, { description: "Of those, the ones classified right." })
  correct!: number;

  @Field(() => Float, {
    nullable: true,
    description: "correct / images; null when no image of this class was evaluated.",
  })
  accuracy!: number | null;
}

@ObjectType({ description: "A model's accuracy on one split of one dataset." })
export class ModelEvaluation {
  /** Not a field: the dataset, for the `dataset` field resolver. */
  datasetId!: string;
  /** Not a field: the model, for the `model` field resolver. */
  modelId!: string;

  @Field(() => DatasetSplit, { description: "The split evaluated." })
  split!: DatasetSplit;

  @Field(() => EvaluationStatus, { description: "Whether the numbers below are there yet." })
  status!: EvaluationStatus;

  @Field(() => Int, {
    nullable: true,
    description: "Images evaluated: the whole split, or the sample asked for in evaluateModel.",
  })
  images!: number | null;

  @Field(() => Float, { nullable: true, description: "Fraction of those images classified right." })
  accuracy!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean cross-entropy per image." })
  loss!: number | null;

  @Field(() => [EvaluationClassAccuracy], {
    description: "Accuracy per class, in label order (empty until SUCCEEDED).",
  })
  perClass!: EvaluationClassAccuracy[];

  @Field(() => String, { nullable: true, description: "Why it FAILED." })
  error!: string | null;

  @Field(() => GraphQLISODateTime, { description: "When it was asked for." })
  createdAt!: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When it finished." })
  finishedAt!: string | null;
}
