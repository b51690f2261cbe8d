import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { ClassImportanceChart } from "@/components/class-importance-chart";
import { EmptyState } from "@/components/empty-state";
import { StatList } from "@/components/stat-list";
import { graphql } from "@/gql";
import { percent, points } from "@/lib/format";
import { mayEdit, readerAccess } from "@/lib/access";
import { load, loadOrFailure } from "@/lib/server-client";

import { AnnotationsPanel } from "../../../../../../annotations-panel";

import { TopPatches } from "./top-patches";

const FilterPageQuery = graphql(`
  query FilterPage($id: ID!, $layer: String!) {
    model(id: $id) {
      id
      workspaceId
      name
      layer(name: $layer) {
        name
        className
        filterCount
        filters(first: 500) {
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
              lossIncrease
              rightToWrong
              wrongToRight
            }
            classImportances {
              classIndex
              className
              drop
            }
          }
        }
      }
    }
  }
`);

// Apart from the page's query: a failure here (e.g. annotations not readable) leaves the filter's page up.
const FilterAnnotationsQuery = graphql(`
  query FilterAnnotations($id: ID!, $layer: String!) {
    me {
      id
    }
    model(id: $id) {
      id
      layer(name: $layer) {
        name
        filters(first: 500) {
          nodes {
            index
            annotations {
              id
              kind
              body
              authorId
              authorName
              createdAt
            }
          }
        }
      }
    }
  }
`);

type Props = { params: Promise<{ modelId: string; layerName: string; filterIndex: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { modelId, layerName, filterIndex } = await params;
  const result = await load(FilterPageQuery, {
    id: decodeURIComponent(modelId),
    layer: decodeURIComponent(layerName),
  });
  const model = result.ok ? `${result.data.model.name} › ` : "";
  return { title: `${model}${decodeURIComponent(layerName)} › filter ${filterIndex}` };
}

export default async function FilterPage({ params }: Props) {
  const { modelId, layerName, filterIndex } = await params;
  if (!/^\d+$/.test(filterIndex)) notFound();
  const index = Number(filterIndex);
  const result = await load(FilterPageQuery, {
    id: decodeURIComponent(modelId),
    layer: decodeURIComponent(layerName),
  });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this filter" />;
  const { model } = result.data;
  const layer = model.layer;
  const filter = layer?.filters.nodes.find((f) => f.index === index);
  if (!layer || !filter) notFound();
  const modelHref = `/models/${encodeURIComponent(model.id)}`;
  const layerHref = `${modelHref}/layers/${encodeURIComponent(layer.name)}`;
  const scoredCount = layer.filters.nodes.filter((f) => f.carScore).length;
  const car = filter.carScore;
  const classes = filter.classImportances;
  const access = await readerAccess();
  const annotations = await loadOrFailure(FilterAnnotationsQuery, { id: model.id, layer: layer.name });
  const most = classes[0];
  const least = classes[classes.length - 1];
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: model.name, href: modelHref },
          { label: layer.name, href: layerHref },
          { label: `Filter ${index}` },
        ]}
      />
      <div className="page-head">
        <div>
          <h1>
            Filter {index} <span className="muted">of {layer.name}</span>
          </h1>
          {most && least && classes.length > 1 && (
            <p className="lead">
              Matters most for <strong>{most.className}</strong> ({points(most.drop)}) and least for{" "}
              <strong>{least.className}</strong> ({points(least.drop)}).
            </p>
          )}
        </div>
        <div className="actions">
          {index > 0 && (
            <Link className="button secondary" href={`${layerHref}/filters/${index - 1}`}>
              ← Filter {index - 1}
            </Link>
          )}
          {layer.filterCount !== null && layer.filterCount !== undefined && index < layer.filterCount - 1 && (
            <Link className="button secondary" href={`${layerHref}/filters/${index + 1}`}>
              Filter {index + 1} →
            </Link>
          )}
        </div>
      </div>
      <div className="columns filter-head">
        <figure className="weight-figure">
          {filter.weightImage ? (
            // A data URL of the kernel, scaled up without smoothing so each weight stays a square.
            <img
              src={filter.weightImage}
              alt={`Weights of filter ${index}`}
              width={160}
              height={160}
              className="weights"
            />
          ) : (
            <span className="weights placeholder" aria-hidden="true" />
          )}
          <figcaption className="small muted">Weights (grey = 0, darker = negative)</figcaption>
        </figure>
        <StatList
          items={
            car
              ? [
                  {
                    label: "CAR",
                    value: points(car.drop),
                    hint: "Accuracy lost when this filter alone is removed",
                  },
                  { label: "95% interval", value: `${points(car.ci95Low)} … ${points(car.ci95High)}` },
                  {
                    label: "Rank",
                    value: `${car.rank} of ${scoredCount}`,
                    hint: "1 = least important, pruned first",
                  },
                  { label: "Accuracy without it", value: percent(car.accuracyWithout) },
                  {
                    label: "Right → wrong",
                    value: car.rightToWrong,
                    hint: "Images it gets right only with the filter",
                  },
                  {
                    label: "Wrong → right",
                    value: car.wrongToRight,
                    hint: "Images it gets right only without the filter",
                  },
                  { label: "Loss increase", value: car.lossIncrease.toFixed(4) },
                  { label: "L1 norm", value: filter.l1Norm.toFixed(3) },
                ]
              : [
                  { label: "CAR", value: "not scored" },
                  { label: "L1 norm", value: filter.l1Norm.toFixed(3) },
                ]
          }
        />
      </div>
      <section aria-labelledby="patches-title">
        <h2 id="patches-title">Top-activating patches</h2>
        <p className="muted">
          The parts of images this filter responds to most (one per image, strongest first), from a sample of
          the model&apos;s dataset.
        </p>
        <TopPatches modelId={model.id} layer={layer.name} index={index} />
      </section>
      <section aria-labelledby="classes-title">
        <h2 id="classes-title">Class importance</h2>
        {classes.length === 0 ? (
          <EmptyState title="No class importances yet">
            <p>
              Class-wise CAR says which classes this filter matters for.{" "}
              <Link href={`${modelHref}/analyses/new?layer=${encodeURIComponent(layer.name)}`}>
                Run a class-wise analysis
              </Link>{" "}
              of this layer.
            </p>
          </EmptyState>
        ) : (
          <>
            <p className="muted">
              Accuracy on each class with the filter minus without it, most important class first. A negative
              value means the class is recognised better without the filter.
            </p>
            <ClassImportanceChart classes={classes} />
          </>
        )}
      </section>
      {annotations.ok ? (
        <AnnotationsPanel
          target={{ kind: "FILTER", modelId: model.id, layerName: layer.name, filterIndex: index }}
          items={
            annotations.data.model.layer?.filters.nodes.find((f) => f.index === index)?.annotations ?? []
          }
          canComment={!access.shared && !!annotations.data.me}
          canLabel={mayEdit(access, model.workspaceId)}
          meId={annotations.data.me?.id ?? null}
        />
      ) : (
        <p className="muted">
          The filter&apos;s label and comments could not be read: {annotations.failure.message}
        </p>
      )}
    </>
  );
}
