import type { Metadata } from "next";
import Link from "next/link";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { EmptyState } from "@/components/empty-state";
import { LayerTable } from "@/components/layer-table";
import { RunTable } from "@/components/run-table";
import { StatList } from "@/components/stat-list";
import { StatusBadge } from "@/components/status-badge";
import { graphql } from "@/gql";
import { mayEdit, readerAccess } from "@/lib/access";
import { bytes, count, dateTime, percent, shape, shortId } from "@/lib/format";
import { load } from "@/lib/server-client";

import { ShareButton } from "../../share-button";

const ModelPageQuery = graphql(`
  query ModelPage($id: ID!) {
    model(id: $id) {
      id
      workspaceId
      name
      description
      source
      location
      dataset
      topology
      accuracy
      params
      flops
      sizeBytes
      inputShape
      classes
      createdAt
      derivedFrom {
        id
        name
      }
      derivedFromRun {
        id
        criterion
      }
      evaluations {
        dataset {
          id
          name
        }
        split
        images
        accuracy
        status
        error
      }
      runs(first: 100) {
        totalCount
        nodes {
          id
          status
          criterion
          scope
          layers
          createdAt
          baseAccuracy
          finalAccuracy
          fineTune {
            schedule
          }
          target {
            keep
            removeFraction
            minAccuracy
          }
          progress {
            stepsDone
            plannedSteps
            fraction
          }
          resultModel {
            id
            name
            accuracy
            params
            flops
            sizeBytes
          }
        }
      }
      layers {
        index
        name
        className
        outputShape
        kernelSize
        filterCount
        params
        flops
        activation
        prunable
      }
      analyses(first: 100) {
        totalCount
        nodes {
          id
          status
          layers
          split
          images
          classwise
          baseAccuracy
          createdAt
          finishedAt
          progress {
            fraction
          }
        }
      }
    }
  }
`);

type Props = { params: Promise<{ modelId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { modelId } = await params;
  const result = await load(ModelPageQuery, { id: decodeURIComponent(modelId) });
  return { title: result.ok ? result.data.model.name : "Model" };
}

export default async function ModelPage({ params }: Props) {
  const { modelId } = await params;
  const result = await load(ModelPageQuery, { id: decodeURIComponent(modelId) });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this model" />;
  const model = result.data.model;
  const base = `/models/${encodeURIComponent(model.id)}`;
  const access = await readerAccess();
  // Viewers and share-link readers see no editor action (the API refuses them anyway, FORBIDDEN).
  const edit = mayEdit(access, model.workspaceId);
  return (
    <>
      <Breadcrumbs items={[{ label: "Models", href: "/models" }, { label: model.name }]} />
      <div className="page-head">
        <div>
          <h1>{model.name}</h1>
          <p className="lead">{model.description}</p>
          {model.derivedFrom && (
            <p>
              Compressed from{" "}
              <Link href={`/models/${encodeURIComponent(model.derivedFrom.id)}`}>
                {model.derivedFrom.name}
              </Link>
              {model.derivedFromRun && (
                <>
                  {" "}
                  by{" "}
                  <Link href={`/runs/${encodeURIComponent(model.derivedFromRun.id)}`}>
                    {model.derivedFromRun.criterion} run #{shortId(model.derivedFromRun.id)}
                  </Link>
                </>
              )}
              .
            </p>
          )}
        </div>
        <div className="actions">
          {edit && (
            <>
              <Link className="button" href={`${base}/analyses/new`}>
                New CAR analysis
              </Link>
              <Link className="button" href={`${base}/runs/new`}>
                New pruning run
              </Link>
            </>
          )}
          {model.runs.totalCount > 1 && (
            <Link className="button secondary" href={`${base}/compare`}>
              Compare runs
            </Link>
          )}
          {edit && (
            <ShareButton
              workspaceId={model.workspaceId}
              target={{ kind: "MODEL", ids: [model.id] }}
              what="this model"
            />
          )}
        </div>
      </div>
      <StatList
        items={[
          {
            label: "Test accuracy",
            value: percent(model.accuracy),
            hint: "On the test split of its dataset",
          },
          { label: "Parameters", value: count(model.params) },
          { label: "FLOPs / image", value: count(model.flops), hint: "2 × multiply-accumulates per image" },
          { label: "Size", value: bytes(model.sizeBytes), hint: "model.json and its weight files" },
          { label: "Input", value: shape(model.inputShape) },
          { label: "Classes", value: model.classes.length },
          { label: "Dataset", value: model.dataset ?? "none" },
          { label: "Topology", value: model.topology },
        ]}
      />

      <section aria-labelledby="accuracy-title">
        <h2 id="accuracy-title">Accuracy per dataset</h2>
        {model.evaluations.length === 0 ? (
          <EmptyState title="Not evaluated yet">
            <p>Test accuracy recorded when the model was registered: {percent(model.accuracy)}.</p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table aria-label="Accuracy per dataset">
              <thead>
                <tr>
                  <th scope="col">Dataset</th>
                  <th scope="col">Split</th>
                  <th scope="col" className="num">
                    Images
                  </th>
                  <th scope="col" className="num">
                    Accuracy
                  </th>
                </tr>
              </thead>
              <tbody>
                {model.evaluations.map((e) => (
                  <tr key={`${e.dataset.id}-${e.split}-${e.images ?? "all"}`}>
                    <td>{e.dataset.name}</td>
                    <td>{e.split.toLowerCase()}</td>
                    <td className="num">{e.images ?? "—"}</td>
                    <td className="num">
                      {e.status === "SUCCEEDED" ? (
                        percent(e.accuracy)
                      ) : e.status === "FAILED" ? (
                        <span title={e.error ?? undefined}>failed</span>
                      ) : (
                        <span className="muted">{e.status.toLowerCase()}…</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="layers-title">
        <h2 id="layers-title">Architecture</h2>
        <p className="muted">
          Layers in topological order. Open a prunable layer to see its filters with their CAR scores.
        </p>
        <LayerTable
          modelId={model.id}
          layers={model.layers}
          totalFlops={model.flops}
          totalParams={model.params}
        />
      </section>

      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Pruning runs and compressed models</h2>
        {model.runs.nodes.length === 0 ? (
          <EmptyState title="No pruning run yet">
            <p>
              A pruning run removes the least important filters one by one and measures the network after each
              step.
              {edit && (
                <>
                  {" "}
                  <Link href={`${base}/runs/new`}>Start one</Link>.
                </>
              )}
            </p>
          </EmptyState>
        ) : (
          <RunTable
            modelId={model.id}
            runs={model.runs.nodes}
            baseAccuracy={model.accuracy ?? null}
            baseSize={model.sizeBytes}
          />
        )}
      </section>

      <section aria-labelledby="analyses-title">
        <h2 id="analyses-title">CAR analyses</h2>
        {model.analyses.nodes.length === 0 ? (
          <EmptyState title="No analysis yet">
            <p>
              An analysis scores every filter by CAR: the accuracy lost when that filter alone is removed.
              {edit && (
                <>
                  {" "}
                  <Link href={`${base}/analyses/new`}>Start one</Link>.
                </>
              )}
            </p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Analysis</th>
                  <th scope="col">Status</th>
                  <th scope="col">Layers</th>
                  <th scope="col">Images</th>
                  <th scope="col" className="num">
                    Base accuracy
                  </th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {model.analyses.nodes.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link href={`/analyses/${encodeURIComponent(a.id)}`}>#{shortId(a.id)}</Link>
                      {a.classwise && <span className="tag">class-wise</span>}
                    </td>
                    <td>
                      <StatusBadge status={a.status} />
                      {a.status === "RUNNING" && ` ${percent(a.progress.fraction, 0)}`}
                    </td>
                    <td>{a.layers.join(", ")}</td>
                    <td>
                      {a.images ?? "—"} ({a.split.toLowerCase()})
                    </td>
                    <td className="num">{percent(a.baseAccuracy)}</td>
                    <td>{dateTime(a.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
