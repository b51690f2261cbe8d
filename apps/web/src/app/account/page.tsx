import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { graphql } from "@/gql";
import { dateTime } from "@/lib/format";
import { load } from "@/lib/server-client";

import { ApiTokens } from "./api-tokens";
import { SetPassword } from "./set-password";

export const metadata: Metadata = { title: "Account" };

const AccountPageQuery = graphql(`
  query AccountPage {
    me {
      id
      email
      displayName
      hasPassword
      createdAt
    }
    apiTokens {
      id
      name
      prefix
      createdAt
      expiresAt
      lastUsedAt
      revokedAt
    }
  }
`);

export default async function AccountPage() {
  const result = await load(AccountPageQuery, {});
  if (!result.ok) return <ApiFailureState failure={result.failure} what="your account" />;
  const { me, apiTokens } = result.data;
  if (!me)
    return (
      <section className="state state-error" role="alert">
        <h1>Not signed in</h1>
        <p>
          <a href="/sign-in?next=%2Faccount">Sign in</a> to see your account.
        </p>
      </section>
    );
  return (
    <>
      <h1>Your account</h1>
      <dl className="kv">
        <dt>Name</dt>
        <dd>{me.displayName || "—"}</dd>
        <dt>E-mail</dt>
        <dd>{me.email}</dd>
        <dt>Since</dt>
        <dd>{dateTime(me.createdAt)}</dd>
      </dl>
      <SetPassword hasPassword={me.hasPassword} />
      <ApiTokens tokens={apiTokens} />
    </>
  );
}
