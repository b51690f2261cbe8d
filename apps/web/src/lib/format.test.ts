import { describe, expect, it } from "vitest";

import { bytes, count, dateTime, duration, percent, points, shape, shortId } from "./format";

describe("format", () => {
  it("writes accuracies as percentages and missing ones as a dash", () => {
    expect(percent(0.975)).toBe("97.50%");
    expect(percent(null)).toBe("—");
  });
  it("signs accuracy differences in percentage points", () => {
    expect(points(0.012)).toBe("+1.20 pp");
    expect(points(-0.001)).toBe("-0.10 pp");
    expect(points(0)).toBe("±0.00 pp");
  });
  it("abbreviates large counts and keeps small ones whole", () => {
    expect(count(20490)).toBe("20.5 k");
    expect(count(2_060_000)).toBe("2.06 M");
    expect(count(4640)).toBe("4,640");
  });
  it("writes sizes in binary units", () => {
    expect(bytes(512)).toBe("512 B");
    expect(bytes(84_480)).toBe("82.5 KiB");
  });
  it("writes durations in seconds, minutes and hours", () => {
    expect(duration(42.4)).toBe("42 s");
    expect(duration(185)).toBe("3 min 05 s");
    expect(duration(3720)).toBe("1 h 02 min");
    expect(duration(null)).toBe("—");
  });
  it("writes dates in UTC whatever the reader's zone", () => {
    expect(dateTime("2026-11-28T12:44:10.000Z")).toBe("2026-11-28 12:44 UTC");
  });
  it("writes shapes with free dimensions as ?", () => {
    expect(shape([28, 28, 16])).toBe("28 × 28 × 16");
    expect(shape([null, 10])).toBe("? × 10");
  });
  it("shortens UUIDs to their first block and leaves other ids alone", () => {
    expect(shortId("31422490-ca9b-4603-944a-55186f5902f0")).toBe("31422490");
    expect(shortId("42")).toBe("42");
  });
});
