import { Kind, type OperationDefinitionNode, parse } from "graphql";
import { describe, expect, it } from "vitest";

import { buildApiSchema } from "./schema.js";
import { queryComplexity, queryDepth } from "./limits.js";

function depthOf(query: string): number {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return queryDepth(operation, document);
}

describe("queryDepth", () => {
  it("counts nested fields, following fragments and inline fragments", () => {
    expect(depthOf("{ a }")).toBe(1);
    expect(depthOf("{ a { b { c } } d }")).toBe(3);
    expect(depthOf("{ a { ...F } } fragment F on T { b { c { d } } }")).toBe(4);
    expect(depthOf("{ a { ... on T { b { c } } } }")).toBe(3);
  });

  it("ignores introspection and does not loop on a fragment that spreads itself", () => {
    expect(depthOf("{ __schema { types { fields { type { ofType { name } } } } } a }")).toBe(1);
    // a → b → (F again: not followed a second time)
    expect(depthOf("{ a { ...F } } fragment F on T { b { ...F } }")).toBe(2);
  });
});

describe("queryComplexity", () => {
  it("multiplies what a paged list holds by first (the default page size when omitted)", async () => {
    const schema = await buildApiSchema();
    const one = queryComplexity(schema, parse("{ models(first: 1) { nodes { name } } }"));
    const ten = queryComplexity(schema, parse("{ models(first: 10) { nodes { name } } }"));
    // models (1) + first × (nodes 1 + name 1)
    expect(one).toBe(1 + 1 * 2);
    expect(ten).toBe(1 + 10 * 2);
    const byVariable = queryComplexity(
      schema,
      parse("query Q($n: Int) { models(first: $n) { nodes { name } } }"),
      { n: 10 },
    );
    expect(byVariable).toBe(ten);
    expect(queryComplexity(schema, parse("{ models { nodes { name } } }"))).toBe(1 + 50 * 2);
  });

  it("leaves a query with missing variables to execution's own error", async () => {
    const schema = await buildApiSchema();
    expect(queryComplexity(schema, parse("query Q($id: ID!) { model(id: $id) { name } }"), {})).toBe(0);
  });
});
