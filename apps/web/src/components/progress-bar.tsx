/** A labelled progress bar: the native element, so screen readers announce the value. */
export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  const clamped = Math.min(1, Math.max(0, fraction));
  return (
    <div className="progress">
      <progress value={clamped} max={1} aria-label={label} />
      <span>{(clamped * 100).toFixed(0)}%</span>
    </div>
  );
}
