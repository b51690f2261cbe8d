import { Field, InputType } from "type-graphql";

import { FilterOrderField, OrderDirection } from "./filter.type.js";

@InputType({ description: "How to order a layer's filters." })
export class FilterOrder {
  @Field(() => FilterOrderField, { defaultValue: FilterOrderField.INDEX })
  field!: FilterOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction!: OrderDirection;
}
