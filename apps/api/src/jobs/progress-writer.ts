/**
 * Persists a job's progress steps one at a time, in order. A step that arrives while one is being written
 * replaces any step still waiting (only the newest matters), so a fast worker never queues up writes, and on
 * Postgres's pool two steps never race each other to the row.
 */
import type { Logger } from "pino";

export class ProgressWriter<Step> {
  private waiting: { step: Step } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly persist: (step: Step) => Promise<void>,
    private readonly log: Pick<Logger, "error">,
  ) {}

  /** Hands over a step; returns at once (the worker's message handler must not wait for the database). */
  write(step: Step): void {
    this.waiting = { step };
    this.writing ??= this.drain();
  }

  /** Resolves once every step handed to `write` so far is written (or failed and was logged). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.waiting) {
      const { step } = this.waiting;
      this.waiting = undefined;
      try {
        await this.persist(step);
      } catch (error) {
        this.log.error({ err: error }, "recording progress failed");
      }
    }
    this.writing = undefined;
  }
}
