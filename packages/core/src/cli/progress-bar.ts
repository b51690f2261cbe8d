import type { Progress } from "../util/operation.js";

/**
 * A one-line progress bar on stderr for the CLI. It stays silent for the first second (so quick commands
 * print nothing extra) and when stderr is not a terminal (so logs and pipes stay clean).
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly delayMs = 1000,
  ) {}

  update = (progress: Progress): void => {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.started < this.delayMs) return;
    if (now - this.lastDraw < 100 && progress.done < progress.total) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`\r${formatProgressLine(progress, this.stream.columns ?? 80)}\x1b[K`);
  };

  /** Clears the bar so the command's own output starts on a clean line. */
  finish(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}

export function formatProgressLine(progress: Progress, columns: number): string {
  const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const eta = progress.etaSeconds === undefined ? "" : ` ETA ${formatSeconds(progress.etaSeconds)}`;
  const counts = ` ${progress.done}/${progress.total} ${(fraction * 100).toFixed(0)}%${eta}`;
  const label = `${progress.phase} `;
  const width = Math.max(10, Math.min(40, columns - label.length - counts.length - 3));
  const filled = Math.round(fraction * width);
  return `${label}[${"#".repeat(filled)}${"-".repeat(width - filled)}]${counts}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60
    ? `${m}m${String(s).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
