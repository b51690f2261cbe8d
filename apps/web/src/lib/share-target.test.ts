import { describe, expect, it } from "vitest";

import { sharedTargetPath } from "./share-target";

describe("sharedTargetPath", () => {
  it("opens a shared model's page and a shared run's page", () => {
    expect(sharedTargetPath({ kind: "MODEL", ids: ["m 1"] })).toBe("/models/m%201");
    expect(sharedTargetPath({ kind: "RUN", ids: ["r1"] })).toBe("/runs/r1");
  });
  it("opens a comparison on its model's compare page with the runs in order", () => {
    expect(sharedTargetPath({ kind: "COMPARISON", ids: ["r2", "r1"] }, "m1")).toBe(
      "/models/m1/compare?runs=r2,r1",
    );
    expect(sharedTargetPath({ kind: "COMPARISON", ids: ["r2", "r1"] })).toBeNull();
  });
  it("opens nothing for a target without ids", () => {
    expect(sharedTargetPath({ kind: "MODEL", ids: [] })).toBeNull();
  });
});
