import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from "type-graphql";

export enum ShareTargetKind {
  MODEL = "MODEL",
  RUN = "RUN",
  COMPARISON = "COMPARISON",
}

registerEnumType(ShareTargetKind, {
  name: "ShareTargetKind",
  description: "What a share link opens, read-only.",
  valuesConfig: {
    MODEL: {
      description: "One model: its layers, filters, labels, analyses, runs and the models its runs produced.",
    },
    RUN: { description: "One pruning run, the model it pruned and the model it produced." },
    COMPARISON: {
      description: "2 to 10 pruning runs side by side, with the models they pruned and produced.",
    },
  },
});

@ObjectType({
  description:
    "A read-only link to a model, a run or a comparison of runs, opened without an account. Its token is shown " +
    "once, when it is created (createShareLink); lists never show it.",
})
export class ShareLink {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  workspaceId!: string;

  @Field(() => ShareTargetKind)
  targetKind!: ShareTargetKind;

  @Field(() => [ID], {
    description: "[model id], [run id], or the run ids of a comparison, in the order they are compared.",
  })
  targetIds!: string[];

  @Field(() => ID, { nullable: true, description: "Who created it (null once their account is deleted)." })
  createdBy!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Null: it works until revoked." })
  expiresAt!: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: "When it was last opened (to the minute); null if never.",
  })
  lastUsedAt!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt!: string | null;

  @Field(() => Boolean, { description: "Whether it opens now: neither revoked nor expired." })
  active!: boolean;
}

@ObjectType({ description: "A new share link and its secret." })
export class CreatedShareLink {
  @Field(() => String, {
    description:
      "The secret (carve_shr_…): shown this once; Carve keeps only a hash. API clients send it as the " +
      "X-Carve-Share header (or the `share` connection parameter over WebSocket, or ?share= on downloads).",
  })
  token!: string;

  @Field(() => String, {
    description: "The dashboard path that opens the link, /s/<token>: prefix it with the dashboard's origin.",
  })
  path!: string;

  @Field(() => ShareLink)
  link!: ShareLink;
}

@ObjectType({ description: "What the request's share link lets it read." })
export class SharedTarget {
  @Field(() => ShareTargetKind)
  kind!: ShareTargetKind;

  @Field(() => [ID], { description: "[model id], [run id], or the run ids of a comparison, in order." })
  ids!: string[];

  @Field(() => ID, { description: "The workspace the shared things belong to." })
  workspaceId!: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When the link stops working, if ever." })
  expiresAt!: string | null;
}
