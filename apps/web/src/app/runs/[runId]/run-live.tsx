"use client";

import { useClient, useMutation } from "@urql/next";
import Link from "next/link";
import { type ReactNode, useEffect, useMemo, useState } from "react";

import { AccuracyCurve } from "@/components/accuracy-curve";
import { ProgressBar } from "@/components/progress-bar";
import { StatList } from "@/components/stat-list";
import { StatusBadge } from "@/components/status-badge";
import { graphql } from "@/gql";
import type { RunLiveFieldsFragment, RunStepFieldsFragment } from "@/gql/graphql";
import { errorText } from "@/lib/api-error";
import { bytes, count, dateTime, duration, percent, points, shortId } from "@/lib/format";
import { mergeSteps, runSeries } from "@/lib/run-series";
import { FormError } from "@/components/form-error";

const PruningProgressSubscription = graphql(`
  subscription PruningProgress($runId: ID!) {
    pruningProgress(runId: $runId) {
      kind
      run {
        ...RunLiveFields
      }
      step {
        ...RunStepFields
      }
    }
  }
`);

const RunStepsQuery = graphql(`
  query RunSteps($id: ID!) {
    pruningRun(id: $id) {
      id
      steps {
        ...RunStepFields
      }
    }
  }
`);

const CancelRunMutation = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      ...RunLiveFields
    }
  }
`);

const ResumeRunMutation = graphql(`
  mutation ResumeRun($id: ID!) {
    resumeRun(id: $id) {
      ...RunLiveFields
    }
  }
`);

const FINISHED = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"]);

function targetText(run: RunLiveFieldsFragment): string {
  const t = run.target;
  const per = run.scope === "GLOBAL" ? "over all layers" : "per layer";
  if (t.keep !== null && t.keep !== undefined) return `keep ${t.keep} filters ${per}`;
  if (t.removeFraction !== null && t.removeFraction !== undefined)
    return `remove ${percent(t.removeFraction, 0)} of the filters`;
  if (t.minAccuracy !== null && t.minAccuracy !== undefined)
    return `until accuracy would fall below ${percent(t.minAccuracy, 1)}`;
  return "—";
}

/**
 * A pruning run as it happens: each step arrives through the pruningProgress subscription and is added to the
 * chart and the step log; cancel while it runs, resume an interrupted run, download the compressed model after.
 */
export function RunLive({
  initial,
  initialSteps,
  model,
  prunable,
  canEdit = true,
  actions,
  shared = false,
}: {
  initial: RunLiveFieldsFragment;
  initialSteps: readonly RunStepFieldsFragment[];
  model: { id: string; name: string };
  prunable: number;
  /** False for viewers and share-link readers: no cancel or resume. */
  canEdit?: boolean;
  /** More buttons for the page head (the editors' Share). */
  actions?: ReactNode;
  /** Read through a share link of this run: no link to the comparison (not shared). */
  shared?: boolean;
}) {
  const client = useClient();
  const [run, setRun] = useState(initial);
  const [steps, setSteps] = useState<RunStepFieldsFragment[]>([...initialSteps]);
  const [live, setLive] = useState(!FINISHED.has(initial.status));
  const [actionError, setActionError] = useState<string>();
  const [now, setNow] = useState<number | null>(null);

  const [streamError, setStreamError] = useState<string>();
  const [cancelState, cancel] = useMutation(CancelRunMutation);
  const [resumeState, resume] = useMutation(ResumeRunMutation);

  // Each event carries the run as it is now, and STEP events the new step. The first event (SNAPSHOT) may
  // follow steps made after this page was rendered: fetch them then, so none is missed.
  const runId = run.id;
  useEffect(() => {
    if (!live) return;
    const subscription = client.subscription(PruningProgressSubscription, { runId }).subscribe((result) => {
      if (result.error) {
        setStreamError(errorText(result.error));
        return;
      }
      const event = result.data?.pruningProgress;
      if (!event) return;
      setStreamError(undefined);
      setRun(event.run);
      if (event.step) setSteps((prev) => mergeSteps(prev, [event.step!]));
      if (event.kind === "SNAPSHOT")
        void client
          .query(RunStepsQuery, { id: runId }, { requestPolicy: "network-only" })
          .toPromise()
          .then((steps) => {
            if (steps.data) setSteps((prev) => mergeSteps(prev, steps.data!.pruningRun.steps));
          });
      if (FINISHED.has(event.run.status)) setLive(false);
    });
    return () => subscription.unsubscribe();
  }, [client, runId, live]);

  // A clock for the elapsed time while it runs; set from a timer so server and browser render the same text.
  const running = run.status === "RUNNING";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  const series = useMemo(
    () =>
      runSeries(
        {
          test: run.original?.test?.accuracy ?? run.baseAccuracy ?? null,
          selection: run.original?.selection.accuracy ?? null,
          params: run.original?.params ?? null,
          flops: run.original?.flops ?? null,
        },
        steps.map((s) => ({
          step: s.step,
          removedCount: s.removed.length,
          testAccuracy: s.test?.accuracy ?? null,
          selectionAccuracy: s.selection.accuracy,
          params: s.params,
          flops: s.flops,
        })),
        prunable,
      ),
    [run.original, run.baseAccuracy, steps, prunable],
  );

  const last = steps[steps.length - 1];
  const removed = series[series.length - 1]!.removed;
  const params = run.final?.params ?? last?.params ?? run.original?.params;
  const flops = run.final?.flops ?? last?.flops ?? run.original?.flops;
  const elapsed =
    running && now !== null && run.startedAt
      ? Math.max(last?.elapsedSeconds ?? 0, (now - Date.parse(run.startedAt)) / 1000)
      : (last?.elapsedSeconds ?? null);
  const finished = FINISHED.has(run.status);

  async function onCancel() {
    setActionError(undefined);
    const result = await cancel({ id: run.id });
    if (result.error) setActionError(errorText(result.error));
    else if (result.data) setRun(result.data.cancelRun);
  }

  async function onResume() {
    setActionError(undefined);
    const result = await resume({ id: run.id });
    if (result.error) setActionError(errorText(result.error));
    else if (result.data) {
      setRun(result.data.resumeRun);
      setLive(true);
    }
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>
            {run.criterion} pruning run #{shortId(run.id)} <span className="muted">of {model.name}</span>
          </h1>
          <p className="lead">
            {run.scope.toLowerCase()} · {run.layers.join(", ")} · {targetText(run)} · {run.stepSize} filter
            {run.stepSize === 1 ? "" : "s"} per step · fine-tuning{" "}
            {run.fineTune.schedule.toLowerCase().replace("_", " ")}
          </p>
        </div>
        <div className="actions">
          {canEdit && !finished && (
            <button type="button" className="danger" onClick={onCancel} disabled={cancelState.fetching}>
              {cancelState.fetching ? "Cancelling…" : "Cancel run"}
            </button>
          )}
          {canEdit && run.status === "INTERRUPTED" && (
            <button type="button" onClick={onResume} disabled={resumeState.fetching}>
              {resumeState.fetching ? "Resuming…" : "Resume run"}
            </button>
          )}
          {!shared && (
            <Link
              className="button secondary"
              href={`/models/${encodeURIComponent(model.id)}/compare?runs=${encodeURIComponent(run.id)}`}
            >
              Compare with other runs
            </Link>
          )}
          {actions}
        </div>
      </div>

      <section aria-live="polite" aria-label="Run status">
        <p className="status-line">
          <StatusBadge status={run.status} />
          {!finished && run.progress.phase && <span className="muted">{run.progress.phase}</span>}
          {run.stopReason && <span className="muted">stopped: {run.stopReason.replace(/-/g, " ")}</span>}
        </p>
        {!finished && (
          <>
            <ProgressBar fraction={run.progress.fraction} label="Pruning progress" />
            <p className="muted">
              Step {run.progress.stepsDone} of at most {run.progress.plannedSteps}
              {run.progress.etaSeconds !== null &&
                run.progress.etaSeconds !== undefined &&
                ` · about ${duration(run.progress.etaSeconds)} left`}
            </p>
          </>
        )}
        {streamError && live && (
          <p className="field-error" role="alert">
            Live updates stopped: {streamError} Reload the page to see the latest state.
          </p>
        )}
        <FormError message={actionError} />
        {run.error && (
          <div className="state state-error" role="alert">
            <p className="state-title">
              The run{" "}
              {run.status === "INTERRUPTED"
                ? "was interrupted"
                : run.status === "CANCELLED"
                  ? "was cancelled"
                  : "failed"}
            </p>
            <p>
              {run.error.message} <span className="muted">({run.error.code})</span>
            </p>
          </div>
        )}
      </section>

      <StatList
        items={[
          { label: "Filters removed", value: `${removed} of ${prunable}` },
          {
            label: "Test accuracy",
            value: `${percent(series[series.length - 1]!.test)}`,
            hint: `unpruned: ${percent(series[0]!.test)}`,
          },
          {
            label: "Parameters left",
            value:
              params !== undefined && run.original
                ? `${count(params)} (${percent(params / run.original.params, 0)})`
                : count(params),
          },
          {
            label: "FLOPs left",
            value:
              flops !== undefined && run.original
                ? `${count(flops)} (${percent(flops / run.original.flops, 0)})`
                : count(flops),
          },
          { label: "Elapsed", value: duration(elapsed) },
          { label: "ETA", value: finished ? "done" : duration(run.progress.etaSeconds) },
          { label: "Started", value: dateTime(run.startedAt) },
        ]}
      />

      {run.status === "SUCCEEDED" && (
        <section className="panel" aria-labelledby="result-title">
          <h2 id="result-title">Compressed model</h2>
          <p>
            {percent(run.final?.test?.accuracy ?? run.finalAccuracy)} test accuracy (unpruned{" "}
            {percent(series[0]!.test)}), {count(run.final?.params)} parameters, {count(run.final?.flops)}{" "}
            FLOPs per image
            {run.artifact && `, ${bytes(run.artifact.sizeBytes)}`}.
          </p>
          <div className="actions">
            {run.resultModel && (
              <Link className="button" href={`/models/${encodeURIComponent(run.resultModel.id)}`}>
                Open {run.resultModel.name} as a model
              </Link>
            )}
            {run.artifact?.files.map((file) => (
              <a key={file.name} className="button secondary" href={file.url} download={file.name}>
                Download {file.name} ({bytes(file.sizeBytes)})
              </a>
            ))}
          </div>
        </section>
      )}

      <section aria-labelledby="curve-title">
        <h2 id="curve-title">Accuracy as filters are removed</h2>
        {steps.length === 0 ? (
          <p className="muted">{finished ? "No step was made." : "Waiting for the first step…"}</p>
        ) : (
          <AccuracyCurve
            label="Accuracy against filters removed"
            series={[
              { key: "test", label: "test accuracy", points: series },
              {
                key: "selection",
                label: "selection accuracy (chooses filters)",
                points: series,
                measure: "selection",
                dashed: true,
              },
            ]}
          />
        )}
      </section>

      <section aria-labelledby="log-title">
        <h2 id="log-title">Step log</h2>
        <div className="table-wrap">
          <table aria-label="Step log">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Step
                </th>
                <th scope="col">Removed</th>
                <th scope="col" className="num">
                  {run.criterion === "CAR" ? "CAR at decision" : "Score"}
                </th>
                <th scope="col" className="num">
                  Test accuracy after
                </th>
                <th scope="col" className="num">
                  Selection accuracy after
                </th>
                <th scope="col" className="num">
                  Parameters
                </th>
                <th scope="col" className="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {steps.length === 0 ? (
                <tr>
                  <td colSpan={7} className="muted">
                    No steps yet.
                  </td>
                </tr>
              ) : (
                [...steps].reverse().map((s) => (
                  <tr key={s.step}>
                    <td className="num">{s.step}</td>
                    <td>
                      {s.removed.map((r, i) => (
                        <span key={`${r.layer}-${r.index}`}>
                          {i > 0 && ", "}
                          <Link
                            href={`/models/${encodeURIComponent(model.id)}/layers/${encodeURIComponent(r.layer)}/filters/${r.index}`}
                          >
                            {r.layer} #{r.index}
                          </Link>
                        </span>
                      ))}
                    </td>
                    <td className="num">
                      {s.removed.map((r) => (r.car ? points(r.car.drop) : r.score.toPrecision(3))).join(", ")}
                    </td>
                    <td className="num">{percent(s.test?.accuracy)}</td>
                    <td className="num">{percent(s.selection.accuracy)}</td>
                    <td className="num">{count(s.params)}</td>
                    <td className="num">{duration(s.elapsedSeconds)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
