const TONES: Record<string, string> = {
  SUCCEEDED: "ok",
  RUNNING: "busy",
  QUEUED: "idle",
  FAILED: "bad",
  INTERRUPTED: "bad",
  CANCELLED: "idle",
};

/** A job's status as a labelled pill (the text is the status; colour only repeats it). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONES[status] ?? "idle"}`}>{status.toLowerCase()}</span>;
}
