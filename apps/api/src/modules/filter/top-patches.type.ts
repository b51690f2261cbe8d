import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A rectangle in input pixels; it may reach past the image's border (padding)." })
export class PixelBox {
  @Field(() => Int, { description: "Top row (negative: above the image)." })
  top!: number;

  @Field(() => Int, { description: "Left column (negative: left of the image)." })
  left!: number;

  @Field(() => Int, { description: "Height in pixels." })
  height!: number;

  @Field(() => Int, { description: "Width in pixels." })
  width!: number;
}

@ObjectType({
  description:
    "One of the image patches a filter responds to most (Zeiler & Fergus 2014): the input under the " +
    "receptive field of its strongest position in an image.",
})
export class TopPatch {
  @Field(() => Int, { description: "0 for the strongest." })
  rank!: number;

  @Field(() => Int, { description: "Index of the image in the scanned sample." })
  imageIndex!: number;

  @Field(() => Int, { description: "The image's label." })
  classIndex!: number;

  @Field(() => String, { description: "The image's class name." })
  className!: string;

  @Field(() => Float, {
    description: "The filter's activation there (after the layer's activation and any BatchNormalization).",
  })
  activation!: number;

  @Field(() => Int, { description: "Row of the position in the layer's output." })
  row!: number;

  @Field(() => Int, { description: "Column of the position in the layer's output." })
  column!: number;

  @Field(() => PixelBox, { description: "The receptive field of that position in input pixels." })
  box!: PixelBox;

  @Field(() => String, { description: "The patch as a PNG data URL (padding transparent)." })
  image!: string;
}
