import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";

import { DatasetSplit } from "../analysis/analysis.type.js";
import { ConnectionType } from "../common/connection.js";
import { ClassImportance } from "../filter/filter.type.js";

export enum PruningRunStatus {
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
  INTERRUPTED = "INTERRUPTED",
}

registerEnumType(PruningRunStatus, {
  name: "PruningRunStatus",
  description: "Where a pruning run is in its life.",
  valuesConfig: {
    QUEUED: { description: "Waiting for a free job slot (CARVE_JOB_CONCURRENCY)." },
    RUNNING: { description: "Pruning in a worker thread; every step is persisted as it is made." },
    SUCCEEDED: {
      description: "Finished; the compressed model is registered (resultModel) and downloadable.",
    },
    FAILED: { description: "Stopped by an error (see error); its steps so far are kept." },
    CANCELLED: { description: "Cancelled by cancelRun; its steps so far are kept." },
    INTERRUPTED: {
      description:
        "The server stopped while it ran. Its persisted steps are kept; resumeRun continues from the last one.",
    },
  },
});

export enum PruningCriterion {
  CAR = "CAR",
  L1 = "L1",
  MEAN_ACTIVATION = "MEAN_ACTIVATION",
  APOZ = "APOZ",
  TAYLOR = "TAYLOR",
  RANDOM = "RANDOM",
}

registerEnumType(PruningCriterion, {
  name: "PruningCriterion",
  description: "How filters are ranked for removal (lowest score goes first).",
  valuesConfig: {
    CAR: { description: "Classification accuracy reduction when the filter alone is removed (the paper's)." },
    L1: { description: "Σ|W| of the filter's kernel (Li et al. 2017)." },
    MEAN_ACTIVATION: { description: "Mean activation of the filter's output channel." },
    APOZ: {
      description: "Average percentage of zeros of the output channel (Hu et al. 2016); many zeros go first.",
    },
    TAYLOR: { description: "First-order Taylor estimate of the loss change (Molchanov et al. 2017)." },
    RANDOM: { description: "Seeded random order: the baseline every criterion should beat." },
  },
});

export enum PruningScope {
  LAYER = "LAYER",
  SEQUENTIAL = "SEQUENTIAL",
  GLOBAL = "GLOBAL",
}

registerEnumType(PruningScope, {
  name: "PruningScope",
  description: "Which filters compete for removal.",
  valuesConfig: {
    LAYER: { description: "The filters of one layer, pruned to the target." },
    SEQUENTIAL: {
      description: "Several layers one after another, each pruned to the target before the next.",
    },
    GLOBAL: {
      description:
        "The filters of all the layers (default: every prunable one) in one ranking; the target counts filters " +
        "over all of them. Suits CAR: an accuracy drop means the same in every layer.",
    },
  },
});

export enum FineTuneSchedule {
  NONE = "NONE",
  EACH_STEP = "EACH_STEP",
  END = "END",
}

registerEnumType(FineTuneSchedule, {
  name: "FineTuneSchedule",
  description: "When the pruned network is retrained on the training split.",
  valuesConfig: {
    NONE: { description: "Never (the paper's CAR pruning without retraining)." },
    EACH_STEP: { description: "After every step; the network after each step is checkpointed for resume." },
    END: { description: "Once, after the last step." },
  },
});

export enum PruningEventKind {
  SNAPSHOT = "SNAPSHOT",
  STATUS = "STATUS",
  PROGRESS = "PROGRESS",
  STEP = "STEP",
}

registerEnumType(PruningEventKind, {
  name: "PruningEventKind",
  description: "What a pruningProgress event reports.",
  valuesConfig: {
    SNAPSHOT: {
      description:
        "The first event of every subscription: the run as it is now (its steps so far in run.steps).",
    },
    STATUS: {
      description: "The status changed (started, succeeded, failed, cancelled, interrupted, resumed).",
    },
    PROGRESS: { description: "Work inside a step (phase, ETA) moved on." },
    STEP: { description: "A step was made and persisted; it is in `step`." },
  },
});

@ObjectType({
  description:
    "When a pruning run stops. Exactly one of keep and removeFraction, or neither with minAccuracy.",
})
export class PruningTarget {
  @Field(() => Int, {
    nullable: true,
    description: "Filters to keep (per layer; over all layers for GLOBAL).",
  })
  keep!: number | null;

  @Field(() => Float, { nullable: true, description: "Fraction of the filters to remove, in (0, 1)." })
  removeFraction!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Accuracy floor on the selection images: a removal that would end below it is not made.",
  })
  minAccuracy!: number | null;
}

@ObjectType({ description: "Retraining of the pruned network." })
export class FineTuneSettings {
  @Field(() => FineTuneSchedule, { description: "When it retrains." })
  schedule!: FineTuneSchedule;

  @Field(() => Int, { description: "Epochs over the training split per fine-tuning." })
  epochs!: number;

  @Field(() => Float, { nullable: true, description: "Learning rate (null: core's default)." })
  learningRate!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Training images per fine-tuning: a seeded class-stratified sample (null: the whole split).",
  })
  maxTrainImages!: number | null;
}

@ObjectType({ description: "Class-targeted pruning: classes whose accuracy must stay within a bound." })
export class ClassProtectionSettings {
  @Field(() => [Int], { description: "Protected class indices." })
  classes!: number[];

  @Field(() => [String], { description: "Their names, in the same order." })
  classNames!: string[];

  @Field(() => Float, {
    description:
      "Largest allowed fall of each protected class's selection accuracy below the unpruned network's.",
  })
  maxDrop!: number;
}

@ObjectType({ description: "Accuracy on one class." })
export class ClassAccuracy {
  @Field(() => Int, { description: "Class index (model output order)." })
  classIndex!: number;

  @Field(() => String, { description: "Class name." })
  className!: string;

  @Field(() => Float, {
    nullable: true,
    description: "Accuracy on the class's images; null when it had none.",
  })
  accuracy!: number | null;
}

@ObjectType({ description: "Accuracy of a network on one set of images." })
export class AccuracyReport {
  @Field(() => String, { description: "Which images, e.g. mnist/validation or mnist/test[sample 500]." })
  dataset!: string;

  @Field(() => Float, { description: "Fraction of the images classified right." })
  accuracy!: number;

  @Field(() => Float, { description: "Mean cross-entropy per image." })
  loss!: number;

  @Field(() => [ClassAccuracy], { description: "Per class, in class order." })
  perClass!: ClassAccuracy[];
}

@ObjectType({ description: "Accuracy and size of a network at one end of a run." })
export class NetworkSummary {
  @Field(() => AccuracyReport, { description: "On the selection images (the ones that choose filters)." })
  selection!: AccuracyReport;

  @Field(() => AccuracyReport, {
    nullable: true,
    description: "On the test images, which never choose a filter.",
  })
  test!: AccuracyReport | null;

  @Field(() => Int, { description: "Parameters." })
  params!: number;

  @Field(() => Float, { description: "Floating-point operations per image." })
  flops!: number;
}

@ObjectType({ description: "CAR statistics of a removed filter at the moment it was chosen." })
export class RemovedFilterCar {
  @Field(() => Float, { description: "CAR index: accuracy lost on the selection images without the filter." })
  drop!: number;

  @Field(() => Float, { description: "Lower end of the paired 95% confidence interval of drop." })
  ci95Low!: number;

  @Field(() => Float, { description: "Upper end of that interval." })
  ci95High!: number;

  @Field(() => Float, { description: "Mean cross-entropy increase without the filter (the tie-breaker)." })
  lossIncrease!: number;

  @Field(() => Int, { description: "Images right with the filter and wrong without it." })
  rightToWrong!: number;

  @Field(() => Int, { description: "Images wrong with the filter and right without it." })
  wrongToRight!: number;

  @Field(() => Float, { description: "Selection accuracy of the network without the filter." })
  accuracyWithout!: number;
}

@ObjectType({ description: "A filter a step removed, with why it was chosen." })
export class RemovedFilter {
  @Field(() => String, { description: "The filter group (coupled layers share one) the filter belongs to." })
  groupId!: string;

  @Field(() => String, {
    description: "The layer whose output channel this is (the group's first producer).",
  })
  layer!: string;

  @Field(() => [String], {
    description: "Every layer that lost this channel (several when coupled by an Add).",
  })
  layers!: string[];

  @Field(() => Int, { description: "Output channel index in the unpruned layer." })
  index!: number;

  @Field(() => Float, {
    description: "Its score under the run's criterion at decision time (lower goes first).",
  })
  score!: number;

  @Field(() => RemovedFilterCar, {
    nullable: true,
    description: "CAR runs: the full statistics at decision time.",
  })
  car!: RemovedFilterCar | null;

  @Field(() => [ClassImportance], {
    nullable: true,
    description: "CAR runs: class-wise CAR at decision time, one per class with images, in class order.",
  })
  classwise!: ClassImportance[] | null;
}

@ObjectType({ description: "Filters left in one filter group after a step." })
export class FiltersLeft {
  @Field(() => String, { description: "Filter group id." })
  groupId!: string;

  @Field(() => Int, { description: "Filters it still has." })
  count!: number;
}

@ObjectType({ description: "One iteration of greedy pruning, persisted as soon as it was made." })
export class PruningStep {
  @Field(() => Int, { description: "1-based step number." })
  step!: number;

  @Field(() => [RemovedFilter], {
    description: "The filters removed at this step (stepSize of them at most).",
  })
  removed!: RemovedFilter[];

  @Field(() => Float, {
    nullable: true,
    description: "Score of the best candidate that was not removed: the margin of the decision.",
  })
  runnerUpScore!: number | null;

  @Field(() => Int, { description: "Candidates skipped because removing them would break class protection." })
  skippedForProtection!: number;

  @Field(() => Int, { description: "Filters scored to make this decision." })
  candidates!: number;

  @Field(() => AccuracyReport, {
    description: "On the selection images, after the removal (and fine-tuning).",
  })
  selection!: AccuracyReport;

  @Field(() => AccuracyReport, { nullable: true, description: "On the test images, after the removal." })
  test!: AccuracyReport | null;

  @Field(() => [FiltersLeft], { description: "Filters left per group in the run's scope." })
  filtersLeft!: FiltersLeft[];

  @Field(() => Int, { description: "Parameters after the step." })
  params!: number;

  @Field(() => Float, { description: "FLOPs per image after the step." })
  flops!: number;

  @Field(() => Float, { description: "Seconds since the run started (resumed runs count on from before)." })
  elapsedSeconds!: number;

  @Field(() => GraphQLISODateTime, { description: "When the step was persisted." })
  createdAt!: string;
}

@ObjectType({ description: "How far a run is." })
export class PruningRunProgress {
  @Field(() => Int, { description: "Steps made (persisted) so far." })
  stepsDone!: number;

  @Field(() => Int, {
    description:
      "Steps the target allows at most (exact for keep/removeFraction, an upper bound for minAccuracy).",
  })
  plannedSteps!: number;

  @Field(() => Float, { description: "stepsDone / plannedSteps (1 when succeeded)." })
  fraction!: number;

  @Field(() => String, { nullable: true, description: 'What the worker is doing now, e.g. "scoring".' })
  phase!: string | null;

  @Field(() => Float, { nullable: true, description: "Seconds left, estimated from the steps so far." })
  etaSeconds!: number | null;
}

@ObjectType({ description: "Why a run ended without finishing." })
export class PruningRunError {
  @Field(() => String, {
    description: "A Carve error code (e.g. INVALID_ARGUMENT), INTERRUPTED, or INTERNAL.",
  })
  code!: string;

  @Field(() => String, { description: "What went wrong, and what to do." })
  message!: string;
}

@ObjectType({ description: "A file of a downloadable model." })
export class ArtifactFile {
  @Field(() => String, { description: "File name (model.json, weights.bin, …)." })
  name!: string;

  @Field(() => String, { description: "Path on the API's origin to GET it from." })
  url!: string;

  @Field(() => Int, { description: "Bytes." })
  sizeBytes!: number;
}

@ObjectType({
  description:
    "A compressed model to download, in TF.js layers format: `tf.loadLayersModel(origin + modelJsonUrl)` " +
    "loads it directly (its weight files sit beside model.json).",
})
export class ModelArtifact {
  /** Not a field: the registered model, for the `model` resolver. */
  modelId!: string;

  @Field(() => ID, { description: "The artifact's id (the id of the registered compressed model)." })
  id!: string;

  @Field(() => String, { description: 'Format: "tfjs-layers-model".' })
  format!: string;

  @Field(() => String, {
    description: "Path of model.json on the API's origin, e.g. /artifacts/ID/model.json.",
  })
  modelJsonUrl!: string;

  @Field(() => [ArtifactFile], { description: "model.json and its weight files." })
  files!: ArtifactFile[];

  @Field(() => Int, { description: "Bytes of all its files." })
  sizeBytes!: number;

  @Field(() => Int, { description: "Parameters." })
  params!: number;

  @Field(() => Float, { description: "FLOPs per image." })
  flops!: number;

  @Field(() => Float, { nullable: true, description: "Accuracy on the test split of the model's dataset." })
  accuracy!: number | null;
}

@ObjectType({ description: "A greedy structural pruning job over a model, with every step it made." })
export class PruningRun {
  /** Not fields: for the field resolvers. */
  modelId!: string;
  resultModelId!: string | null;
  groups!: string[];
  classNames!: string[];

  @Field(() => ID, { description: "Run id." })
  id!: string;

  @Field(() => PruningRunStatus, { description: "Where the run is in its life." })
  status!: PruningRunStatus;

  @Field(() => PruningCriterion, { description: "How filters are ranked." })
  criterion!: PruningCriterion;

  @Field(() => PruningScope, { description: "Which filters compete." })
  scope!: PruningScope;

  @Field(() => [String], { description: "The layers pruned, in order." })
  layers!: string[];

  @Field(() => PruningTarget, { description: "When it stops." })
  target!: PruningTarget;

  @Field(() => Int, { description: "Filters removed per step." })
  stepSize!: number;

  @Field(() => FineTuneSettings, { description: "Retraining of the pruned network." })
  fineTune!: FineTuneSettings;

  @Field(() => ClassProtectionSettings, { nullable: true, description: "Protected classes, if any." })
  protection!: ClassProtectionSettings | null;

  @Field(() => DatasetSplit, { description: "The images that choose filters." })
  selectionSplit!: DatasetSplit;

  @Field(() => Int, {
    nullable: true,
    description: "A seeded class-stratified sample of that many selection images.",
  })
  maxSelectionImages!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A seeded class-stratified sample of that many test images.",
  })
  maxTestImages!: number | null;

  @Field(() => Int, { description: "Seed of the samples, the random criterion and fine-tuning." })
  seed!: number;

  @Field(() => PruningRunProgress, { description: "How far it is." })
  progress!: PruningRunProgress;

  @Field(() => NetworkSummary, {
    nullable: true,
    description: "The unpruned network's accuracy and size (once the worker has measured it).",
  })
  original!: NetworkSummary | null;

  @Field(() => NetworkSummary, { nullable: true, description: "The compressed network's (when succeeded)." })
  final!: NetworkSummary | null;

  @Field(() => Float, {
    nullable: true,
    description: "Test accuracy of the unpruned network (original.test).",
  })
  baseAccuracy!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Test accuracy of the compressed network: final.test when succeeded, else after the last step.",
  })
  finalAccuracy!: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Why pruning stopped: target-reached, accuracy-floor, class-protection or nothing-left.",
  })
  stopReason!: string | null;

  @Field(() => PruningRunError, { nullable: true, description: "Why it failed or was interrupted." })
  error!: PruningRunError | null;

  @Field(() => Int, { description: "Times it was resumed after an interruption." })
  resumes!: number;

  @Field(() => GraphQLISODateTime, { description: "When it was queued." })
  createdAt!: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When it (last) started running." })
  startedAt!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When it ended." })
  finishedAt!: string | null;
}

@ObjectType()
export class PruningRunConnection extends ConnectionType(PruningRun, "PruningRun") {}

@ObjectType({ description: "One pruningProgress event." })
export class PruningEvent {
  @Field(() => PruningEventKind, { description: "What happened." })
  kind!: PruningEventKind;

  @Field(() => PruningRun, { description: "The run after it happened." })
  run!: PruningRun;

  @Field(() => PruningStep, { nullable: true, description: "The new step, for STEP events." })
  step!: PruningStep | null;
}

@ObjectType({ description: "What deleting a run removed with it." })
export class DeletedRunCounts {
  @Field(() => Int, { description: "Persisted steps." })
  steps!: number;

  @Field(() => Int, { description: "Compressed models registered from the run (0 or 1), with their files." })
  models!: number;
}

@ObjectType({ description: "The result of deleteRun." })
export class DeleteRunPayload {
  @Field(() => ID, { description: "The deleted run's id." })
  id!: string;

  @Field(() => DeletedRunCounts, { description: "What went with it." })
  deleted!: DeletedRunCounts;
}
