import * as prettier from "prettier";
import { describe, expect, it } from "vitest";

import { reproductionCharts } from "./reproduction-charts.js";
import { SECTION_TITLES, renderReproductionMarkdown } from "./reproduction-markdown.js";
import { fixtureModel } from "./test-utils/reproduction-fixture.js";

const context = {
  command: "npm run reproduce -w @carve/core",
  assetDir: "reproduction",
  generatedAt: "2026-11-28T10:30:00.000Z",
};

describe("renderReproductionMarkdown", () => {
  const { colour: _colour, ...mnist } = fixtureModel({ model: "mnist", title: "Digits" });
  const models = [mnist, fixtureModel()];
  const markdown = renderReproductionMarkdown(models, context);

  it("has every section, in order", () => {
    const positions = Object.values(SECTION_TITLES).map((title) => markdown.indexOf(`\n## ${title}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("links a chart per pruned layer, and the charts are generated for exactly those paths", () => {
    const charts = reproductionCharts(models);
    expect([...charts.keys()]).toEqual(["mnist/conv1-accuracy.svg", "shapes-tint/conv1-accuracy.svg"]);
    for (const [file, svg] of charts) {
      expect(markdown).toContain(`](reproduction/${file})`);
      expect(svg.startsWith("<svg")).toBe(true);
    }
  });

  it("states the numbers the findings are computed from", () => {
    // CAR 95.0% at half vs L1 80.0%: +15.0 points.
    expect(markdown).toContain("+15.0 (L1 norm)");
    expect(markdown).toContain("4 of 4");
    expect(markdown).toContain("CAR removes colour filters first");
    expect(markdown).toContain("Not applicable to mnist");
    expect(markdown).toContain(
      "```sh\nnpm install\nnpm run build -w @carve/core\nnpm run reproduce -w @carve/core\n",
    );
  });

  it("names models without results and flags a quick run", () => {
    const quick = renderReproductionMarkdown(
      [fixtureModel({ settings: { ...fixtureModel().settings, quick: true } })],
      {
        ...context,
        missing: [{ model: "fashion-mnist", reason: "not trained when the report was generated" }],
      },
    );
    expect(quick).toContain("**Smoke run.**");
    expect(quick).toContain("**Not included:** fashion-mnist (not trained when the report was generated)");
  });

  it("is already formatted as Prettier formats markdown", async () => {
    expect(await prettier.format(markdown, { parser: "markdown", printWidth: 110 })).toBe(markdown);
  });
});
