/**
 * Pruning runs end to end: the built API in its own process, over real HTTP and WebSocket, against a real
 * SQLite file, with greedy CAR pruning by @carve/core's built dist/ in worker threads — every step received
 * live, the server killed in the middle of a run and started again, the run resumed to the choices an
 * uninterrupted run makes, and the compressed model downloaded and loaded with core's loadModel.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describeModel, initBackend, loadModel } from "@carve/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type ApiProcess, ensureApiBuilt, startApiProcess } from "./api-process.js";

const RUN = "id status resumes stopReason progress { stepsDone plannedSteps } error { code message }";
const STEPS = "steps { step params test { accuracy } removed { layer index score car { drop } } }";
const PROGRESS = `subscription P($id: ID!) { pruningProgress(runId: $id) { kind run { ${RUN} } step { step removed { layer index } } } }`;

interface Run {
  id: string;
  status: string;
  resumes: number;
  stopReason: string | null;
  progress: { stepsDone: number; plannedSteps: number };
  error: { code: string; message: string } | null;
}
interface Step {
  step: number;
  params: number;
  test: { accuracy: number };
  removed: Array<{ layer: string; index: number; score: number; car: { drop: number } | null }>;
}
interface Event {
  kind: string;
  run: Run;
  step: { step: number; removed: Array<{ layer: string; index: number }> } | null;
}

/** Global CAR pruning of both convolutions (48 filters) down to 42, on small samples: 6 quick steps. */
const INPUT = {
  scope: "GLOBAL",
  target: { keep: 42 },
  maxSelectionImages: 300,
  maxTestImages: 300,
};

const choices = (steps: Step[]) => steps.map((s) => s.removed.map((r) => `${r.layer}:${r.index}`).join("+"));

describe("pruning runs in the built API, end to end", () => {
  let dataDir: string;
  let api: ApiProcess;
  let modelId: string;
  let uninterrupted: Run & { steps: Step[] };

  const getRun = async (id: string) =>
    (
      await api.query<{ pruningRun: Run & { steps: Step[] } }>(
        `query G($id: ID!) { pruningRun(id: $id) { ${RUN} ${STEPS} } }`,
        { id },
      )
    ).pruningRun;
  const start = async () =>
    (
      await api.query<{ startPruningRun: Run }>(
        `mutation S($input: StartPruningRunInput!) { startPruningRun(input: $input) { ${RUN} } }`,
        { input: { modelId, ...INPUT } },
      )
    ).startPruningRun;

  beforeAll(async () => {
    ensureApiBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), "carve-e2e-pruning-"));
    api = await startApiProcess(dataDir);
  });

  afterAll(async () => {
    await api?.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("registers the demo model and prunes it by CAR while a graphql-ws client receives every step", async () => {
    const { registerDemoModel } = await api.query<{ registerDemoModel: { id: string; name: string } }>(
      'mutation { registerDemoModel(name: "mnist") { id name } }',
    );
    modelId = registerDemoModel.id;
    const run = await start();
    expect(run).toMatchObject({ status: "QUEUED", progress: { stepsDone: 0, plannedSteps: 6 } });

    const events = (await api.subscribe<{ pruningProgress: Event }>(PROGRESS, { id: run.id })).map(
      (r) => r.data!.pruningProgress,
    );
    expect(events[0]!.kind).toBe("SNAPSHOT");
    const steps = events.filter((e) => e.kind === "STEP");
    expect(steps.map((e) => e.step!.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.at(-1)!.run.status).toBe("SUCCEEDED");

    uninterrupted = await getRun(run.id);
    expect(uninterrupted).toMatchObject({ status: "SUCCEEDED", stopReason: "target-reached" });
    // What was received live is what was persisted.
    expect(choices(uninterrupted.steps)).toEqual(
      steps.map((e) => e.step!.removed.map((r) => `${r.layer}:${r.index}`).join("+")),
    );
    for (const step of uninterrupted.steps) expect(step.removed[0]!.car!.drop).toBe(step.removed[0]!.score);
  });

  it("serves the compressed model for download, which core's loadModel loads at its reported size", async () => {
    const { pruningRun } = await api.query<{
      pruningRun: {
        artifact: { params: number; files: Array<{ name: string; url: string }> };
        resultModel: {
          derivedFrom: { id: string };
          layers: Array<{ name: string; filterCount: number | null }>;
        };
      };
    }>(
      `query A($id: ID!) { pruningRun(id: $id) {
        artifact { params files { name url } }
        resultModel { derivedFrom { id } layers { name filterCount } }
      } }`,
      { id: uninterrupted.id },
    );
    expect(pruningRun.resultModel.derivedFrom.id).toBe(modelId);
    const filters = pruningRun.resultModel.layers.filter(
      (l) => l.filterCount !== null && l.name.startsWith("conv"),
    );
    expect(filters.reduce((sum, l) => sum + l.filterCount!, 0)).toBe(42);

    const origin = new URL(api.url).origin;
    const dir = mkdtempSync(path.join(tmpdir(), "carve-e2e-artifact-"));
    try {
      for (const file of pruningRun.artifact.files) {
        const response = await fetch(origin + file.url, {
          headers: { authorization: `Bearer ${api.token}` },
        });
        expect(response.status).toBe(200);
        writeFileSync(path.join(dir, file.name), Buffer.from(await response.arrayBuffer()));
      }
      await initBackend({ backend: "cpu" });
      const model = await loadModel(dir);
      expect(describeModel(model).params).toBe(pruningRun.artifact.params);
      expect(describeModel(model).params).toBe(uninterrupted.steps.at(-1)!.params);
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("cancels a run; its persisted steps stay", async () => {
    const run = await start();
    let cancelling: Promise<unknown> | undefined;
    await api.subscribe<{ pruningProgress: Event }>(PROGRESS, { id: run.id }, (r) => {
      const event = r.data?.pruningProgress;
      if (event?.kind === "STEP" && !cancelling) {
        cancelling = api.query(`mutation C($id: ID!) { cancelRun(id: $id) { id } }`, { id: run.id });
      }
    });
    await cancelling;
    const cancelled = await getRun(run.id);
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.steps.length).toBeGreaterThanOrEqual(1);
    expect(choices(cancelled.steps)).toEqual(choices(uninterrupted.steps).slice(0, cancelled.steps.length));
  });

  it("marks a run INTERRUPTED after the server is killed mid-run, and resumes it to the uninterrupted choices", async () => {
    const run = await start();
    let killed: Promise<number | null> | undefined;
    const dying = api
      .subscribe<{ pruningProgress: Event }>(PROGRESS, { id: run.id }, (r) => {
        const event = r.data?.pruningProgress;
        if (event?.kind === "STEP" && event.step!.step === 2) killed ??= api.stop("SIGKILL");
      })
      .catch(() => undefined); // the socket dies with the server
    await dying;
    expect(await killed).toBeNull();

    api = await startApiProcess(dataDir);
    const interrupted = await getRun(run.id);
    expect(interrupted.status).toBe("INTERRUPTED");
    expect(interrupted.error?.code).toBe("INTERRUPTED");
    expect(interrupted.steps.length).toBeGreaterThanOrEqual(2);
    expect(interrupted.steps.length).toBeLessThan(6);

    const { resumeRun } = await api.query<{ resumeRun: Run }>(
      `mutation R($id: ID!) { resumeRun(id: $id) { ${RUN} } }`,
      { id: run.id },
    );
    expect(resumeRun).toMatchObject({ status: "QUEUED", resumes: 1 });
    const events = (await api.subscribe<{ pruningProgress: Event }>(PROGRESS, { id: run.id })).map(
      (r) => r.data!.pruningProgress,
    );
    // Only the steps after the persisted ones are computed again.
    expect(events.filter((e) => e.kind === "STEP").map((e) => e.step!.step)).toEqual(
      Array.from({ length: 6 - interrupted.steps.length }, (_, i) => interrupted.steps.length + i + 1),
    );
    const resumed = await getRun(run.id);
    expect(resumed.status).toBe("SUCCEEDED");
    expect(resumed.steps.slice(0, interrupted.steps.length)).toEqual(interrupted.steps);
    expect(choices(resumed.steps)).toEqual(choices(uninterrupted.steps));
    expect(resumed.steps.map((s) => s.test.accuracy)).toEqual(
      uninterrupted.steps.map((s) => s.test.accuracy),
    );
  });
});
