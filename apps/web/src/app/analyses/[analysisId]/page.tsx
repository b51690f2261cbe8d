import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { graphql } from "@/gql";
import { shortId } from "@/lib/format";
import { mayEdit, readerAccess } from "@/lib/access";
import { load } from "@/lib/server-client";

import { AnalysisLive } from "./analysis-live";

const AnalysisPageQuery = graphql(`
  query AnalysisPage($id: ID!) {
    analysis(id: $id) {
      ...AnalysisLiveFields
      model {
        workspaceId
        id
        name
      }
    }
  }
`);

type Props = { params: Promise<{ analysisId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { analysisId } = await params;
  const result = await load(AnalysisPageQuery, { id: decodeURIComponent(analysisId) });
  return {
    title: result.ok
      ? `Analysis #${shortId(result.data.analysis.id)} of ${result.data.analysis.model.name}`
      : "Analysis",
  };
}

export default async function AnalysisPage({ params }: Props) {
  const { analysisId } = await params;
  const result = await load(AnalysisPageQuery, { id: decodeURIComponent(analysisId) });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this analysis" />;
  const { analysis } = result.data;
  const modelHref = `/models/${encodeURIComponent(analysis.model.id)}`;
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: analysis.model.name, href: modelHref },
          { label: `Analysis #${shortId(analysis.id)}` },
        ]}
      />
      <h1>
        CAR analysis #{shortId(analysis.id)} <span className="muted">of {analysis.model.name}</span>
      </h1>
      <AnalysisLive
        initial={analysis}
        modelId={analysis.model.id}
        canEdit={mayEdit(await readerAccess(), analysis.model.workspaceId)}
      />
    </>
  );
}
