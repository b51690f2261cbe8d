"use client";

import { useClient } from "@urql/next";
import { useEffect, useState } from "react";

import { graphql } from "@/gql";
import type { TopPatchesQuery } from "@/gql/graphql";
import { errorText } from "@/lib/api-error";

const TopPatchesQueryDocument = graphql(`
  query TopPatches($modelId: ID!, $layer: String!) {
    model(id: $modelId) {
      id
      layer(name: $layer) {
        name
        # The API computes patches for every filter of the layer in one pass (and caches them), so asking for
        # all of them costs the same as asking for one.
        filters(first: 500) {
          nodes {
            index
            topPatches(k: 9) {
              rank
              image
              className
              activation
              imageIndex
              box {
                width
                height
              }
            }
          }
        }
      }
    }
  }
`);

type Patch = NonNullable<
  NonNullable<TopPatchesQuery["model"]["layer"]>["filters"]["nodes"][number]
>["topPatches"][number];

/**
 * The image patches this filter responds to most, loaded after the page (the API computes them in a worker for
 * the whole layer the first time, which takes a few seconds).
 */
export function TopPatches({ modelId, layer, index }: { modelId: string; layer: string; index: number }) {
  const client = useClient();
  const [state, setState] = useState<{ patches?: Patch[]; error?: string }>({});

  useEffect(() => {
    const subscription = client
      .query(TopPatchesQueryDocument, { modelId, layer }, { requestPolicy: "network-only" })
      .subscribe((result) => {
        if (result.error) setState({ error: errorText(result.error) });
        else
          setState({
            patches: result.data?.model.layer?.filters.nodes.find((f) => f.index === index)?.topPatches ?? [],
          });
      });
    return () => subscription.unsubscribe();
  }, [client, modelId, layer, index]);

  if (state.error)
    return (
      <p className="field-error" role="alert">
        Could not find the top patches: {state.error}
      </p>
    );
  if (!state.patches)
    return (
      <p className="muted" role="status">
        <span className="spinner" aria-hidden="true" /> Scanning images for the patches this filter responds
        to most…
      </p>
    );
  if (state.patches.length === 0)
    return <p className="muted">No patches: this layer&apos;s units have no spatial extent.</p>;
  return (
    <ol className="patches" aria-label="Top-activating patches">
      {state.patches.map((p) => (
        <li key={p.rank}>
          <img
            src={p.image}
            alt={`Patch ${p.rank + 1}: ${p.className}, activation ${p.activation.toFixed(2)}`}
            width={72}
            height={72}
            className="weights"
          />
          <span className="small">{p.className}</span>
          <span className="small muted">{p.activation.toFixed(2)}</span>
        </li>
      ))}
    </ol>
  );
}
