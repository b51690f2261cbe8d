import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";

export enum AnnotationKind {
  LABEL = "LABEL",
  COMMENT = "COMMENT",
}

registerEnumType(AnnotationKind, {
  name: "AnnotationKind",
  description: "A label names what a filter does; a comment discusses a filter or a run.",
  valuesConfig: {
    LABEL: {
      description:
        'What a filter responds to, e.g. "red-green colour blob" (editors and owners; at most 80 characters). ' +
        "A filter's newest label is its label.",
    },
    COMMENT: { description: "Discussion of a filter or a run (any member; at most 5000 characters)." },
  },
});

export enum AnnotationTargetKind {
  FILTER = "FILTER",
  RUN = "RUN",
}

registerEnumType(AnnotationTargetKind, { name: "AnnotationTargetKind", description: "What is annotated." });

@ObjectType({
  description:
    "A label of a filter, or a comment on a filter or a pruning run, by a member of the workspace. Members and " +
    "holders of a share link to the model or run read them.",
})
export class Annotation {
  @Field(() => ID)
  id!: string;

  @Field(() => AnnotationKind)
  kind!: AnnotationKind;

  @Field(() => AnnotationTargetKind)
  targetKind!: AnnotationTargetKind;

  @Field(() => ID, { nullable: true, description: "The filter's model (FILTER annotations)." })
  modelId!: string | null;

  @Field(() => String, { nullable: true, description: "The filter's layer (FILTER annotations)." })
  layerName!: string | null;

  @Field(() => Int, { nullable: true, description: "The filter's index in its layer (FILTER annotations)." })
  filterIndex!: number | null;

  @Field(() => ID, { nullable: true, description: "The run (RUN annotations)." })
  runId!: string | null;

  @Field(() => String, { description: "The text, as written (labels with their white space collapsed)." })
  body!: string;

  @Field(() => ID, { nullable: true, description: "Its author (null once their account is deleted)." })
  authorId!: string | null;

  @Field(() => String, { nullable: true, description: "The author's display name." })
  authorName!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;

  @Field(() => GraphQLISODateTime, { description: "When its text last changed." })
  updatedAt!: string;
}
