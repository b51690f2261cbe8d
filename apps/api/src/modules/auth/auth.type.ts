import { Field, GraphQLISODateTime, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "A Carve account." })
export class User {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Lower-cased; unique." })
  email!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => Boolean, {
    description:
      "False for an account that so far signs in only with a one-time link (the first start's owner).",
  })
  hasPassword!: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;
}

@ObjectType({
  description:
    "A personal API token for `Authorization: Bearer …`. Its secret is shown once, when it is created; lists " +
    "show only its prefix.",
})
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "The token's first characters, e.g. carve_pat_Xy3k9QaB." })
  prefix!: string;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Null: it does not expire." })
  expiresAt!: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: "When it was last used (to the minute); null if never.",
  })
  lastUsedAt!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt!: string | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => String, {
    description:
      "The secret: send it as `Authorization: Bearer <token>`. Shown this once; Carve keeps only a hash.",
  })
  token!: string;

  @Field(() => ApiToken)
  apiToken!: ApiToken;
}

@ObjectType({ description: "A signed-in session; the session itself travels in an HttpOnly cookie." })
export class SignInPayload {
  @Field(() => User)
  user!: User;

  @Field(() => GraphQLISODateTime)
  expiresAt!: string;
}
