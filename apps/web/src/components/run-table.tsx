import Link from "next/link";

import { bytes, count, dateTime, percent, shortId } from "@/lib/format";

import { StatusBadge } from "./status-badge";

export interface RunRow {
  id: string;
  status: string;
  criterion: string;
  scope: string;
  layers: readonly string[];
  createdAt: string;
  finalAccuracy?: number | null;
  fineTune: { schedule: string };
  target: { keep?: number | null; removeFraction?: number | null; minAccuracy?: number | null };
  progress: { stepsDone: number; plannedSteps: number; fraction: number };
  resultModel?: {
    id: string;
    name: string;
    accuracy?: number | null;
    params: number;
    flops: number;
    sizeBytes: number;
  } | null;
}

/** "keep 8", "remove 50%", "≥ 95.0%": a run's target in a few characters. */
export function shortTarget(target: RunRow["target"]): string {
  if (target.keep !== null && target.keep !== undefined) return `keep ${target.keep}`;
  if (target.removeFraction !== null && target.removeFraction !== undefined)
    return `remove ${percent(target.removeFraction, 0)}`;
  if (target.minAccuracy !== null && target.minAccuracy !== undefined)
    return `≥ ${percent(target.minAccuracy, 1)}`;
  return "—";
}

/** A model's pruning runs with their compressed descendants: size and accuracy beside the original's. */
export function RunTable({
  modelId,
  runs,
  baseAccuracy,
  baseSize,
}: {
  modelId: string;
  runs: readonly RunRow[];
  baseAccuracy: number | null;
  baseSize: number;
}) {
  return (
    <div className="table-wrap">
      <table aria-label="Pruning runs">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Layers</th>
            <th scope="col">Target</th>
            <th scope="col">Fine-tuning</th>
            <th scope="col">Compressed model</th>
            <th scope="col" className="num">
              Test accuracy
            </th>
            <th scope="col" className="num">
              Parameters
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const result = run.resultModel;
            return (
              <tr key={run.id}>
                <td>
                  <Link href={`/runs/${encodeURIComponent(run.id)}`}>
                    {run.criterion} #{shortId(run.id)}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                  {run.status === "RUNNING" && (
                    <span className="muted small">
                      {" "}
                      {run.progress.stepsDone}/{run.progress.plannedSteps}
                    </span>
                  )}
                </td>
                <td>
                  {run.scope === "GLOBAL" ? "global: " : ""}
                  {run.layers.join(", ")}
                </td>
                <td>{shortTarget(run.target)}</td>
                <td>
                  {run.fineTune.schedule === "NONE"
                    ? "none"
                    : run.fineTune.schedule.toLowerCase().replace("_", " ")}
                </td>
                <td>
                  {result ? (
                    <Link href={`/models/${encodeURIComponent(result.id)}`}>{result.name}</Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td
                  className="num"
                  title={baseAccuracy !== null ? `original: ${percent(baseAccuracy)}` : undefined}
                >
                  {percent(result?.accuracy ?? run.finalAccuracy)}
                </td>
                <td className="num">{result ? count(result.params) : "—"}</td>
                <td className="num" title={`original: ${bytes(baseSize)}`}>
                  {result ? `${bytes(result.sizeBytes)} (${percent(result.sizeBytes / baseSize, 0)})` : "—"}
                </td>
                <td>{dateTime(run.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="legend small">
        <Link href={`/models/${encodeURIComponent(modelId)}/compare`}>Compare these runs on one chart</Link>
      </p>
    </div>
  );
}
