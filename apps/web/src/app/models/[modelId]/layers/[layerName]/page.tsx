import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { CarHistogram } from "@/components/car-histogram";
import { EmptyState } from "@/components/empty-state";
import { StatList } from "@/components/stat-list";
import { graphql } from "@/gql";
import { count, percent, shape, shortId } from "@/lib/format";
import { mayEdit, readerAccess } from "@/lib/access";
import { load } from "@/lib/server-client";

import { FilterExplorer } from "./filter-explorer";

const LayerPageQuery = graphql(`
  query LayerPage($id: ID!, $layer: String!) {
    model(id: $id) {
      id
      workspaceId
      name
      accuracy
      layer(name: $layer) {
        name
        index
        className
        outputShape
        kernelSize
        filterCount
        params
        flops
        prunable
        filterGroupId
        labels {
          filterIndex
          body
        }
        filters(first: 500) {
          totalCount
          nodes {
            index
            l1Norm
            weightImage
            carScore {
              analysisId
              drop
              ci95Low
              ci95High
              rank
              accuracyWithout
            }
          }
        }
      }
    }
  }
`);

type Props = { params: Promise<{ modelId: string; layerName: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { modelId, layerName } = await params;
  const result = await load(LayerPageQuery, {
    id: decodeURIComponent(modelId),
    layer: decodeURIComponent(layerName),
  });
  return { title: result.ok ? `${result.data.model.name} › ${decodeURIComponent(layerName)}` : "Layer" };
}

export default async function LayerPage({ params }: Props) {
  const { modelId, layerName } = await params;
  const id = decodeURIComponent(modelId);
  const name = decodeURIComponent(layerName);
  const result = await load(LayerPageQuery, { id, layer: name });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this layer" />;
  const { model } = result.data;
  const layer = model.layer;
  if (!layer) notFound();
  const modelHref = `/models/${encodeURIComponent(model.id)}`;
  const edit = mayEdit(await readerAccess(), model.workspaceId);
  const filters = layer.filters.nodes;
  const labels = new Map(layer.labels.map((l) => [l.filterIndex, l.body]));
  const scored = filters.filter((f) => f.carScore);
  const analysisId = scored[0]?.carScore?.analysisId;
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: model.name, href: modelHref },
          { label: layer.name },
        ]}
      />
      <div className="page-head">
        <div>
          <h1>
            Layer {layer.name} <span className="muted">({layer.className})</span>
          </h1>
          <p className="lead">
            Every filter of the layer. CAR is the accuracy the model loses when that filter alone is removed:
            low CAR marks a filter the network can do without.
          </p>
        </div>
        {edit && (
          <div className="actions">
            <Link
              className="button"
              href={`${modelHref}/analyses/new?layer=${encodeURIComponent(layer.name)}`}
            >
              Score this layer
            </Link>
          </div>
        )}
      </div>
      <StatList
        items={[
          { label: "Filters", value: layer.filterCount ?? filters.length },
          { label: "Output shape", value: shape(layer.outputShape) },
          { label: "Kernel", value: layer.kernelSize?.join(" × ") ?? "—" },
          { label: "Parameters", value: count(layer.params) },
          { label: "FLOPs / image", value: count(layer.flops) },
          { label: "Model accuracy", value: percent(model.accuracy) },
          {
            label: "CAR scores",
            value: scored.length ? (
              <Link href={`/analyses/${encodeURIComponent(analysisId ?? "")}`}>
                analysis #{shortId(analysisId ?? "")}
              </Link>
            ) : (
              "not scored yet"
            ),
          },
        ]}
      />
      {!layer.prunable ? (
        <EmptyState title="This layer has no prunable filters">
          <p>
            Only layers that produce a filter group can be pruned; the output layer&apos;s units are the
            classes.
          </p>
        </EmptyState>
      ) : (
        <>
          {scored.length === 0 && (
            <EmptyState title="No CAR scores for this layer yet">
              <p>
                Tiles show the filters&apos; weights and L1 norms.{" "}
                {edit ? (
                  <>
                    <Link href={`${modelHref}/analyses/new?layer=${encodeURIComponent(layer.name)}`}>
                      Run a CAR analysis
                    </Link>{" "}
                    to colour them by importance.
                  </>
                ) : (
                  "An editor's CAR analysis colours them by importance."
                )}
              </p>
            </EmptyState>
          )}
          <FilterExplorer
            modelId={model.id}
            layerName={layer.name}
            filters={filters.map((f) => ({
              index: f.index,
              l1Norm: f.l1Norm,
              weightImage: f.weightImage ?? null,
              label: labels.get(f.index) ?? null,
              car: f.carScore
                ? {
                    drop: f.carScore.drop,
                    ci95Low: f.carScore.ci95Low,
                    ci95High: f.carScore.ci95High,
                    rank: f.carScore.rank,
                    accuracyWithout: f.carScore.accuracyWithout,
                  }
                : null,
            }))}
          />
          {scored.length > 0 && (
            <section aria-labelledby="histogram-title">
              <h2 id="histogram-title">Distribution of CAR scores</h2>
              <CarHistogram drops={scored.map((f) => f.carScore!.drop)} />
            </section>
          )}
        </>
      )}
    </>
  );
}
