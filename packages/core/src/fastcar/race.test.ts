/**
 * The statistics of the adaptive race, checked by hand. The race itself (choices, savings, agreement) is
 * exercised through greedy pruning in importance/car-steps.test.ts.
 */
import { describe, expect, it } from "vitest";

import { bernoulliKl, normalQuantile, showsHigherCar } from "./race.js";

/** e with `positive` entries +1, `negative` entries −1, the rest 0, `n` in all. */
function differences(n: number, positive: number, negative: number): Int8Array {
  const e = new Int8Array(n);
  for (let i = 0; i < positive; i++) e[i] = 1;
  for (let i = 0; i < negative; i++) e[positive + i] = -1;
  return e;
}

describe("race statistics", () => {
  it("computes the Bernoulli KL divergence", () => {
    expect(bernoulliKl(0.5, 0.5)).toBe(0);
    // KL(1 ‖ 1/2) = ln 2: every discordant image on one side.
    expect(bernoulliKl(1, 0.5)).toBeCloseTo(Math.LN2, 15);
    // KL(0.7 ‖ 0.5) = 0.7 ln 1.4 + 0.3 ln 0.6.
    expect(bernoulliKl(0.7, 0.5)).toBeCloseTo(0.7 * Math.log(1.4) + 0.3 * Math.log(0.6), 15);
  });

  it("inverts the standard normal distribution", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 8);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424308822899, 7);
    expect(() => normalQuantile(1)).toThrow(/p must be in \(0, 1\)/);
  });

  it("eliminates by the sign test only past ln(1/δ) of evidence", () => {
    const delta = 1e-3;
    // All K discordant images positive: K·ln 2 ≥ ln(1000) = 6.91 needs K ≥ 10.
    expect(showsHigherCar(differences(500, 9, 0), 500, 10_000, delta, "chernoff")).toBe(false);
    expect(showsHigherCar(differences(500, 10, 0), 500, 10_000, delta, "chernoff")).toBe(true);
    // A balanced sample or a lower sum never eliminates.
    expect(showsHigherCar(differences(500, 40, 40), 500, 10_000, delta, "chernoff")).toBe(false);
    expect(showsHigherCar(differences(500, 3, 30), 500, 10_000, delta, "normal")).toBe(false);
  });

  it("gives the normal bound a finite-population correction: the whole set is the exact answer", () => {
    // Sum +1 over all 1000 images is certain once every image is seen, however small.
    expect(showsHigherCar(differences(1000, 6, 5), 1000, 1000, 1e-6, "normal")).toBe(true);
    expect(showsHigherCar(differences(100, 6, 5), 100, 1000, 1e-6, "normal")).toBe(false);
  });
});
