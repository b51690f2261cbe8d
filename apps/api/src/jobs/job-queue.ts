/**
 * The job queue: which jobs wait, which run, and how many at once. A job is only a kind and an id; what it
 * does is read from the database by the handler, so a Redis-backed queue (a later issue) can carry the same
 * jobs between machines.
 */

export type JobKind = "analysis" | "pruning";

export interface JobSpec {
  kind: JobKind;
  /** The id of the row the job works on (an analysis id). */
  id: string;
}

/**
 * Runs one job. It must return (or throw) soon after `signal` fires; `signal.reason` is a {@link JobStop}
 * saying whether a user cancelled the job or the server is stopping.
 */
export type JobHandler = (job: JobSpec, signal: AbortSignal) => Promise<void>;

export type JobStop = "cancelled" | "shutdown";

export type CancelOutcome =
  /** It was waiting: it will never run. */
  | "dequeued"
  /** It was running: its signal fired and it is stopping. */
  | "signalled"
  /** Not in this queue (finished already, or never queued here). */
  | "unknown";

export interface JobQueue {
  /** The function that runs jobs; set once, before the first job can start. */
  process(handler: JobHandler): void;
  enqueue(job: JobSpec): void;
  cancel(id: string): CancelOutcome;
  /** Jobs waiting and running now. */
  stats(): { queued: number; running: number; concurrency: number };
  /**
   * Stops starting jobs, fires the signal of each running job with reason "shutdown" and waits for them to
   * end. Waiting jobs stay where the database has them (QUEUED) for the next start.
   */
  close(): Promise<void>;
}

interface Running {
  job: JobSpec;
  controller: AbortController;
  done: Promise<void>;
}

/** The embedded default: jobs run in this process (each hands its heavy work to a worker thread). */
export class InProcessJobQueue implements JobQueue {
  private handler: JobHandler | undefined;
  private readonly waiting: JobSpec[] = [];
  private readonly running = new Map<string, Running>();
  private closed = false;

  /**
   * @param concurrency jobs running at once (each is one worker thread: on a machine shared by several
   *   people, 1 leaves cores for everyone else)
   * @param onError called when a handler throws; handlers are expected to record their own failures, so this
   *   is for logging what slipped through
   */
  constructor(
    readonly concurrency: number,
    private readonly onError: (job: JobSpec, error: unknown) => void = () => {},
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`job queue concurrency must be an integer ≥ 1, got ${concurrency}`);
    }
  }

  process(handler: JobHandler): void {
    if (this.handler) throw new Error("the job queue already has a handler; call process() once");
    this.handler = handler;
    this.pump();
  }

  enqueue(job: JobSpec): void {
    if (this.closed) throw new Error(`the job queue is closed; job ${job.kind} ${job.id} was not queued`);
    if (this.running.has(job.id) || this.waiting.some((j) => j.id === job.id)) return;
    this.waiting.push(job);
    this.pump();
  }

  cancel(id: string): CancelOutcome {
    const index = this.waiting.findIndex((j) => j.id === id);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      return "dequeued";
    }
    const running = this.running.get(id);
    if (running) {
      running.controller.abort("cancelled" satisfies JobStop);
      return "signalled";
    }
    return "unknown";
  }

  stats() {
    return { queued: this.waiting.length, running: this.running.size, concurrency: this.concurrency };
  }

  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.running.values()];
    for (const r of running) r.controller.abort("shutdown" satisfies JobStop);
    await Promise.all(running.map((r) => r.done));
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const controller = new AbortController();
      const done = Promise.resolve()
        .then(() => handler(job, controller.signal))
        .catch((error: unknown) => this.onError(job, error))
        .finally(() => {
          this.running.delete(job.id);
          this.pump();
        });
      this.running.set(job.id, { job, controller, done });
    }
  }
}
