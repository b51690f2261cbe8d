import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from "type-graphql";

export enum Role {
  OWNER = "OWNER",
  EDITOR = "EDITOR",
  VIEWER = "VIEWER",
}

registerEnumType(Role, {
  name: "Role",
  description: "What a member of a workspace may do.",
  valuesConfig: {
    OWNER: { description: "Everything an editor may, and manage members, invites and the workspace." },
    EDITOR: {
      description: "Read, register models and datasets, start and cancel analyses and runs, label filters.",
    },
    VIEWER: { description: "Read and comment." },
  },
});

@ObjectType({ description: "A team: its models, datasets, analyses and runs are shared by its members." })
export class Workspace {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Role, { description: "The caller's role in it." })
  role!: Role;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;
}

@ObjectType({ description: "A member of a workspace and their role." })
export class Membership {
  @Field(() => ID)
  workspaceId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => GraphQLISODateTime, { description: "When they joined." })
  createdAt!: string;
}

@ObjectType({ description: "A single-use invite link into a workspace (owners see them)." })
export class Invite {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  workspaceId!: string;

  @Field(() => Role, { description: "The role whoever accepts it gets." })
  role!: Role;

  @Field(() => GraphQLISODateTime)
  createdAt!: string;

  @Field(() => GraphQLISODateTime)
  expiresAt!: string;

  @Field(() => GraphQLISODateTime, { nullable: true })
  usedAt!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt!: string | null;
}

@ObjectType()
export class CreatedInvite {
  @Field(() => String, { description: "The secret for the invite link; shown this once." })
  token!: string;

  @Field(() => Invite)
  invite!: Invite;
}

@ObjectType({ description: "What an invite link offers, shown to whoever holds it before accepting." })
export class InvitePreview {
  @Field(() => ID)
  workspaceId!: string;

  @Field(() => String)
  workspaceName!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => GraphQLISODateTime)
  expiresAt!: string;
}
