/**
 * Relay-style connections (edges, nodes, pageInfo, totalCount) with `first`/`after`. Cursors are opaque
 * positions in the ordered list: simple and exact for lists that change rarely (a model's filters never
 * change; a new analysis may reorder them by CAR, and a client then starts again from the top).
 */
import { ArgsType, type ClassType, Field, Int, ObjectType } from "type-graphql";

import { ApiError } from "../../errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

@ObjectType({ description: "Where a page sits in its list (Relay cursor connections)." })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Items to return (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Return the items after this cursor (an endCursor)." })
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionValue<T> {
  edges: Array<Edge<T>>;
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`, "utf8").toString("base64url");
}

/** The offset a cursor points at; INVALID_ARGUMENT for anything this API did not hand out. */
export function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `"${cursor}" is not a cursor of this list; pass a cursor from pageInfo.endCursor or an edge`,
      { argument: "after" },
    );
  }
  return Number(match[1]);
}

/** Validated limit and offset of a page. */
export function pageWindow(args: PageArgs): { limit: number; offset: number } {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new ApiError("INVALID_ARGUMENT", `first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`, {
      argument: "first",
    });
  }
  const offset = args.after ? decodeCursor(args.after) + 1 : 0;
  return { limit: first, offset };
}

/** A page of `nodes` starting at `offset` in a list of `totalCount` items. */
export function connection<T>(nodes: T[], offset: number, totalCount: number): ConnectionValue<T> {
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor(offset + i), node }));
  return {
    edges,
    nodes,
    totalCount,
    pageInfo: {
      hasNextPage: offset + nodes.length < totalCount,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * The connection and edge types of a node type, e.g. `class FilterConnection extends ConnectionType(Filter,
 * "Filter") {}` gives `FilterConnection` and `FilterEdge`.
 */
export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  // The concrete subclass is the GraphQL type and inherits these fields; this base is never referenced by a
  // field, so type-graphql leaves it out of the schema.
  @ObjectType(`${name}ConnectionFields`)
  abstract class Connection {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => [node], { description: "The nodes of `edges`, for clients that need no cursors." })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Items in the whole list, not only this page." })
    totalCount!: number;
  }

  return Connection;
}
