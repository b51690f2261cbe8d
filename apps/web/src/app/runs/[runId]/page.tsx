import type { Metadata } from "next";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { graphql } from "@/gql";
import { shortId } from "@/lib/format";
import { ExportLinks } from "@/components/export-links";
import { mayEdit, readerAccess } from "@/lib/access";
import { load } from "@/lib/server-client";

import { AnnotationsPanel } from "../../annotations-panel";
import { ShareButton } from "../../share-button";
import { RunLive } from "./run-live";

const RunPageQuery = graphql(`
  query RunPage($id: ID!) {
    me {
      id
    }
    pruningRun(id: $id) {
      ...RunLiveFields
      steps {
        ...RunStepFields
      }
      annotations {
        id
        kind
        body
        authorId
        authorName
        createdAt
      }
      exportUrls {
        html
        json
        csv
      }
      model {
        id
        workspaceId
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
  const access = await readerAccess();
  const edit = mayEdit(access, model.workspaceId);
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
        canEdit={edit}
        shared={access.shared}
        actions={
          edit && (
            <ShareButton
              workspaceId={model.workspaceId}
              target={{ kind: "RUN", ids: [run.id] }}
              what="this run"
            />
          )
        }
      />
      <section aria-labelledby="export-title">
        <h2 id="export-title">Export</h2>
        <ExportLinks urls={run.exportUrls} />
      </section>
      <AnnotationsPanel
        target={{ kind: "RUN", runId: run.id }}
        items={run.annotations}
        canComment={!access.shared && access.workspaces.some((w) => w.id === model.workspaceId)}
        canLabel={false}
        meId={result.data.me?.id ?? null}
      />
    </>
  );
}
