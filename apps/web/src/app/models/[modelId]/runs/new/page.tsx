import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { graphql } from "@/gql";
import type { Criterion, Scope } from "@/lib/run-form";
import { ViewerNotice } from "@/components/viewer-notice";
import { mayEdit, readerAccess } from "@/lib/access";
import { load } from "@/lib/server-client";

import { RunForm } from "./run-form";

export const metadata: Metadata = { title: "New pruning run" };

const NewRunPageQuery = graphql(`
  query NewRunPage($id: ID!) {
    model(id: $id) {
      id
      workspaceId
      name
      dataset
      layers(prunableOnly: true) {
        name
        className
        filterCount
      }
    }
  }
`);

type Props = {
  params: Promise<{ modelId: string }>;
  searchParams: Promise<{ layer?: string; criterion?: string; scope?: string }>;
};

const CRITERIA = new Set(["CAR", "L1", "MEAN_ACTIVATION", "APOZ", "TAYLOR", "RANDOM"]);
const SCOPES = new Set(["LAYER", "SEQUENTIAL", "GLOBAL"]);

export default async function NewRunPage({ params, searchParams }: Props) {
  const { modelId } = await params;
  const query = await searchParams;
  const result = await load(NewRunPageQuery, { id: decodeURIComponent(modelId) });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this model" />;
  const { model } = result.data;
  const layers = model.layers.map((l) => ({
    name: l.name,
    className: l.className,
    filterCount: l.filterCount ?? 0,
  }));
  const layer = layers.some((l) => l.name === query.layer) ? query.layer : undefined;
  const access = await readerAccess();
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: model.name, href: `/models/${encodeURIComponent(model.id)}` },
          { label: "New pruning run" },
        ]}
      />
      <h1>New pruning run of {model.name}</h1>
      {!mayEdit(access, model.workspaceId) && (
        <ViewerNotice shared={access.shared} action="start a pruning run" />
      )}
      <p className="lead">
        Greedy structural pruning: at every step the lowest-scoring filter is removed, and the network is
        measured again. The original model is not changed; the compressed network becomes a new model you can
        download.
      </p>
      {!model.dataset && (
        <p className="field-error" role="alert">
          This model has no dataset, so it cannot be pruned. Register it again with a dataset.
        </p>
      )}
      <RunForm
        modelId={model.id}
        layers={layers}
        initial={{
          layer: layer ?? layers[layers.length - 1]?.name,
          criterion: CRITERIA.has(query.criterion ?? "") ? (query.criterion as Criterion) : undefined,
          scope: SCOPES.has(query.scope ?? "") ? (query.scope as Scope) : undefined,
        }}
      />
    </>
  );
}
