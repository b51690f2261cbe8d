import { describe, expect, it } from "vitest";

import { resolveRemoval } from "./whatif.service.js";

const model = { name: "resnet-ish" };
// conv_a and conv_b are coupled by an Add: one group of 8 filters.
const layers = [
  { name: "conv1", className: "Conv2D", groupId: "conv1", filters: 4 },
  { name: "conv_a", className: "Conv2D", groupId: "conv_a+conv_b", filters: 8 },
  { name: "conv_b", className: "Conv2D", groupId: "conv_a+conv_b", filters: 8 },
  { name: "pool", className: "MaxPooling2D", groupId: null, filters: null },
];

describe("resolveRemoval", () => {
  it("merges filters of coupled layers into their group and sorts them", () => {
    const { groups, perLayer } = resolveRemoval(model, layers, [
      { layer: "conv_b", filters: [5, 1] },
      { layer: "conv_a", filters: [1, 2] },
      { layer: "conv1", filters: [3] },
    ]);
    expect(groups).toEqual([
      { groupId: "conv1", filters: [3] },
      { groupId: "conv_a+conv_b", filters: [1, 2, 5] },
    ]);
    expect(perLayer.map((l) => [l.layer, l.filters])).toEqual([
      ["conv1", [3]],
      ["conv_a", [1, 2, 5]],
      ["conv_b", [1, 2, 5]],
    ]);
  });

  it("names the layer and the valid range in its errors", () => {
    expect(() => resolveRemoval(model, layers, [{ layer: "pool", filters: [0] }])).toThrow(
      /MaxPooling2D without removable filters \(prunable layers: conv1, conv_a, conv_b\)/,
    );
    expect(() => resolveRemoval(model, layers, [{ layer: "nope", filters: [0] }])).toThrow(/no layer "nope"/);
    expect(() => resolveRemoval(model, layers, [{ layer: "conv1", filters: [4] }])).toThrow(/filters 0…3/);
    expect(() =>
      resolveRemoval(model, layers, [
        { layer: "conv_a", filters: [0, 1, 2, 3] },
        { layer: "conv_b", filters: [4, 5, 6, 7] },
      ]),
    ).toThrow(/cannot remove all 8 filters/);
  });
});
