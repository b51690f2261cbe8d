import { describe, expect, it } from "vitest";

import { formatProgressLine, formatSeconds } from "./progress-bar.js";

describe("formatProgressLine", () => {
  it("draws the done fraction, counts and ETA within the terminal width", () => {
    const line = formatProgressLine({ phase: "evaluating", done: 50, total: 200, etaSeconds: 75 }, 80);
    expect(line).toMatch(/^evaluating \[#+-+\] 50\/200 25% ETA 1m15s$/);
    expect(line.length).toBeLessThanOrEqual(80);
    const bar = line.slice(line.indexOf("[") + 1, line.indexOf("]"));
    expect(bar.split("#").length - 1).toBe(Math.round(bar.length / 4));
  });

  it("omits the ETA until there is a rate", () => {
    expect(formatProgressLine({ phase: "x", done: 0, total: 3 }, 80)).toMatch(/0\/3 0%$/);
  });
});

describe("formatSeconds", () => {
  it("uses seconds, then minutes, then hours", () => {
    expect(formatSeconds(9.4)).toBe("9s");
    expect(formatSeconds(125)).toBe("2m05s");
    expect(formatSeconds(3 * 3600 + 7 * 60)).toBe("3h07m");
  });
});
