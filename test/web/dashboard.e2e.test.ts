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

import { type ApiProcess, startApiProcess } from "../api/api-process.js";
import {
  ensureApiBuiltAsync,
  ensureWebBuilt,
  launchChromium,
  startWebProcess,
  type WebProcess,
} from "./web-process.js";

const ARTIFACTS = fileURLToPath(new URL("../artifacts/web/", import.meta.url));

describe("the dashboard in a browser", () => {
  let dataDir: string;
  let api: ApiProcess;
  let web: WebProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** The mnist demo's id, read from the model page's URL. */
  let modelId: string;
  /** Console errors and uncaught page errors since the last check. */
  let problems: string[] = [];

  async function shot(name: string): Promise<void> {
    // The pointer left over a chart would leave its tooltip over the axes.
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** Opens the demo model's first CAR pruning run from the model page. */
  async function openFirstCarRun(): Promise<void> {
    await page.goto(`${web.url}/models/${encodeURIComponent(modelId)}`);
    await page
      .getByRole("table", { name: "Pruning runs" })
      .getByRole("link", { name: /^CAR #/ })
      .first()
      .click();
    await page.getByRole("heading", { name: /^CAR pruning run/ }).waitFor();
  }

  function expectNoConsoleErrors(): void {
    const seen = problems;
    problems = [];
    expect(seen, `console errors:\n${seen.join("\n")}\n\ndashboard output:\n${web.output()}`).toEqual([]);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureApiBuiltAsync();
    await ensureWebBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), "carve-web-e2e-"));
    // The browser uses the one-time link itself (through the dashboard), so the test client must not.
    api = await startApiProcess(dataDir, { signIn: false });
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
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** The first start's one-time sign-in link from the API's log (it comes right after "listening"). */
  async function firstStartSignInUrl(): Promise<URL> {
    for (let i = 0; i < 100; i++) {
      const entry = api.logs.find((e) => e.msg === "sign in to Carve with this one-time link");
      if (typeof entry?.url === "string") return new URL(entry.url);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the API logged no sign-in link:\n${JSON.stringify(api.logs, null, 1)}`);
  }

  it("sends a reader without a session to the sign-in page", async () => {
    await page.goto(`${web.url}/models`);
    await page.waitForURL(/\/sign-in(\?|$)/);
    await page.getByRole("heading", { name: "Sign in to Carve" }).waitFor();
    await page.getByLabel("E-mail").fill("owner@localhost");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    // Not getByRole("alert"): Next's route announcer is an alert too.
    const error = page.locator(".field-error");
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/UNAUTHENTICATED|password/i);
    await shot("00-sign-in");
    problems = []; // the refused sign-in's 200 carries an error, but the browser logs nothing; keep it strict below
  });

  it("signs the owner in with the first start's one-time link, through the dashboard's page", async () => {
    const link = await firstStartSignInUrl();
    const token = link.searchParams.get("token");
    expect(token).toMatch(/^carve_sil_/);
    // Opening the page spends nothing (a link preview may fetch it); the button does.
    await page.goto(`${web.url}/sign-in/link?token=${encodeURIComponent(token!)}`);
    await page.getByRole("heading", { name: "Sign in with a one-time link" }).waitFor();
    await shot("00-sign-in-link");
    await page.getByRole("button", { name: "Sign in" }).click();
    // Either the models open, or the page says why not (which the failure then shows).
    const refused = page.locator(".field-error");
    await Promise.race([
      page.waitForURL(/\/models$/, { timeout: 60_000 }),
      refused.waitFor({ timeout: 60_000 }).then(async () => {
        throw new Error(`the one-time link was refused: ${await refused.textContent()}`);
      }),
    ]);
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await expect(page.locator(".site-header .session").textContent()).resolves.toMatch(/owner|localhost/i);
    expectNoConsoleErrors();
  });

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
    modelId = decodeURIComponent(page.url().split("/").pop()!);
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

  it("measures what removing selected filters would do, class by class, before any run", async () => {
    await page.getByRole("link", { name: "conv2", exact: true }).click();
    await page.getByRole("heading", { name: "Filters (32)" }).waitFor();
    await page.getByLabel("Select filter 0", { exact: true }).check();
    await page.getByLabel("Select filter 1", { exact: true }).check();
    await page.getByText("2 filters selected: #0, #1").waitFor();
    await page.getByRole("button", { name: "Measure accuracy without them" }).click();
    const perClass = page.getByRole("table", { name: "Per-class accuracy without the selected filters" });
    await perClass.waitFor({ timeout: 120_000 });
    await expect(perClass.getByRole("row").count()).resolves.toBe(11); // header + 10 digits
    await shot("07-what-if");
    expectNoConsoleErrors();
  });

  async function newRun(fill: () => Promise<void>): Promise<string> {
    await page.goto(`${web.url}/models/${encodeURIComponent(modelId)}/runs/new`);
    await page.getByRole("heading", { name: "New pruning run of mnist" }).waitFor();
    await fill();
    await page.getByRole("button", { name: "Start pruning" }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]+$/, { timeout: 30_000 });
    return page.url().split("/").pop()!;
  }

  it("says what is wrong with a pruning run before sending it", async () => {
    await page.goto(`${web.url}/models/${encodeURIComponent(modelId)}`);
    await page.getByRole("link", { name: "New pruning run" }).click();
    await page.getByRole("heading", { name: "New pruning run of mnist" }).waitFor();
    await page.getByLabel("Target (% of the filters)").fill("150");
    await page.getByLabel("Filters removed per step").fill("0");
    await page.getByRole("button", { name: "Start pruning" }).click();
    await page
      .getByText('The share to remove must be a percentage above 0 and below 100, not "150".')
      .waitFor();
    await page.getByText('Filters per step must be a whole number of at least 1, not "0".').waitFor();
    await page.getByText("Fix the 2 fields marked above to start the run.").waitFor();
    await shot("08-run-form-errors");
    expect(page.url()).toMatch(/\/runs\/new$/);
    expectNoConsoleErrors();
  });

  it("starts a global CAR pruning run and shows its steps as they arrive", async () => {
    await newRun(async () => {
      await page.getByLabel("Global — one ranking across layers").check();
      await page.getByLabel("Keep this many filters").check();
      await page.getByLabel("Target (filters)").fill("12");
      // A sample of the selection and test images keeps the run to about a minute on wasm.
      await page.getByText("Images and seed").click();
      await page.getByLabel("Selection images that choose filters (empty: all)").fill("500");
      await page.getByLabel("Test images accuracy is reported on (empty: all)").fill("500");
    });
    await page.getByRole("heading", { name: /^CAR pruning run/ }).waitFor();
    const rows = page.getByRole("table", { name: "Step log" }).locator("tbody tr td:first-child.num");
    // Step rows counted while the page shows the run running: growing without a reload is the live part.
    const seen = new Set<number>();
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      const running = await page.getByText("running", { exact: true }).isVisible();
      const n = await rows.count();
      if (running && n > 0) seen.add(n);
      if (seen.size === 2) await shot("09-run-live");
      if (await page.getByRole("heading", { name: "Compressed model" }).isVisible()) break;
      await page.waitForTimeout(250);
    }
    expect(seen.size, "step rows seen growing while the run was running").toBeGreaterThanOrEqual(2);
    await expect(rows.count()).resolves.toBe(36); // 16 + 32 filters, 12 kept
    await expect(page.getByText("stopped: target reached").isVisible()).resolves.toBe(true);
    await page
      .getByRole("figure", { name: "Accuracy against filters removed" })
      .locator(".recharts-line")
      .first()
      .waitFor();
    await shot("10-run-done");

    const download = page.getByRole("link", { name: /^Download model\.json/ });
    const response = await page.request.get(
      new URL((await download.getAttribute("href"))!, web.url).toString(),
    );
    expect(response.status()).toBe(200);
    expect(((await response.json()) as { modelTopology?: unknown }).modelTopology).toBeDefined();

    await page.getByRole("link", { name: /^Open .* as a model$/ }).click();
    // The compressed model's page names the model and the run it came from.
    await page.getByRole("link", { name: /^CAR run #[0-9a-f]{8}$/ }).waitFor();
    await expect(page.getByRole("link", { name: "mnist", exact: true }).count()).resolves.toBeGreaterThan(0);
    await shot("11-compressed-model");
    expectNoConsoleErrors();
  }, 420_000);

  it("cancels a run while it runs", async () => {
    await newRun(async () => {
      await page.getByLabel("Criterion").selectOption("RANDOM");
      await page.getByLabel("After every step").check();
      await page.getByLabel("Epochs per fine-tuning").fill("3");
    });
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByText("cancelled", { exact: true }).waitFor({ timeout: 60_000 });
    await expect(page.getByRole("button", { name: "Cancel run" }).count()).resolves.toBe(0);
    await shot("12-run-cancelled");
    expectNoConsoleErrors();
  });

  it("compares a CAR run with an L1 run on one chart and at equal compression", async () => {
    await newRun(async () => {
      await page.getByLabel("Criterion").selectOption("L1");
      await page.getByLabel("Global — one ranking across layers").check();
      await page.getByLabel("Keep this many filters").check();
      await page.getByLabel("Target (filters)").fill("12");
      await page.getByText("Images and seed").click();
      await page.getByLabel("Selection images that choose filters (empty: all)").fill("500");
      await page.getByLabel("Test images accuracy is reported on (empty: all)").fill("500");
    });
    await page.getByRole("heading", { name: "Compressed model" }).waitFor({ timeout: 300_000 });
    await page.getByRole("link", { name: "Compare with other runs" }).click();
    await page.getByRole("heading", { name: "Compare pruning runs of mnist" }).waitFor();
    // Tick every run that made steps, then compare.
    for (const box of await page
      .getByRole("group", { name: "Runs to compare" })
      .getByRole("checkbox")
      .all()) {
      const label = (await box.evaluate((el) => el.parentElement?.textContent)) ?? "";
      if (/^(CAR|L1) /.test(label)) await box.check();
    }
    await page.getByRole("button", { name: "Compare" }).click();
    const table = page.getByRole("table", { name: "Accuracy at equal compression" });
    await table.waitFor();
    const names = await table.locator("tbody tr td:first-child").allTextContents();
    expect(names.some((n) => n.startsWith("CAR "))).toBe(true);
    expect(names.some((n) => n.startsWith("L1 "))).toBe(true);
    const chart = page.getByRole("figure", {
      name: "Test accuracy of the runs against the share of filters removed",
    });
    await expect(chart.locator(".recharts-line").count()).resolves.toBe(names.length);
    await shot("13-compare");
    expectNoConsoleErrors();
  }, 420_000);

  it("labels a filter, shows the label on the layer's tile, and keeps comments", async () => {
    const layerHref = `${web.url}/models/${encodeURIComponent(modelId)}/layers/conv1`;
    await page.goto(`${layerHref}/filters/0`);
    await page.getByRole("heading", { name: "Label and comments" }).waitFor();
    await page.getByLabel("What this filter responds to").fill("vertical stroke");
    await page.getByRole("button", { name: "Save label" }).click();
    await page.locator(".filter-label", { hasText: "vertical stroke" }).waitFor();
    await page.getByLabel("Comment", { exact: true }).fill("Fires on the left edge of 1s and 7s.");
    await page.getByRole("button", { name: "Add comment" }).click();
    await page.getByRole("list", { name: "Comments" }).getByText("Fires on the left edge").waitFor();
    await shot("23-filter-annotations");
    await page.goto(layerHref);
    const tile = page
      .getByRole("list", { name: "Filters" })
      .getByRole("link", { name: /^Filter 0 “vertical stroke”/ });
    await tile.waitFor();
    await expect(page.locator(".tile-label", { hasText: "vertical stroke" }).count()).resolves.toBe(1);
    await shot("24-layer-labels");
    expectNoConsoleErrors();
  });

  it("comments on a run and downloads its report as HTML, JSON and CSV", async () => {
    await openFirstCarRun();
    await page.getByLabel("Comment", { exact: true }).fill("Keeps 89% at a fifth of the size.");
    await page.getByRole("button", { name: "Add comment" }).click();
    await page.getByRole("list", { name: "Comments" }).getByText("Keeps 89%").waitFor();
    for (const [name, type] of [
      ["Download report (HTML)", "text/html"],
      ["JSON", "application/json"],
      ["CSV", "text/csv"],
    ] as const) {
      const href = await page.getByRole("link", { name, exact: true }).getAttribute("href");
      const response = await page.request.get(`${web.url}${href}`);
      expect(response.status(), `${name}: ${await response.text()}`).toBe(200);
      expect(response.headers()["content-type"]).toContain(type);
    }
    await shot("25-run-comments-export");
    expectNoConsoleErrors();
  });

  it("creates an API token on the account page and shows its secret once", async () => {
    await page.goto(`${web.url}/account`);
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("notebook");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.getByLabel("New API token").inputValue();
    expect(secret).toMatch(/^carve_pat_/);
    const row = page.getByRole("table", { name: "API tokens" }).getByRole("row", { name: /notebook/ });
    await expect(row.textContent()).resolves.toMatch(/never/);
    // The secret works as a bearer token against the API.
    const me = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: "{ me { email } }" }),
    });
    await expect(me.json()).resolves.toEqual({ data: { me: { email: "owner@localhost" } } });
    await shot("26-account");
    await page.reload();
    await expect(page.getByLabel("New API token").count()).resolves.toBe(0);
    expectNoConsoleErrors();
  });

  /** The second member's browser (its own context: its own cookies), signed up through an invite. */
  let viewerPage: Page;

  it("lets the owner invite a viewer, who signs up through the link in another browser", async () => {
    await page.goto(`${web.url}/workspaces`);
    await page.getByRole("table", { name: "Your workspaces" }).getByRole("link").first().click();
    await page.getByRole("heading", { name: "Members" }).waitFor();
    await page.getByLabel("Role", { exact: true }).selectOption("VIEWER");
    await page.getByRole("button", { name: "Create invite link" }).click();
    const invite = await page.getByLabel("Invite link").inputValue();
    expect(invite).toMatch(/\/invite\?token=/);
    await shot("16-workspace-invite");

    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    viewerPage = await viewerContext.newPage();
    viewerPage.on("pageerror", (error) => problems.push(error.message));
    await viewerPage.goto(invite);
    await viewerPage.getByRole("heading", { name: /^Join / }).waitFor();
    await viewerPage.getByText(/invited as viewer/).waitFor();
    await viewerPage.getByLabel("Your name (optional)").fill("Vera Viewer");
    await viewerPage.getByLabel("E-mail").fill("vera@example.com");
    await viewerPage.getByLabel(/^Password/).fill("viewer password 1");
    await viewerPage.screenshot({ path: path.join(ARTIFACTS, "17-invite-sign-up.png"), fullPage: true });
    await viewerPage.getByRole("button", { name: "Create account and join" }).click();
    await viewerPage.waitForURL(/\/models$/);
    await viewerPage.getByRole("link", { name: "Vera Viewer" }).waitFor();

    await page.reload();
    const row = page.getByRole("table", { name: "Members" }).getByRole("row", { name: /vera@example\.com/ });
    await expect(row.getByRole("combobox").inputValue()).resolves.toBe("VIEWER");
    await shot("16-workspace-members");
    expectNoConsoleErrors();
  });

  it("lets the owner rename the workspace; a viewer sees the new name and no rename form", async () => {
    const workspaceUrl = page.url();
    await page.getByLabel("Workspace name").fill("Vision team");
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Vision team" }).waitFor();
    await viewerPage.goto(workspaceUrl);
    await viewerPage.getByRole("heading", { level: 1, name: "Vision team" }).waitFor();
    await expect(viewerPage.getByLabel("Workspace name").count()).resolves.toBe(0);
    expectNoConsoleErrors();
  });

  it("shows a viewer no editor action, and the API's refusal when they start a run anyway", async () => {
    await viewerPage.goto(`${web.url}/models/${encodeURIComponent(modelId)}`);
    await viewerPage.getByRole("heading", { level: 1, name: "mnist" }).waitFor();
    await expect(viewerPage.getByRole("link", { name: "New pruning run" }).count()).resolves.toBe(0);
    await expect(viewerPage.getByRole("link", { name: "New CAR analysis" }).count()).resolves.toBe(0);
    await expect(viewerPage.getByRole("button", { name: "Share" }).count()).resolves.toBe(0);
    await viewerPage.screenshot({ path: path.join(ARTIFACTS, "18-viewer-model.png"), fullPage: true });

    // The form's URL typed by hand: the page says why it will not work, and the API refuses it.
    await viewerPage.goto(`${web.url}/models/${encodeURIComponent(modelId)}/runs/new`);
    await viewerPage.getByText(/You are a viewer of this model's workspace/).waitFor();
    await viewerPage.getByLabel("Global — one ranking across layers").check();
    await viewerPage.getByLabel("Keep this many filters").check();
    await viewerPage.getByLabel("Target (filters)").fill("12");
    await viewerPage.getByRole("button", { name: "Start pruning" }).click();
    const refusal = viewerPage.locator(".field-error", { hasText: "FORBIDDEN" });
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toMatch(/viewer|role|editor/i);
    await viewerPage.screenshot({ path: path.join(ARTIFACTS, "19-viewer-forbidden.png"), fullPage: true });
    expect(viewerPage.url()).toMatch(/\/runs\/new$/);
  });

  it("opens a share link read-only in a fresh browser without an account, and nothing else", async () => {
    await page.goto(`${web.url}/models`);
    const otherHref = await page
      .getByRole("link", { name: "fashion-mnist", exact: true })
      .getAttribute("href");
    await page.goto(`${web.url}/models/${encodeURIComponent(modelId)}`);
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByRole("button", { name: "Create read-only link" }).click();
    const link = await page.getByLabel("Share link").inputValue();
    expect(link).toMatch(/\/s\/carve_shr_/);
    await shot("20-share-created");

    const guestContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const guest = await guestContext.newPage();
      await guest.goto(link);
      await guest.waitForURL((url) => url.pathname === `/models/${encodeURIComponent(modelId)}`);
      await guest.getByRole("heading", { level: 1, name: "mnist" }).waitFor();
      await guest.locator(".shared-banner").waitFor();
      await expect(guest.getByRole("link", { name: "New pruning run" }).count()).resolves.toBe(0);
      await expect(guest.getByRole("button", { name: "Share" }).count()).resolves.toBe(0);
      await expect(guest.getByRole("button", { name: "Sign out" }).count()).resolves.toBe(0);
      await guest.screenshot({ path: path.join(ARTIFACTS, "21-shared-model.png"), fullPage: true });
      // Its runs compare; a layer opens; another model does not exist for this reader.
      await guest.getByRole("link", { name: "Compare these runs on one chart" }).click();
      await guest.getByRole("heading", { name: "Compare pruning runs of mnist" }).waitFor();
      await expect(guest.getByRole("button", { name: "Share" }).count()).resolves.toBe(0);
      await guest.goto(link.replace(/\/s\/.*$/, `/models/${encodeURIComponent(modelId)}`));
      await guest.getByRole("link", { name: "conv1", exact: true }).click();
      await guest.getByRole("heading", { name: /Filters \(16\)/ }).waitFor();
      const other = await guest.goto(`${web.url}${otherHref}`);
      expect(other?.status()).toBe(404);
      await guest.screenshot({ path: path.join(ARTIFACTS, "22-shared-other-model.png"), fullPage: true });

      // The owner revokes the link on the workspace page: the shared page is gone at once.
      await page.goto(`${web.url}/workspaces`);
      await page.getByRole("table", { name: "Your workspaces" }).getByRole("link").first().click();
      const links = page.getByRole("table", { name: "Share links" });
      await links.getByRole("button", { name: "Revoke" }).click();
      await links.getByText("revoked").waitFor();
      await shot("27-share-links-revoked");
      const gone = await guest.goto(`${web.url}/models/${encodeURIComponent(modelId)}`);
      expect(gone?.status()).toBe(404);
      await guest.goto(link);
      await guest.getByRole("heading", { name: "This share link does not work" }).waitFor();
    } finally {
      await guestContext.close();
    }
    expectNoConsoleErrors();
  });

  it("opens a shared run and a shared comparison read-only", async () => {
    // The owner shares the comparison of every run with steps, and one run.
    await page.goto(`${web.url}/models/${encodeURIComponent(modelId)}/compare`);
    await page.getByRole("heading", { name: "Compare pruning runs of mnist" }).waitFor();
    const compared = await page
      .getByRole("table", { name: "Accuracy at equal compression" })
      .locator("tbody tr")
      .count();
    expect(compared).toBeGreaterThanOrEqual(2);
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByRole("button", { name: "Create read-only link" }).click();
    const comparisonLink = await page.getByLabel("Share link").inputValue();
    await openFirstCarRun();
    const runUrl = page.url();
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByRole("button", { name: "Create read-only link" }).click();
    const runLink = await page.getByLabel("Share link").inputValue();

    const guestContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const guest = await guestContext.newPage();
      await guest.goto(comparisonLink);
      await guest.getByRole("heading", { name: "Compare pruning runs of mnist" }).waitFor();
      await guest.locator(".shared-banner").waitFor();
      await expect(
        guest.getByRole("table", { name: "Accuracy at equal compression" }).locator("tbody tr").count(),
      ).resolves.toBe(compared);
      await guest.screenshot({ path: path.join(ARTIFACTS, "28-shared-comparison.png"), fullPage: true });

      await guest.goto(runLink);
      await guest.waitForURL(runUrl);
      await guest.getByRole("heading", { name: /^CAR pruning run/ }).waitFor();
      await guest.locator(".shared-banner").waitFor();
      await guest.getByRole("heading", { name: "Comments" }).waitFor();
      await guest.getByText("Keeps 89%").waitFor();
      for (const action of ["Share", "Cancel run", "Add comment"])
        await expect(guest.getByRole("button", { name: action }).count()).resolves.toBe(0);
      await expect(guest.getByRole("link", { name: "Compare with other runs" }).count()).resolves.toBe(0);
      await guest.screenshot({ path: path.join(ARTIFACTS, "29-shared-run.png"), fullPage: true });
    } finally {
      await guestContext.close();
    }
    expectNoConsoleErrors();
  });

  it("answers an unknown model with a 404 page", async () => {
    const response = await page.goto(`${web.url}/models/no-such-model`);
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    await shot("14-not-found");
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
      await shot("15-api-down");
    } finally {
      await orphan.stop();
    }
    expectNoConsoleErrors();
  });
});
