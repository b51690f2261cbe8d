import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { graphql } from "@/gql";
import { ViewerNotice } from "@/components/viewer-notice";
import { mayEdit, readerAccess } from "@/lib/access";
import { load } from "@/lib/server-client";

import { AnalysisForm } from "./analysis-form";

export const metadata: Metadata = { title: "New CAR analysis" };

const NewAnalysisPageQuery = graphql(`
  query NewAnalysisPage($id: ID!) {
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

type Props = { params: Promise<{ modelId: string }>; searchParams: Promise<{ layer?: string | string[] }> };

export default async function NewAnalysisPage({ params, searchParams }: Props) {
  const { modelId } = await params;
  const { layer } = await searchParams;
  const result = await load(NewAnalysisPageQuery, { id: decodeURIComponent(modelId) });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this model" />;
  const { model } = result.data;
  const preselected = (Array.isArray(layer) ? layer : layer ? [layer] : []).filter((l) =>
    model.layers.some((m) => m.name === l),
  );
  const access = await readerAccess();
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: model.name, href: `/models/${encodeURIComponent(model.id)}` },
          { label: "New CAR analysis" },
        ]}
      />
      <h1>New CAR analysis of {model.name}</h1>
      {!mayEdit(access, model.workspaceId) && (
        <ViewerNotice shared={access.shared} action="start an analysis" />
      )}
      <p className="lead">
        Scores each filter by CAR — the accuracy the model loses without it — and, class-wise, which classes
        it matters for. Runs in the background; you can leave the page.
      </p>
      {!model.dataset && (
        <p className="field-error" role="alert">
          This model has no dataset, so it cannot be scored. Register it again with a dataset.
        </p>
      )}
      <AnalysisForm modelId={model.id} layers={model.layers} preselected={preselected} />
    </>
  );
}
