import { Field, ID, InputType } from "type-graphql";

import { ShareTargetKind } from "./share.type.js";

@InputType({ description: "What a new share link opens." })
export class ShareTargetInput {
  @Field(() => ShareTargetKind)
  kind!: ShareTargetKind;

  @Field(() => [ID], {
    description:
      "MODEL and RUN: exactly one id; COMPARISON: 2 to 10 different run ids, in the order to compare them. " +
      "Every id must belong to the workspace.",
  })
  ids!: string[];
}
