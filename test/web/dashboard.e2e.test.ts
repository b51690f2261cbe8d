/**
 * The dashboard end to end in Debian's Chromium: the built API and the built dashboard (`next start`) in their own
 * processes, a real SQLite file, CAR computed by @carve/core in the API's workers. Every page is saved as a
 * screenshot under test/artifacts/web/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type ApiProcess, ensureApiBuilt, startApiProcess } from "../api/api-process.js";
import { ensureWebBuilt, launchChromium, startWebProcess, type WebProcess } from "./web-process.js";

const ARTIFACTS = fileURLToPath(new URL("../artifacts/web/", import.meta.url));

describe("the dashboard in a browser", () => {
  let dataDir: string;
  let api: ApiProcess;
  let web: WebProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors and uncaught page errors since the last check. */
  let problems: string[] = [];

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  function expectNoConsoleErrors(): void {
    const seen = problems;
    problems = [];
    expect(seen, `console errors:\n${seen.join("\n")}\n\ndashboard output:\n${web.output()}`).toEqual([]);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureApiBuilt();
    await ensureWebBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), "carve-web-e2e-"));
    api = await startApiProcess(dataDir);
    web = await startWebProcess(api.url);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => problems.push(error.message));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await api?.stop("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("lists the demo models with their accuracy, parameters and size", async () => {
    await page.goto(`${web.url}/`);
    await page.waitForURL(/\/models$/);
    const row = page.getByRole("row", { name: /^mnist/ });
    await expect(row.getByRole("cell").nth(2).textContent()).resolves.toBe("97.50%");
    await expect(row.getByRole("cell").nth(3).textContent()).resolves.toBe("20.5 k");
    await expect(row.getByRole("cell").nth(5).textContent()).resolves.toMatch(/KiB$/);
    await shot("01-models");
    expectNoConsoleErrors();
  });

  it("lets the keyboard skip to the content and reach the first model", async () => {
    await page.keyboard.press("Tab");
    await expect(page.locator(":focus").textContent()).resolves.toBe("Skip to content");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    await expect(page.locator(":focus").textContent()).resolves.toBe("mnist");
  });

  it("opens the demo model and shows its architecture layer by layer", async () => {
    await page.getByRole("link", { name: "mnist", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "mnist" }).waitFor();
    const layers = page.getByRole("table", { name: "Layers of the model" });
    await expect(layers.getByRole("row").count()).resolves.toBe(7); // header + conv1, pool1, conv2, pool2, flatten, logits
    await expect(layers.getByRole("link").allTextContents()).resolves.toEqual(["conv1", "conv2"]);
    await expect(layers.getByRole("row", { name: /conv2/ }).textContent()).resolves.toMatch(
      /Conv2D.*14 × 14 × 32.*32.*4,640/,
    );
    await expect(page.title()).resolves.toBe("mnist · Carve");
    await shot("02-model");
    expectNoConsoleErrors();
  });

  it("says what is wrong with an analysis form before sending it, then follows the analysis live", async () => {
    await page.getByRole("link", { name: "New CAR analysis" }).click();
    await page.getByRole("heading", { name: "New CAR analysis of mnist" }).waitFor();
    await page.getByLabel("Chosen layers").check();
    await page.getByLabel("At most this many images (empty: all)").fill("0");
    await page.getByRole("button", { name: "Start analysis" }).click();
    await page.getByText("Choose at least one layer").waitFor();
    await page
      .getByText('Images must be a whole number of at least 1 (or empty for all), not "0".')
      .waitFor();
    await shot("03-analysis-form-errors");
    expect(page.url()).toMatch(/\/analyses\/new$/);

    await page.getByLabel("Every prunable layer (2)").check();
    await page.getByLabel("At most this many images (empty: all)").fill("500");
    await page.getByRole("button", { name: "Start analysis" }).click();
    await page.waitForURL(/\/analyses\/[0-9a-f-]+$/);
    await page.getByRole("heading", { name: "Scores are ready" }).waitFor({ timeout: 120_000 });
    await expect(page.getByText("succeeded").first().isVisible()).resolves.toBe(true);
    await shot("04-analysis-done");
    expectNoConsoleErrors();
  });

  it("shows a layer's filters coloured by CAR, least important first, and sorts them by L1 norm", async () => {
    await page.getByRole("link", { name: "Filters of conv2" }).click();
    await page.getByRole("heading", { name: "Filters (32)" }).waitFor();
    const tiles = page.getByRole("list", { name: "Filters" }).getByRole("link");
    await expect(tiles.count()).resolves.toBe(32);
    const labels = await tiles.evaluateAll((links) => links.map((a) => a.getAttribute("aria-label") ?? ""));
    const ranks = labels.map((l) => Number(/rank (\d+)/.exec(l)?.[1]));
    expect(ranks).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    await page
      .getByRole("figure", { name: "Histogram of CAR scores" })
      .locator("svg .recharts-bar-rectangle")
      .first()
      .waitFor();

    await page.getByLabel("Sort by").selectOption("l1");
    const l1 = (await tiles.evaluateAll((links) => links.map((a) => a.getAttribute("aria-label") ?? ""))).map(
      (l) => Number(/L1 ([\d.]+)/.exec(l)?.[1]),
    );
    expect(l1).toEqual([...l1].sort((a, b) => a - b));
    await tiles.first().hover();
    await page.getByRole("complementary", { name: "Filter details" }).getByText("95% interval").waitFor();
    await shot("05-layer");
    expectNoConsoleErrors();
  });

  it("opens a filter with its CAR interval, rank and class importances, naming the most and least important class", async () => {
    await page.getByLabel("Sort by").selectOption("car");
    const first = page.getByRole("list", { name: "Filters" }).getByRole("link").first();
    const index = /Filter (\d+)/.exec((await first.getAttribute("aria-label")) ?? "")![1];
    await first.click();
    await page.getByRole("heading", { level: 1, name: `Filter ${index} of conv2` }).waitFor();
    await page.getByText(/^Matters most for/).waitFor();
    await expect(page.getByText("1 of 32").isVisible()).resolves.toBe(true);
    const bars = page
      .getByRole("figure", { name: "Class importance bar chart" })
      .locator(".recharts-bar-rectangle");
    await bars.first().waitFor();
    await expect(
      page
        .getByRole("figure", { name: "Class importance bar chart" })
        .getByText("accuracy drop on the class")
        .count(),
    ).resolves.toBe(1);
    await shot("06-filter");
    expectNoConsoleErrors();
  });

  it("answers an unknown model with a 404 page", async () => {
    const response = await page.goto(`${web.url}/models/no-such-model`);
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    await shot("07-not-found");
    // The browser reports the 404 document itself as a failed resource; nothing else may fail.
    problems = problems.filter((p) => !p.includes("404"));
    expectNoConsoleErrors();
  });

  it("says the API is not reachable, and how to start it, when it is down", async () => {
    const orphan = await startWebProcess("http://127.0.0.1:9/graphql");
    try {
      await page.goto(`${orphan.url}/models`);
      await page.getByRole("heading", { name: "The Carve API is not reachable" }).waitFor();
      await expect(page.getByText("npm start").first().isVisible()).resolves.toBe(true);
      await shot("08-api-down");
    } finally {
      await orphan.stop();
    }
    expectNoConsoleErrors();
  });
});
