import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "One layer of a model, in topological order." })
export class Layer {
  /** Not a field: the model the layer belongs to, for the layer's own field resolvers. */
  modelId!: string;

  @Field(() => Int, { description: "Position in the model's layers (topological order)." })
  index!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The TF.js class, e.g. "Conv2D", "BatchNormalization".' })
  className!: string;

  @Field(() => [Int], { nullable: "items", description: "Output shape without the batch dimension." })
  outputShape!: Array<number | null>;

  @Field(() => Int, {
    nullable: true,
    description: "Filters of a Conv2D, units of a Dense, channels of a DepthwiseConv2D; null otherwise.",
  })
  filterCount!: number | null;

  @Field(() => [Int], { nullable: true })
  kernelSize!: number[] | null;

  @Field(() => String, { nullable: true })
  activation!: string | null;

  @Field(() => Int)
  params!: number;

  @Field(() => Float, { description: "Floating-point operations per image." })
  flops!: number;

  @Field(() => Boolean, {
    description:
      "Whether filters of this layer can be removed: it produces a filter group (see filterGroupId). The " +
      "output layer's units are the classes and are never prunable.",
  })
  prunable!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "The filter group this layer's output channels belong to; layers coupled by an Add share one group, " +
      "and their filters are removed together.",
  })
  filterGroupId!: string | null;
}
