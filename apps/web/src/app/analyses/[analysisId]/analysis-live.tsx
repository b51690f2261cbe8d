"use client";

import { useMutation, useSubscription } from "@urql/next";
import Link from "next/link";
import { useState } from "react";

import { ProgressBar } from "@/components/progress-bar";
import { StatList } from "@/components/stat-list";
import { StatusBadge } from "@/components/status-badge";
import { graphql } from "@/gql";
import type { AnalysisLiveFieldsFragment } from "@/gql/graphql";
import { errorText } from "@/lib/api-error";
import { dateTime, duration, percent } from "@/lib/format";
import { FormError } from "@/components/form-error";

export const AnalysisLiveFields = graphql(`
  fragment AnalysisLiveFields on Analysis {
    id
    status
    layers
    split
    classwise
    maxImages
    seed
    images
    baseAccuracy
    createdAt
    startedAt
    finishedAt
    error {
      code
      message
    }
    progress {
      done
      total
      fraction
      phase
      etaSeconds
    }
  }
`);

const AnalysisProgressSubscription = graphql(`
  subscription AnalysisProgress($id: ID!) {
    analysisProgress(id: $id) {
      ...AnalysisLiveFields
    }
  }
`);

const CancelAnalysisMutation = graphql(`
  mutation CancelAnalysis($id: ID!) {
    cancelAnalysis(id: $id) {
      ...AnalysisLiveFields
    }
  }
`);

const FINISHED = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"]);

/** An analysis as it runs: status, progress and ETA from the analysisProgress subscription; cancel. */
export function AnalysisLive({
  initial,
  modelId,
  canEdit = true,
}: {
  initial: AnalysisLiveFieldsFragment;
  modelId: string;
  /** False for viewers and share-link readers: no cancel button, no "prune by CAR". */
  canEdit?: boolean;
}) {
  const [live] = useSubscription({
    query: AnalysisProgressSubscription,
    variables: { id: initial.id },
    pause: FINISHED.has(initial.status),
  });
  const [cancelState, cancel] = useMutation(CancelAnalysisMutation);
  const [cancelError, setCancelError] = useState<string>();
  const analysis = cancelState.data?.cancelAnalysis ?? live.data?.analysisProgress ?? initial;
  const finished = FINISHED.has(analysis.status);
  const modelHref = `/models/${encodeURIComponent(modelId)}`;

  async function onCancel() {
    setCancelError(undefined);
    const result = await cancel({ id: analysis.id });
    if (result.error) setCancelError(errorText(result.error));
  }

  return (
    <section aria-live="polite" aria-labelledby="analysis-status">
      <h2 id="analysis-status" className="status-line">
        <StatusBadge status={analysis.status} />
        {analysis.progress.phase && !finished && <span className="muted">{analysis.progress.phase}</span>}
      </h2>
      {!finished && (
        <>
          <ProgressBar fraction={analysis.progress.fraction} label="Analysis progress" />
          <p className="muted">
            {analysis.progress.total > 0
              ? `${analysis.progress.done} of ${analysis.progress.total} passes`
              : "Counting the work…"}
            {analysis.progress.etaSeconds !== null &&
              analysis.progress.etaSeconds !== undefined &&
              ` · about ${duration(analysis.progress.etaSeconds)} left`}
          </p>
          {canEdit && (
            <button type="button" className="danger" onClick={onCancel} disabled={cancelState.fetching}>
              {cancelState.fetching ? "Cancelling…" : "Cancel analysis"}
            </button>
          )}
        </>
      )}
      {live.error && !finished && (
        <p className="field-error" role="alert">
          Live updates stopped: {errorText(live.error)} Reload the page to see the latest state.
        </p>
      )}
      <FormError message={cancelError} />
      {analysis.error && (
        <div className="state state-error" role="alert">
          <p className="state-title">
            The analysis {analysis.status === "INTERRUPTED" ? "was interrupted" : "failed"}
          </p>
          <p>
            {analysis.error.message} <span className="muted">({analysis.error.code})</span>
          </p>
        </div>
      )}
      <StatList
        items={[
          { label: "Layers", value: analysis.layers.join(", ") },
          {
            label: "Images",
            value: `${analysis.images ?? analysis.maxImages ?? "all"} (${analysis.split.toLowerCase()})`,
          },
          { label: "Class-wise", value: analysis.classwise ? "yes" : "no" },
          { label: "Seed", value: analysis.seed },
          { label: "Base accuracy", value: percent(analysis.baseAccuracy) },
          { label: "Created", value: dateTime(analysis.createdAt) },
          { label: "Finished", value: dateTime(analysis.finishedAt) },
        ]}
      />
      {analysis.status === "SUCCEEDED" && (
        <div className="panel">
          <h2>Scores are ready</h2>
          {canEdit && (
            <p>
              <Link className="button" href={`${modelHref}/runs/new`}>
                Prune by CAR
              </Link>
            </p>
          )}
          <ul>
            {analysis.layers.map((layer) => (
              <li key={layer}>
                <Link href={`${modelHref}/layers/${encodeURIComponent(layer)}`}>Filters of {layer}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
