import { describe, expect, it } from "vitest";

import type { AnalysisRow } from "../modules/analysis/analysis.repository.js";
import { InProcessEventBus } from "./event-bus.js";

const row = (id: string, revision: number) => ({ id, revision }) as AnalysisRow;

describe("InProcessEventBus", () => {
  it("delivers to a subscriber only the events of its id published after it subscribed, in order", async () => {
    const bus = new InProcessEventBus();
    bus.publish("ANALYSIS_CHANGED", "a", row("a", 1));
    const events = bus.subscribe("ANALYSIS_CHANGED", "a");
    bus.publish("ANALYSIS_CHANGED", "b", row("b", 1));
    bus.publish("ANALYSIS_CHANGED", "a", row("a", 2));
    bus.publish("ANALYSIS_CHANGED", "a", row("a", 3));
    expect((await events.next()).value).toEqual(row("a", 2));
    expect((await events.next()).value).toEqual(row("a", 3));
    await events.return!();
  });

  it("stops delivering once the subscriber ends its iteration", async () => {
    const bus = new InProcessEventBus();
    const events = bus.subscribe("ANALYSIS_CHANGED", "a");
    await events.return!();
    bus.publish("ANALYSIS_CHANGED", "a", row("a", 1));
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it("wakes a waiting subscriber, and ends every subscription on close", async () => {
    const bus = new InProcessEventBus();
    const events = bus.subscribe("ANALYSIS_CHANGED", "a");
    const waiting = events.next();
    bus.publish("ANALYSIS_CHANGED", "a", row("a", 1));
    expect((await waiting).value).toEqual(row("a", 1));
    const pending = events.next();
    await bus.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});
