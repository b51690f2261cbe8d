import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";

import { ConnectionType } from "../common/connection.js";

export enum AnalysisStatus {
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
  INTERRUPTED = "INTERRUPTED",
}

registerEnumType(AnalysisStatus, {
  name: "AnalysisStatus",
  valuesConfig: {
    QUEUED: { description: "Waiting for a free job slot (CARVE_JOB_CONCURRENCY)." },
    RUNNING: { description: "Scoring in a worker thread; progress is updated as it goes." },
    SUCCEEDED: { description: "Finished; its CAR scores are on the model's filters." },
    FAILED: { description: "Stopped by an error (see error)." },
    CANCELLED: { description: "Cancelled by cancelAnalysis." },
    INTERRUPTED: { description: "The server stopped while it ran; start a new analysis to score again." },
  },
});

export enum DatasetSplit {
  SELECTION = "SELECTION",
  TRAIN = "TRAIN",
  VALIDATION = "VALIDATION",
  TEST = "TEST",
}

registerEnumType(DatasetSplit, {
  name: "DatasetSplit",
  description: "Which images choose filters.",
  valuesConfig: {
    SELECTION: {
      description:
        "Held out of training: the validation split if the dataset has one, else a seeded sample of training " +
        "images. The default, so test accuracy always comes from images that never chose a filter.",
    },
    TRAIN: { description: "The training split." },
    VALIDATION: { description: "The validation split (an error if the dataset has none)." },
    TEST: { description: "The test split." },
  },
});

@ObjectType()
export class AnalysisProgress {
  @Field(() => Int, { description: "Units done: one batch of one forward pass." })
  done!: number;

  @Field(() => Int, { description: "Units in the whole analysis (0 until the worker has counted them)." })
  total!: number;

  @Field(() => Float, { description: "done / total, 0 before the first unit, 1 when finished." })
  fraction!: number;

  @Field(() => String, {
    nullable: true,
    description: 'What is being scored, e.g. "scoring conv1: filter 3/16".',
  })
  phase!: string | null;

  @Field(() => Float, { nullable: true, description: "Seconds left, estimated from the rate so far." })
  etaSeconds!: number | null;
}

@ObjectType()
export class AnalysisError {
  @Field(() => String, { description: "A Carve error code (e.g. SHAPE_MISMATCH), INTERRUPTED, or INTERNAL." })
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: "A CAR scoring job over some layers of a model." })
export class Analysis {
  /** Not a field: resolved by `model`. */
  modelId!: string;
  /** Not a field: the dataset it reads when not the model's own, resolved by `dataset`. */
  datasetId!: string | null;
  /** Not a field: that dataset's location (a built-in name or a folder), null for the model's own. */
  datasetLocation!: string | null;

  @Field(() => ID)
  id!: string;

  @Field(() => AnalysisStatus)
  status!: AnalysisStatus;

  @Field(() => AnalysisProgress)
  progress!: AnalysisProgress;

  @Field(() => [String], { description: "The layers scored." })
  layers!: string[];

  @Field(() => DatasetSplit)
  split!: DatasetSplit;

  @Field(() => Boolean, { description: "Whether class-wise CAR (class importances) is computed too." })
  classwise!: boolean;

  @Field(() => Int, {
    nullable: true,
    description: "Score on a class-stratified sample of this many images.",
  })
  maxImages!: number | null;

  @Field(() => Int, { description: "Seed of the image sample." })
  seed!: number;

  @Field(() => Int, { nullable: true, description: "Images the scores were computed on (when finished)." })
  images!: number | null;

  @Field(() => Float, { nullable: true, description: "Accuracy of the unpruned model on those images." })
  baseAccuracy!: number | null;

  @Field(() => AnalysisError, { nullable: true })
  error!: AnalysisError | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;

  @Field(() => GraphQLISODateTime, { nullable: true })
  startedAt!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  finishedAt!: string | null;
}

@ObjectType()
export class AnalysisConnection extends ConnectionType(Analysis, "Analysis") {}
