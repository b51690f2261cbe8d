import { Field, InputType } from "type-graphql";

@InputType({ description: "A TF.js layers model on the server's disk." })
export class RegisterModelInput {
  @Field(() => String, { description: "A model.json path, or the folder holding it." })
  path!: string;

  @Field(() => String, { nullable: true, description: "Display name (default: the folder's name)." })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Dataset for accuracy and analyses: a built-in name (mnist, fashion-mnist, shapes-tint, " +
      "shapes-isoluminant) or a folder (IDX files, CIFAR-10 batches, or one sub-folder of images per class).",
  })
  dataset?: string | null;
}
