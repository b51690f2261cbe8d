"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { OneTimeSecret } from "@/components/one-time-secret";
import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { dateTime } from "@/lib/format";
import { ActionsTable } from "@/components/actions-table";
import { FormError } from "@/components/form-error";

import { RevokeButton, useRevoke } from "../revoke-button";

const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($name: String!, $expiresInDays: Int) {
    createApiToken(name: $name, expiresInDays: $expiresInDays) {
      token
      apiToken {
        id
      }
    }
  }
`);

const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      id
      revokedAt
    }
  }
`);

export interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}

/** Personal API tokens for `Authorization: Bearer …`: create one (its secret shown once), see use, revoke. */
export function ApiTokens({ tokens }: { tokens: readonly ApiTokenRow[] }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [error, setError] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const [createState, createToken] = useMutation(CreateApiTokenMutation);
  const revoker = useRevoke(RevokeApiTokenMutation, setError);

  async function onCreate(event: FormEvent) {
    event.preventDefault();
    setSecret(undefined);
    if (!name.trim()) {
      setError('Name the token after where it is used, e.g. "notebook" or "CI".');
      return;
    }
    const daysText = days.trim();
    if (daysText !== "" && !(/^\d+$/.test(daysText) && Number(daysText) >= 1)) {
      setError(`Expiry must be a whole number of days of at least 1 (or empty: never), not "${daysText}".`);
      return;
    }
    setError(undefined);
    const result = await createToken({
      name: name.trim(),
      expiresInDays: daysText === "" ? null : Number(daysText),
    });
    if (result.error) setError(errorText(result.error));
    else if (result.data) {
      setSecret(result.data.createApiToken.token);
      setName("");
      router.refresh();
    }
  }

  return (
    <section className="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p className="hint">
        For scripts and notebooks: send <code>Authorization: Bearer &lt;token&gt;</code> to the GraphQL API. A
        token acts as you, in every workspace you belong to.
      </p>
      <form onSubmit={onCreate} noValidate className="inline-form">
        <div>
          <label htmlFor="token-name">Name</label>
          <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor="token-days">Expires after (days, empty: never)</label>
          <input
            id="token-days"
            inputMode="numeric"
            size={6}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </div>
        <button type="submit" disabled={createState.fetching}>
          {createState.fetching ? "Creating…" : "Create token"}
        </button>
      </form>
      <FormError message={error} />
      {secret && <OneTimeSecret label="New API token" value={secret} />}
      {tokens.length === 0 ? (
        <p className="muted">No tokens yet.</p>
      ) : (
        <ActionsTable label="API tokens" columns={["Name", "Prefix", "Created", "Last used", "Expires"]}>
          {tokens.map((t) => (
            <tr key={t.id}>
              <td>
                {t.name}
                {t.revokedAt && <span className="tag">revoked</span>}
              </td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>{dateTime(t.createdAt)}</td>
              <td>{t.lastUsedAt ? dateTime(t.lastUsedAt) : "never"}</td>
              <td>{t.expiresAt ? dateTime(t.expiresAt) : "never"}</td>
              <td>
                {!t.revokedAt && (
                  <RevokeButton
                    revoker={revoker}
                    itemId={t.id}
                    label={`Revoke ${t.name}`}
                    confirmation={`Revoke "${t.name}"? Programs using it stop working at once.`}
                  />
                )}
              </td>
            </tr>
          ))}
        </ActionsTable>
      )}
    </section>
  );
}
