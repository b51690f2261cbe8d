import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { graphql } from "@/gql";
import { shortId } from "@/lib/format";
import { load } from "@/lib/server-client";

import { RunLive } from "./run-live";

const RunPageQuery = graphql(`
  query RunPage($id: ID!) {
    pruningRun(id: $id) {
      ...RunLiveFields
      steps {
        ...RunStepFields
      }
      model {
        id
        name
        layers(prunableOnly: true) {
          name
          filterCount
        }
      }
    }
  }
`);

type Props = { params: Promise<{ runId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { runId } = await params;
  const result = await load(RunPageQuery, { id: decodeURIComponent(runId) });
  if (!result.ok) return { title: "Pruning run" };
  const run = result.data.pruningRun;
  return { title: `${run.criterion} run #${shortId(run.id)} of ${run.model.name}` };
}

export default async function RunPage({ params }: Props) {
  const { runId } = await params;
  const result = await load(RunPageQuery, { id: decodeURIComponent(runId) });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this pruning run" />;
  const run = result.data.pruningRun;
  const { model } = run;
  const prunable = model.layers
    .filter((l) => run.layers.includes(l.name))
    .reduce((sum, l) => sum + (l.filterCount ?? 0), 0);
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: model.name, href: `/models/${encodeURIComponent(model.id)}` },
          { label: `Run #${shortId(run.id)}` },
        ]}
      />
      <RunLive
        initial={run}
        initialSteps={run.steps}
        model={{ id: model.id, name: model.name }}
        prunable={prunable}
      />
    </>
  );
}
