import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";

import type { CarScoreRow } from "../analysis/analysis.repository.js";
import { ConnectionType } from "../common/connection.js";

@ObjectType({
  description:
    "CAR of a filter (Abbasi-Asl & Yu 2021): the drop in classification accuracy when the filter alone is " +
    "removed, on the analysis's images. Low CAR marks a redundant filter.",
})
export class CarScore {
  @Field(() => ID, { description: "The analysis that computed it." })
  analysisId!: string;

  @Field(() => Float, { description: "accuracy(model) − accuracy(model without the filter)." })
  drop!: number;

  @Field(() => Float, { description: "Lower end of the paired 95% confidence interval of drop." })
  ci95Low!: number;

  @Field(() => Float)
  ci95High!: number;

  @Field(() => Int, { description: "1 = least important filter of its group (the one to prune first)." })
  rank!: number;

  @Field(() => Float, { description: "Mean cross-entropy increase without the filter; breaks ties of drop." })
  lossIncrease!: number;

  @Field(() => Int, { description: "Images the model gets right with the filter and wrong without it." })
  rightToWrong!: number;

  @Field(() => Int, { description: "Images the model gets wrong with the filter and right without it." })
  wrongToRight!: number;

  @Field(() => Float)
  accuracyWithout!: number;
}

@ObjectType({ description: "How much one class needs a filter: the class-wise CAR." })
export class ClassImportance {
  @Field(() => Int)
  classIndex!: number;

  @Field(() => String)
  className!: string;

  @Field(() => Float, {
    description: "Accuracy on this class minus accuracy on it without the filter (higher = more important).",
  })
  drop!: number;
}

export enum ClassImportanceOrder {
  MOST_IMPORTANT = "MOST_IMPORTANT",
  LEAST_IMPORTANT = "LEAST_IMPORTANT",
}

registerEnumType(ClassImportanceOrder, {
  name: "ClassImportanceOrder",
  description: "Which end of a filter's class ranking comes first.",
});

@ObjectType({ description: "One filter (output channel) of a prunable layer." })
export class Filter {
  /** Not fields: where the filter is, and its score row, for the field resolvers. */
  modelId!: string;
  score!: CarScoreRow | null;

  @Field(() => Int, { description: "Output channel index in the unpruned layer." })
  index!: number;

  @Field(() => String)
  layerName!: string;

  @Field(() => String)
  filterGroupId!: string;

  @Field(() => Float, {
    description: "Σ|W| of the filter's kernel (Li et al. 2017), summed over coupled layers.",
  })
  l1Norm!: number;
}

@ObjectType()
export class FilterConnection extends ConnectionType(Filter, "Filter") {}

export enum FilterOrderField {
  INDEX = "INDEX",
  CAR = "CAR",
  L1_NORM = "L1_NORM",
}

registerEnumType(FilterOrderField, {
  name: "FilterOrderField",
  valuesConfig: {
    INDEX: { description: "Channel index." },
    CAR: {
      description:
        "CAR rank in the analysis (ascending = least important first; ties of drop broken by loss increase). " +
        "Filters the analysis did not score come last.",
    },
    L1_NORM: { description: "L1 norm of the kernel." },
  },
});

export enum OrderDirection {
  ASC = "ASC",
  DESC = "DESC",
}

registerEnumType(OrderDirection, { name: "OrderDirection" });
