import type { Metadata } from "next";
import Link from "next/link";

import { ApiFailureState } from "@/components/api-failure";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { EmptyState } from "@/components/empty-state";
import { shortTarget } from "@/components/run-table";
import { StatusBadge } from "@/components/status-badge";
import { graphql } from "@/gql";
import { count, percent, shortId } from "@/lib/format";
import { accuracyAt, runSeries } from "@/lib/run-series";
import { ExportLinks } from "@/components/export-links";
import { mayEdit, readerAccess } from "@/lib/access";
import { load } from "@/lib/server-client";

import { ShareButton } from "../../../share-button";

import { CompareChart } from "./compare-chart";

const ComparePageQuery = graphql(`
  query ComparePage($id: ID!) {
    model(id: $id) {
      id
      workspaceId
      name
      accuracy
      layers(prunableOnly: true) {
        name
        filterCount
      }
      runs(first: 100) {
        nodes {
          id
          status
          criterion
          scope
          layers
          stepSize
          fineTune {
            schedule
            epochs
          }
          target {
            keep
            removeFraction
            minAccuracy
          }
          baseAccuracy
          finalAccuracy
          original {
            params
            flops
            selection {
              accuracy
            }
            test {
              accuracy
            }
          }
          steps {
            step
            params
            flops
            removed {
              index
            }
            selection {
              accuracy
            }
            test {
              accuracy
            }
          }
        }
      }
    }
  }
`);

const ComparisonExportQuery = graphql(`
  query ComparisonExport($runIds: [ID!]!) {
    comparisonExportUrls(runIds: $runIds) {
      html
      json
      csv
    }
  }
`);

/** Compression levels the table compares runs at: shares of the prunable filters removed. */
const LEVELS = [0.1, 0.25, 0.5, 0.75];

type Props = { params: Promise<{ modelId: string }>; searchParams: Promise<{ runs?: string | string[] }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { modelId } = await params;
  const result = await load(ComparePageQuery, { id: decodeURIComponent(modelId) });
  return { title: result.ok ? `Compare runs of ${result.data.model.name}` : "Compare runs" };
}

export default async function ComparePage({ params, searchParams }: Props) {
  const { modelId } = await params;
  const { runs: runsParam } = await searchParams;
  const result = await load(ComparePageQuery, { id: decodeURIComponent(modelId) });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="this model's runs" />;
  const { model } = result.data;
  const base = `/models/${encodeURIComponent(model.id)}`;
  const filterCounts = new Map(model.layers.map((l) => [l.name, l.filterCount ?? 0]));
  const asked = (Array.isArray(runsParam) ? runsParam : runsParam ? [runsParam] : []).flatMap((r) =>
    r.split(","),
  );
  const chosen = asked.length
    ? model.runs.nodes.filter((r) => asked.includes(r.id))
    : model.runs.nodes.filter((r) => r.steps.length > 0).slice(0, 6);

  const compared = chosen.map((run) => {
    const prunable = run.layers.reduce((sum, l) => sum + (filterCounts.get(l) ?? 0), 0);
    const points = runSeries(
      {
        test: run.original?.test?.accuracy ?? run.baseAccuracy ?? null,
        selection: run.original?.selection.accuracy ?? null,
        params: run.original?.params ?? null,
        flops: run.original?.flops ?? null,
      },
      run.steps.map((s) => ({
        step: s.step,
        removedCount: s.removed.length,
        testAccuracy: s.test?.accuracy ?? null,
        selectionAccuracy: s.selection.accuracy,
        params: s.params,
        flops: s.flops,
      })),
      prunable,
    );
    const fineTune =
      run.fineTune.schedule === "NONE"
        ? ""
        : `, fine-tuned ${run.fineTune.schedule.toLowerCase().replace("_", " ")}`;
    return {
      run,
      points,
      label: `${run.criterion} #${shortId(run.id)} (${run.layers.join("+")}${fineTune})`,
    };
  });

  const edit = mayEdit(await readerAccess(), model.workspaceId);
  // The API says where a comparison downloads (and refuses one of a single run or of too many).
  const ids = compared.map((c) => c.run.id);
  const downloads = ids.length >= 2 ? await load(ComparisonExportQuery, { runIds: ids }) : null;
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Models", href: "/models" },
          { label: model.name, href: base },
          { label: "Compare runs" },
        ]}
      />
      <h1>Compare pruning runs of {model.name}</h1>
      <p className="lead">
        Test accuracy against the share of the prunable filters removed, so runs over different layers line
        up. A criterion that keeps accuracy longer found the filters the network can do without.
      </p>
      {model.runs.nodes.length === 0 ? (
        <EmptyState title="No runs to compare">
          <p>
            <Link href={`${base}/runs/new`}>Start a pruning run</Link> — for example one with CAR and one with
            L1 on the same layer.
          </p>
        </EmptyState>
      ) : (
        <>
          <form method="get" className="panel" aria-label="Runs to compare">
            <fieldset>
              <legend>Runs to compare</legend>
              <div className="checks list">
                {model.runs.nodes.map((run) => (
                  <label key={run.id} className="inline">
                    <input type="checkbox" name="runs" value={run.id} defaultChecked={chosen.includes(run)} />
                    {run.criterion} #{shortId(run.id)}{" "}
                    <span className="muted">
                      ({run.layers.join(", ")}, {shortTarget(run.target)})
                    </span>{" "}
                    <StatusBadge status={run.status} />
                  </label>
                ))}
              </div>
            </fieldset>
            <button type="submit">Compare</button>
          </form>
          {compared.length === 0 ? (
            <EmptyState title="No run chosen">
              <p>Tick two or more runs above.</p>
            </EmptyState>
          ) : (
            <>
              <div className="actions">
                {downloads?.ok && <ExportLinks urls={downloads.data.comparisonExportUrls} />}
                {edit && ids.length >= 2 && (
                  <ShareButton
                    workspaceId={model.workspaceId}
                    target={{ kind: "COMPARISON", ids }}
                    what="this comparison"
                  />
                )}
              </div>
              <CompareChart
                series={compared.map((c) => ({ key: c.run.id, label: c.label, points: c.points }))}
              />
              <h2>Accuracy at equal compression</h2>
              <div className="table-wrap">
                <table aria-label="Accuracy at equal compression">
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      <th scope="col" className="num">
                        Unpruned
                      </th>
                      {LEVELS.map((level) => (
                        <th key={level} scope="col" className="num">
                          {percent(level, 0)} removed
                        </th>
                      ))}
                      <th scope="col" className="num">
                        Final
                      </th>
                      <th scope="col" className="num">
                        Filters removed
                      </th>
                      <th scope="col" className="num">
                        Parameters left
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {compared.map(({ run, points, label }) => {
                      const last = points[points.length - 1]!;
                      return (
                        <tr key={run.id}>
                          <td>
                            <Link href={`/runs/${encodeURIComponent(run.id)}`}>{label}</Link>
                          </td>
                          <td className="num">{percent(points[0]!.test)}</td>
                          {LEVELS.map((level) => (
                            <td key={level} className="num">
                              {percent(accuracyAt(points, level))}
                            </td>
                          ))}
                          <td className="num">{percent(last.test)}</td>
                          <td className="num">
                            {last.removed} ({percent(last.fraction, 0)})
                          </td>
                          <td className="num">{count(last.params)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <p className="muted small">
                Between steps, accuracy is interpolated linearly; — means the run did not remove that many
                filters.
              </p>
            </>
          )}
        </>
      )}
    </>
  );
}
