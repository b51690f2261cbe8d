import { Field, Float, ID, InputType, Int } from "type-graphql";

import { DatasetSplit } from "../analysis/analysis.type.js";
import { FineTuneSchedule, PruningCriterion, PruningScope } from "./run.type.js";

@InputType({
  description:
    "When to stop: exactly one of keep and removeFraction (with an optional minAccuracy), or minAccuracy alone.",
})
export class PruningTargetInput {
  @Field(() => Int, {
    nullable: true,
    description: "Filters to keep (per layer; over all layers for GLOBAL).",
  })
  keep?: number | null;

  @Field(() => Float, { nullable: true, description: "Fraction of the filters to remove, in (0, 1)." })
  removeFraction?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Accuracy floor in [0, 1] on the selection images: no removal takes accuracy below it.",
  })
  minAccuracy?: number | null;
}

@InputType({ description: "Retraining of the pruned network on the training split." })
export class FineTuneInput {
  @Field(() => FineTuneSchedule, { defaultValue: FineTuneSchedule.NONE, description: "When to retrain." })
  schedule!: FineTuneSchedule;

  @Field(() => Int, { defaultValue: 1, description: "Epochs per fine-tuning (1 to 100)." })
  epochs!: number;

  @Field(() => Float, { nullable: true, description: "Learning rate, in (0, 10] (default: core's)." })
  learningRate?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Fine-tune on a seeded class-stratified sample of this many training images (default: the whole training " +
      "split). A sample makes each fine-tuning quicker, at some cost in recovered accuracy.",
  })
  maxTrainImages?: number | null;
}

@InputType({
  description: "Class-targeted pruning: keep these classes' accuracy within maxDrop of the original.",
})
export class ClassProtectionInput {
  @Field(() => [String], { description: 'Classes to protect, by name or by index (as text, e.g. "3").' })
  classes!: string[];

  @Field(() => Float, {
    defaultValue: 0.01,
    description: "Largest allowed fall of each protected class's selection accuracy, in [0, 1].",
  })
  maxDrop!: number;
}

@InputType({ description: "A pruning run to start." })
export class StartPruningRunInput {
  @Field(() => ID, { description: "The model to prune (it is not changed; the result is a new model)." })
  modelId!: string;

  @Field(() => PruningCriterion, {
    defaultValue: PruningCriterion.CAR,
    description: "How filters are ranked.",
  })
  criterion!: PruningCriterion;

  @Field(() => PruningScope, { defaultValue: PruningScope.LAYER, description: "Which filters compete." })
  scope!: PruningScope;

  @Field(() => [String], {
    nullable: true,
    description:
      "Prunable layers: exactly one for LAYER, one or more in order for SEQUENTIAL, any for GLOBAL (default: all).",
  })
  layers?: string[] | null;

  @Field(() => PruningTargetInput, { description: "When to stop." })
  target!: PruningTargetInput;

  @Field(() => Int, {
    defaultValue: 1,
    description: "Filters removed per step (1, as in the paper, by default).",
  })
  stepSize!: number;

  @Field(() => FineTuneInput, { nullable: true, description: "Retraining (default: none)." })
  fineTune?: FineTuneInput | null;

  @Field(() => ClassProtectionInput, { nullable: true, description: "Classes whose accuracy must be kept." })
  protectClasses?: ClassProtectionInput | null;

  @Field(() => DatasetSplit, {
    defaultValue: DatasetSplit.SELECTION,
    description: "The images that choose filters (test accuracy is always reported on the test split).",
  })
  selectionSplit!: DatasetSplit;

  @Field(() => Int, {
    nullable: true,
    description:
      "Choose filters on a seeded class-stratified sample of this many selection images (default: all).",
  })
  maxSelectionImages?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Report test accuracy on a seeded class-stratified sample of this many test images (default: all).",
  })
  maxTestImages?: number | null;

  @Field(() => Int, {
    defaultValue: 0,
    description: "Seed of the samples, the random criterion and fine-tuning.",
  })
  seed!: number;
}
