import { describe, expect, it } from "vitest";

import { ApiError } from "../../errors.js";
import { whileAllowed } from "./while-allowed.js";

/** A source that records whether it was released. */
function source(values: number[]) {
  const state = { released: false };
  async function* events() {
    try {
      for (const v of values) yield v;
    } finally {
      state.released = true;
    }
  }
  return { events: events(), state };
}

describe("whileAllowed", () => {
  it("passes every event while access holds, checking before each one after the first", async () => {
    const { events, state } = source([1, 2, 3]);
    let checks = 0;
    const seen: number[] = [];
    for await (const v of whileAllowed(events, async () => void checks++)) seen.push(v);
    expect(seen).toEqual([1, 2, 3]);
    expect(checks).toBe(2);
    expect(state.released).toBe(true);
  });

  it("ends with the check's error at the first event after access is lost, releasing the source", async () => {
    const { events, state } = source([1, 2, 3]);
    let allowed = true;
    const seen: number[] = [];
    const run = async () => {
      for await (const v of whileAllowed(events, async () => {
        if (!allowed) throw new ApiError("NOT_FOUND", 'no pruning run with id "r"');
      })) {
        seen.push(v);
        allowed = false;
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(seen).toEqual([1]);
    expect(state.released).toBe(true);
  });
});
