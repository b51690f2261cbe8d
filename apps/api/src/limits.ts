/**
 * Query depth and complexity limits, so one request cannot ask the server for an unbounded amount of work
 * (models → layers → filters → class importances is already four lists deep). A query over a limit is refused
 * before anything runs, with `extensions.code` QUERY_TOO_DEEP or QUERY_TOO_COMPLEX and the numbers in
 * `extensions`.
 *
 * Complexity: each field costs 1 (or its `complexity`, declared on expensive fields such as whatIf and
 * topPatches); a field with a `first` argument (connections, class importances) multiplies what is below it
 * by `first` (by the default page size when it is not given).
 */
import { createRequire } from "node:module";

import type { ApolloServerPlugin } from "@apollo/server";
import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import type * as QueryComplexity from "graphql-query-complexity";

import { DEFAULT_PAGE_SIZE } from "./modules/common/connection.js";

// The package's ES module build imports "graphql/index.mjs", a second copy of graphql beside the CommonJS one
// type-graphql and Apollo use ("Cannot use GraphQLObjectType from another module or realm"); its CommonJS
// build requires the same copy they do.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  "graphql-query-complexity",
) as typeof QueryComplexity;
type ComplexityEstimator = QueryComplexity.ComplexityEstimator;

export interface QueryLimits {
  /** Deepest field nesting allowed (CARVE_MAX_QUERY_DEPTH). */
  maxDepth: number;
  /** Highest complexity allowed (CARVE_MAX_QUERY_COMPLEXITY). */
  maxComplexity: number;
}

/** The depth of a selection set: 1 for `{ a }`, 2 for `{ a { b } }`; fragments are followed, cycles not. */
function selectionDepth(
  set: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      // Introspection (__schema, __type) is deep by nature and answered from the schema alone.
      if (selection.name.value.startsWith("__")) continue;
      depth = selection.selectionSet ? 1 + selectionDepth(selection.selectionSet, fragments, seen) : 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = selectionDepth(selection.selectionSet, fragments, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || seen.has(name)) continue;
      depth = selectionDepth(fragment.selectionSet, fragments, new Set([...seen, name]));
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

export function queryDepth(operation: OperationDefinitionNode, document: DocumentNode): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return selectionDepth(operation.selectionSet, fragments, new Set());
}

export function depthError(depth: number, maxDepth: number): GraphQLError {
  return new GraphQLError(
    `the query is ${depth} fields deep; this server allows at most ${maxDepth} (CARVE_MAX_QUERY_DEPTH): ` +
      `split it into several queries`,
    { extensions: { code: "QUERY_TOO_DEEP", depth, maxDepth, http: { status: 400 } } },
  );
}

/** A validation rule refusing operations nested deeper than `maxDepth` (used for WebSocket operations). */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const depth = queryDepth(operation, context.getDocument());
      if (depth > maxDepth) context.reportError(depthError(depth, maxDepth));
    },
  });
}

/** Lists with a `first` argument multiply what they hold by it (the default page size when omitted). */
const pagedEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((a) => a.name === "first")) return undefined;
  const first = typeof args.first === "number" ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + childComplexity * Math.max(1, first);
};

/** The complexity of the operation `operationName` of `document` with these variables. */
export function queryComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string,
): number {
  try {
    return getComplexity({
      schema,
      query: document,
      variables,
      ...(operationName ? { operationName } : {}),
      estimators: [fieldExtensionsEstimator(), pagedEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (error) {
    // Bad variables: execution rejects them with GraphQL's own message (BAD_USER_INPUT), so nothing here.
    if (error instanceof GraphQLError) return 0;
    throw error;
  }
}

export function complexityError(complexity: number, maxComplexity: number): GraphQLError {
  return new GraphQLError(
    `the query's complexity is ${complexity}; this server allows at most ${maxComplexity} ` +
      `(CARVE_MAX_QUERY_COMPLEXITY): ask for smaller pages (first) or fewer nested lists`,
    { extensions: { code: "QUERY_TOO_COMPLEX", complexity, maxComplexity, http: { status: 400 } } },
  );
}

/**
 * Refuses HTTP operations over the depth or complexity limit before they run. (Apollo gives errors of
 * validation rules the code GRAPHQL_VALIDATION_FAILED, so depth is checked here too, where a thrown error
 * keeps its own code; the variables are known by then.)
 */
export function limitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          const depth = operation ? queryDepth(operation, document) : 0;
          if (depth > limits.maxDepth) throw depthError(depth, limits.maxDepth);
          const complexity = queryComplexity(
            schema,
            document,
            request.variables ?? {},
            request.operationName ?? undefined,
          );
          if (complexity > limits.maxComplexity) throw complexityError(complexity, limits.maxComplexity);
        },
      };
    },
  };
}
