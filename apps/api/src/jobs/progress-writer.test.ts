import { describe, expect, it } from "vitest";

import { ProgressWriter } from "./progress-writer.js";

/** A persist function whose writes finish only when the test says so. */
function gatedStore() {
  const written: number[] = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const persist = async (step: number) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    written.push(step);
    inFlight -= 1;
  };
  const release = async () => {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { written, persist, release, maxInFlight: () => maxInFlight };
}

const silent = { error: () => undefined };

describe("ProgressWriter", () => {
  it("writes one step at a time, in order, keeping only the newest step that waits", async () => {
    const store = gatedStore();
    const writer = new ProgressWriter(store.persist, silent);
    writer.write(1); // written at once
    writer.write(2); // waits…
    writer.write(3); // …and is replaced by 3
    writer.write(4); // …and by 4
    await store.release();
    await store.release();
    await writer.flushed();
    expect(store.written).toEqual([1, 4]);
    expect(store.maxInFlight()).toBe(1);
  });

  it("resolves flushed() only after the last step handed over is written", async () => {
    const store = gatedStore();
    const writer = new ProgressWriter(store.persist, silent);
    writer.write(1);
    let flushed = false;
    const done = writer.flushed().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    await store.release();
    await done;
    expect(store.written).toEqual([1]);
    // Nothing pending: resolves at once, and writing starts again on the next step.
    await writer.flushed();
    writer.write(2);
    await store.release();
    await writer.flushed();
    expect(store.written).toEqual([1, 2]);
  });

  it("logs a step that fails to be written and goes on with the next", async () => {
    const errors: unknown[] = [];
    const written: number[] = [];
    const writer = new ProgressWriter(
      async (step: number) => {
        if (step === 1) throw new Error("database gone");
        written.push(step);
      },
      { error: (details: unknown) => void errors.push(details) },
    );
    writer.write(1);
    await writer.flushed();
    writer.write(2);
    await writer.flushed();
    expect(written).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
