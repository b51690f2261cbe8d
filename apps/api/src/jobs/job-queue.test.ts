import { describe, expect, it } from "vitest";

import { InProcessJobQueue, type JobSpec } from "./job-queue.js";

/** A handler whose jobs finish when the test says so, recording what ran and why it stopped. */
function controllableHandler() {
  const started: string[] = [];
  const stops = new Map<string, unknown>();
  const finishers = new Map<string, () => void>();
  const handler = (job: JobSpec, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      started.push(job.id);
      finishers.set(job.id, resolve);
      signal.addEventListener("abort", () => {
        stops.set(job.id, signal.reason);
        resolve();
      });
    });
  return { handler, started, stops, finish: (id: string) => finishers.get(id)!() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const job = (id: string): JobSpec => ({ kind: "analysis", id });

describe("InProcessJobQueue", () => {
  it("runs at most `concurrency` jobs at once, in the order they were queued", async () => {
    const queue = new InProcessJobQueue(2);
    const h = controllableHandler();
    queue.process(h.handler);
    for (const id of ["a", "b", "c", "d"]) queue.enqueue(job(id));
    await tick();
    expect(h.started).toEqual(["a", "b"]);
    expect(queue.stats()).toEqual({ queued: 2, running: 2, concurrency: 2 });
    h.finish("b");
    await tick();
    expect(h.started).toEqual(["a", "b", "c"]);
    h.finish("a");
    h.finish("c");
    await tick();
    expect(h.started).toEqual(["a", "b", "c", "d"]);
  });

  it("never starts a job cancelled while it waits, and signals one that runs with reason 'cancelled'", async () => {
    const queue = new InProcessJobQueue(1);
    const h = controllableHandler();
    queue.process(h.handler);
    queue.enqueue(job("a"));
    queue.enqueue(job("b"));
    await tick();
    expect(queue.cancel("b")).toBe("dequeued");
    expect(queue.cancel("a")).toBe("signalled");
    expect(queue.cancel("zzz")).toBe("unknown");
    await tick();
    expect(h.stops.get("a")).toBe("cancelled");
    expect(h.started).toEqual(["a"]);
  });

  it("queues a job once however often it is enqueued", async () => {
    const queue = new InProcessJobQueue(1);
    const h = controllableHandler();
    queue.enqueue(job("a"));
    queue.enqueue(job("a"));
    queue.process(h.handler);
    await tick();
    h.finish("a");
    await tick();
    expect(h.started).toEqual(["a"]);
  });

  it("on close, signals running jobs with reason 'shutdown', waits for them and starts no other", async () => {
    const queue = new InProcessJobQueue(1);
    const h = controllableHandler();
    queue.process(h.handler);
    queue.enqueue(job("a"));
    queue.enqueue(job("b"));
    await tick();
    await queue.close();
    expect(h.stops.get("a")).toBe("shutdown");
    expect(h.started).toEqual(["a"]);
    expect(() => queue.enqueue(job("c"))).toThrow(/closed/);
  });

  it("keeps running jobs after a handler throws, reporting the error", async () => {
    const errors: unknown[] = [];
    const queue = new InProcessJobQueue(1, (_job, error) => errors.push(error));
    const ran: string[] = [];
    queue.process(async (j) => {
      ran.push(j.id);
      if (j.id === "a") throw new Error("boom");
    });
    queue.enqueue(job("a"));
    queue.enqueue(job("b"));
    await tick();
    await tick();
    expect(ran).toEqual(["a", "b"]);
    expect(errors).toEqual([new Error("boom")]);
  });

  it("rejects a concurrency below 1", () => {
    expect(() => new InProcessJobQueue(0)).toThrow(/integer ≥ 1, got 0/);
  });
});
