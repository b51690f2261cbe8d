import { type Client, CombinedError, Provider } from "@urql/next";
import { GraphQLError } from "graphql";
import type { ReactNode } from "react";
import { vi } from "vitest";
import { fromValue } from "wonka";

/** One canned answer per mutation, by operation name: data, or GraphQL errors with their extensions. */
export type Canned = Record<
  string,
  { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }
>;

/**
 * A urql client stand-in for component tests: every mutation answers from `canned` by its operation name, and
 * `calls` records the variables sent. No network, no exchanges.
 */
export function mockClient(canned: Canned) {
  const calls: Array<{ operation: string; variables: unknown }> = [];
  const executeMutation = vi.fn(
    (request: { query: { definitions: Array<{ name?: { value: string } }> }; variables: unknown }) => {
      const operation = request.query.definitions[0]?.name?.value ?? "";
      calls.push({ operation, variables: request.variables });
      const answer = canned[operation] ?? { errors: [{ message: `no canned answer for ${operation}` }] };
      return fromValue({
        operation: {
          kind: "mutation",
          key: 1,
          query: request.query,
          variables: request.variables,
          context: {},
        },
        data: answer.data,
        error: answer.errors ? cannedError(answer.errors) : undefined,
        stale: false,
        hasNext: false,
      });
    },
  );
  const client = { executeMutation } as unknown as Client;
  const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
  return { client, calls, wrapper };
}

function cannedError(
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>,
): CombinedError {
  return new CombinedError({
    graphQLErrors: errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions ?? {} })),
  });
}
