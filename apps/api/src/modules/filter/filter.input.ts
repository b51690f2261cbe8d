import { Field, Float, InputType, Int } from "type-graphql";

import { FilterOrderField, OrderDirection } from "./filter.type.js";

@InputType({ description: "How to order a layer's filters." })
export class FilterOrder {
  @Field(() => FilterOrderField, { defaultValue: FilterOrderField.INDEX })
  field!: FilterOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction!: OrderDirection;
}

@InputType({
  description:
    "Which of a layer's filters to list, by their CAR score in the analysis read (a filter without a score " +
    "passes none of the score conditions). Conditions combine with AND.",
})
export class FilterWhere {
  @Field(() => Float, {
    nullable: true,
    description: "CAR drop strictly below this (e.g. 0.001: redundant).",
  })
  carDropBelow?: number | null;

  @Field(() => Float, { nullable: true, description: "CAR drop strictly above this (important filters)." })
  carDropAbove?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "CAR rank at most this: the k least important filters of the layer's group.",
  })
  maxRank?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "true: only filters with a CAR score; false: only those without one.",
  })
  hasCarScore?: boolean | null;
}
