import { describe, expect, it } from "vitest";

import { createRng } from "../util/random.js";
import { RunningTopK, ranksBefore, type RankedActivation } from "./running-top-k.js";

describe("RunningTopK", () => {
  it("keeps exactly the k best of a stream, whatever order it arrives in", () => {
    const rng = createRng(5);
    // Values on a coarse grid so many tie and the image/position tie-break is exercised.
    const all: RankedActivation[] = Array.from({ length: 500 }, (_, i) => ({
      value: Math.floor(rng() * 20),
      image: Math.floor(i / 10),
      position: i % 10,
    }));
    const expected = all
      .slice()
      .sort((a, b) => (ranksBefore(a, b) ? -1 : 1))
      .slice(0, 7);
    for (const seed of [1, 2, 3]) {
      const order = createRng(seed);
      const shuffled = all.slice().sort(() => order() - 0.5);
      const top = new RunningTopK(7);
      for (const c of shuffled) top.offer(c.value, c.image, c.position);
      expect(top.sorted()).toEqual(expected);
    }
  });

  it("ignores NaN and keeps nothing for k = 0", () => {
    const top = new RunningTopK(2);
    top.offer(Number.NaN, 0, 0);
    top.offer(1, 3, 0);
    expect(top.sorted()).toEqual([{ value: 1, image: 3, position: 0 }]);
    const none = new RunningTopK(0);
    none.offer(5, 0, 0);
    expect(none.sorted()).toEqual([]);
  });
});
