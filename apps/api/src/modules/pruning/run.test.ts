/**
 * Pruning runs through the API as clients use it (HTTP, graphql-ws), on a real SQLite file, with greedy
 * pruning by @carve/core in worker threads on the shipped MNIST demo — small samples and few steps.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  type GraphQLResponse,
  type RequestAs,
  type TestServer,
  endOf,
  startTestServer,
} from "../../test-utils/test-server.js";

const RUN = `
  id status criterion scope layers stepSize resumes stopReason baseAccuracy finalAccuracy
  target { keep removeFraction minAccuracy }
  progress { stepsDone plannedSteps fraction phase etaSeconds }
  error { code message }
`;
const STEP = `
  step params flops elapsedSeconds candidates runnerUpScore
  removed { groupId layer layers index score car { drop ci95Low ci95High accuracyWithout } classwise { classIndex className drop } }
  selection { dataset accuracy loss perClass { classIndex className accuracy } }
  test { dataset accuracy }
  filtersLeft { groupId count }
`;
const START = `mutation Start($input: StartPruningRunInput!) { startPruningRun(input: $input) { ${RUN} } }`;
const GET = `query Get($id: ID!) { pruningRun(id: $id) { ${RUN} steps { ${STEP} } } }`;
const PROGRESS = `
  subscription Progress($id: ID!) {
    pruningProgress(runId: $id) { kind run { ${RUN} steps { step } } step { ${STEP} } }
  }`;

interface RunView {
  id: string;
  status: string;
  layers: string[];
  resumes: number;
  stopReason: string | null;
  baseAccuracy: number | null;
  finalAccuracy: number | null;
  progress: { stepsDone: number; plannedSteps: number; fraction: number; etaSeconds: number | null };
  error: { code: string; message: string } | null;
}
interface StepView {
  step: number;
  params: number;
  flops: number;
  elapsedSeconds: number;
  removed: Array<{
    groupId: string;
    layer: string;
    index: number;
    score: number;
    car: { drop: number; accuracyWithout: number } | null;
    classwise: Array<{ classIndex: number; className: string; drop: number }> | null;
  }>;
  selection: { accuracy: number; perClass: Array<{ className: string; accuracy: number | null }> };
  test: { dataset: string; accuracy: number } | null;
  filtersLeft: Array<{ groupId: string; count: number }>;
}
interface EventView {
  kind: string;
  run: RunView & { steps: Array<{ step: number }> };
  step: StepView | null;
}

/** Small and quick: 4 steps of CAR on conv1 (16 filters) over 300 selection images. */
const SMALL_RUN = {
  scope: "LAYER",
  layers: ["conv1"],
  target: { keep: 12 },
  maxSelectionImages: 300,
  maxTestImages: 300,
};

/** Two servers, two runs and a restart: generous on a machine shared with other work. */
const LONG_TEST_MS = 300_000;

const choices = (steps: StepView[]) =>
  steps.map((s) => s.removed.map((r) => `${r.layer}:${r.index}`).join("+"));

describe("pruning runs", () => {
  let api: TestServer;
  let mnistId: string;
  let finished: RunView & { steps: StepView[] };
  let events: Array<GraphQLResponse<{ pruningProgress: EventView }>>;

  async function start(input: Record<string, unknown>): Promise<RunView> {
    const data = await api.query<{ startPruningRun: RunView }>(START, {
      input: { modelId: mnistId, ...input },
    });
    return data.startPruningRun;
  }

  async function get(id: string): Promise<RunView & { steps: StepView[] }> {
    return (await api.query<{ pruningRun: RunView & { steps: StepView[] } }>(GET, { id })).pruningRun;
  }

  /** Subscribes and resolves with every event until the run's final status. */
  function follow(id: string, onEvent?: (event: EventView) => void, as?: RequestAs) {
    return api.subscribe<{ pruningProgress: EventView }>(
      PROGRESS,
      { id },
      (r) => {
        if (r.data) onEvent?.(r.data.pruningProgress);
      },
      as,
    );
  }

  beforeAll(async () => {
    api = await startTestServer();
    const data = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
      "{ models { nodes { id name } } }",
    );
    mnistId = data.models.nodes.find((m) => m.name === "mnist")!.id;
  });

  afterAll(async () => {
    await api?.stop({ removeData: true });
  });

  it("rejects bad requests with a code and the argument at fault, storing nothing", async () => {
    const bad = async (input: Record<string, unknown>) => {
      const result = await api.request(START, { input: { modelId: mnistId, ...SMALL_RUN, ...input } });
      return result.errors?.[0];
    };
    expect(await bad({ layers: ["dense"] })).toMatchObject({
      extensions: { code: "INVALID_ARGUMENT", argument: "input.layers" },
      message: expect.stringMatching(/no layer "dense".*prunable layers: conv1, conv2/),
    });
    expect(await bad({ layers: ["conv1", "conv2"] })).toMatchObject({
      extensions: { code: "INVALID_ARGUMENT", argument: "input.layers" },
      message: expect.stringMatching(/LAYER prunes exactly one layer/),
    });
    expect(await bad({ target: { keep: 16 } })).toMatchObject({
      extensions: { code: "INVALID_ARGUMENT", argument: "input.target.keep" },
      message: expect.stringMatching(/from 1 to 15.*got 16/),
    });
    expect(await bad({ target: { keep: 4, removeFraction: 0.5 } })).toMatchObject({
      extensions: { code: "INVALID_ARGUMENT", argument: "input.target" },
    });
    expect(await bad({ target: {} })).toMatchObject({ extensions: { code: "INVALID_ARGUMENT" } });
    expect(await bad({ protectClasses: { classes: ["cat"], maxDrop: 0.01 } })).toMatchObject({
      extensions: { code: "INVALID_ARGUMENT", argument: "input.protectClasses.classes" },
      message: expect.stringMatching(/unknown class "cat"/),
    });
    expect(await bad({ fineTune: { schedule: "EACH_STEP", epochs: 0 } })).toMatchObject({
      extensions: { code: "INVALID_ARGUMENT", argument: "input.fineTune.epochs" },
    });
    expect(await bad({ modelId: "nope" })).toMatchObject({ extensions: { code: "NOT_FOUND" } });
    const { model } = await api.query<{ model: { runs: { totalCount: number } } }>(
      "query R($id: ID!) { model(id: $id) { runs { totalCount } } }",
      { id: mnistId },
    );
    expect(model.runs.totalCount).toBe(0);
  });

  it("runs a CAR run step by step, publishing every step as it is persisted", async () => {
    const run = await start(SMALL_RUN);
    expect(run).toMatchObject({
      status: "QUEUED",
      layers: ["conv1"],
      progress: { stepsDone: 0, plannedSteps: 4 },
    });
    events = await follow(run.id);
    const kinds = events.map((e) => e.data!.pruningProgress.kind);
    expect(kinds[0]).toBe("SNAPSHOT");
    const stepEvents = events.map((e) => e.data!.pruningProgress).filter((e) => e.kind === "STEP");
    expect(stepEvents.map((e) => e.step!.step)).toEqual([1, 2, 3, 4]);
    // Each STEP event comes after the step was persisted: the run it carries counts it.
    for (const e of stepEvents) expect(e.run.progress.stepsDone).toBe(e.step!.step);
    // The unpruned network's accuracy is known before the first step.
    expect(stepEvents[0]!.run.baseAccuracy).toBeGreaterThan(0.9);
    expect(stepEvents[0]!.run.progress.etaSeconds).toBeGreaterThan(0);
    const last = events.at(-1)!.data!.pruningProgress;
    expect(last.run.status).toBe("SUCCEEDED");

    finished = await get(run.id);
    expect(finished).toMatchObject({ status: "SUCCEEDED", stopReason: "target-reached", error: null });
    expect(finished.progress).toMatchObject({ stepsDone: 4, fraction: 1 });
    expect(finished.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(choices(finished.steps)).toEqual(choices(stepEvents.map((e) => e.step!)));
    let previousParams = Infinity;
    for (const step of finished.steps) {
      const [removed] = step.removed;
      expect(removed).toMatchObject({ groupId: "conv1", layer: "conv1" });
      expect(removed!.car!.drop).toBe(removed!.score);
      expect(removed!.classwise).toHaveLength(10);
      expect(step.selection.perClass).toHaveLength(10);
      expect(step.test!.dataset).toMatch(/test/);
      expect(step.params).toBeLessThan(previousParams);
      previousParams = step.params;
    }
    expect(finished.steps.at(-1)!.filtersLeft).toEqual([{ groupId: "conv1", count: 12 }]);
    expect(finished.baseAccuracy).toBeGreaterThan(0.9);
    const { all, succeeded, running } = await api.query<{
      all: { totalCount: number; nodes: Array<{ id: string }> };
      succeeded: { totalCount: number };
      running: { totalCount: number };
    }>(`{
      all: pruningRuns(first: 1) { totalCount nodes { id } }
      succeeded: pruningRuns(status: SUCCEEDED) { totalCount }
      running: pruningRuns(status: RUNNING) { totalCount }
    }`);
    expect(all).toEqual({ totalCount: 1, nodes: [{ id: run.id }] });
    expect(succeeded.totalCount).toBe(1);
    expect(running.totalCount).toBe(0);
    expect(finished.finalAccuracy).toBe(finished.steps.at(-1)!.test!.accuracy);
  });

  it("registers the compressed model, derived from the original, and serves it for TF.js to load", async () => {
    const { pruningRun } = await api.query<{
      pruningRun: {
        artifact: {
          id: string;
          modelJsonUrl: string;
          sizeBytes: number;
          params: number;
          accuracy: number;
          files: Array<{ name: string; url: string; sizeBytes: number }>;
        };
        resultModel: {
          id: string;
          params: number;
          accuracy: number;
          derivedFrom: { id: string };
          derivedFromRun: { id: string };
          layers: Array<{ name: string; filterCount: number | null }>;
        };
      };
    }>(
      `query A($id: ID!) { pruningRun(id: $id) {
        artifact { id modelJsonUrl sizeBytes params accuracy files { name url sizeBytes } }
        resultModel { id params accuracy derivedFrom { id } derivedFromRun { id } layers { name filterCount } }
      } }`,
      { id: finished.id },
    );
    const { artifact, resultModel } = pruningRun;
    expect(resultModel.derivedFrom.id).toBe(mnistId);
    expect(resultModel.derivedFromRun.id).toBe(finished.id);
    expect(resultModel.layers.find((l) => l.name === "conv1")!.filterCount).toBe(12);
    expect(resultModel.params).toBe(finished.steps.at(-1)!.params);
    expect(artifact).toMatchObject({ id: resultModel.id, params: resultModel.params });
    expect(artifact.modelJsonUrl).toBe(`/artifacts/${resultModel.id}/model.json`);
    expect(artifact.files.map((f) => f.name)).toContain("model.json");

    // Download every file over HTTP into a folder and load it with core's loadModel.
    const origin = new URL(api.url).origin;
    const dir = mkdtempSync(path.join(tmpdir(), "carve-artifact-"));
    try {
      for (const file of artifact.files) {
        const response = await fetch(origin + file.url, { headers: api.headers() });
        expect(response.status).toBe(200);
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(bytes.length).toBe(file.sizeBytes);
        writeFileSync(path.join(dir, file.name), bytes);
      }
      const core = await import("@carve/core");
      await core.initBackend({ backend: "cpu" });
      const model = await core.loadModel(dir);
      expect(core.describeModel(model).params).toBe(artifact.params);
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const asOwner = { headers: api.headers() };
    expect((await fetch(`${origin}/artifacts/${resultModel.id}/..%2Fcarve.db`, asOwner)).status).toBe(404);
    expect((await fetch(`${origin}/artifacts/${mnistId}/model.json`, asOwner)).status).toBe(404);
    // Without credentials, nothing: the model's files are its workspace's.
    expect((await fetch(origin + artifact.modelJsonUrl)).status).toBe(401);
  });

  it("gives a late subscriber the current state first, then ends at the final status", async () => {
    const late = await follow(finished.id);
    expect(late).toHaveLength(1);
    expect(late[0]!.data!.pruningProgress).toMatchObject({
      kind: "SNAPSHOT",
      run: { status: "SUCCEEDED", steps: [{ step: 1 }, { step: 2 }, { step: 3 }, { step: 4 }] },
    });
    const [unknown] = await api.subscribe(PROGRESS, { id: "nope" });
    expect(unknown!.errors?.[0]).toMatchObject({ extensions: { code: "NOT_FOUND", argument: "runId" } });
  });

  it(
    "stops a run's events to a member removed from the workspace and to a revoked share link",
    async () => {
      // Long enough (31 steps on every selection image) to still be running when access is taken away.
      const run = await start({ scope: "LAYER", layers: ["conv2"], target: { keep: 1 } });
      const viewer = await api.addMember("leaving@example.com", "VIEWER");
      const { createShareLink } = await api.query<{
        createShareLink: { token: string; link: { id: string } };
      }>(
        `mutation($w: ID!, $t: ShareTargetInput!) { createShareLink(workspaceId: $w, target: $t) { token link { id } } }`,
        { w: api.workspaceId, t: { kind: "RUN", ids: [run.id] } },
      );
      /** Events received, and how the subscription ended: COMPLETED, or its error's code. */
      const watch = (as: RequestAs) => {
        const received: EventView[] = [];
        let first!: () => void;
        const started = new Promise<void>((resolve) => (first = resolve));
        const onEvent = (event: EventView) => {
          received.push(event);
          first();
        };
        return { received, started, ended: endOf(follow(run.id, onEvent, as)) };
      };
      const member = watch({ token: viewer });
      const holder = watch({ share: createShareLink.token });
      await Promise.all([member.started, holder.started]);
      await api.removeMember(viewer);
      await api.query("mutation($id: ID!) { revokeShareLink(id: $id) { id } }", {
        id: createShareLink.link.id,
      });
      expect(await member.ended).toBe("NOT_FOUND");
      expect(await holder.ended).toBe("NOT_FOUND");
      expect(member.received[0]!.kind).toBe("SNAPSHOT");

      // The owner still follows the run, to its end.
      const cancelled = api.query("mutation C($id: ID!) { cancelRun(id: $id) { id } }", { id: run.id });
      const owner = await follow(run.id);
      await cancelled;
      expect(owner.at(-1)!.data!.pruningProgress.run.status).toBe("CANCELLED");
    },
    LONG_TEST_MS,
  );

  it("cancels a run keeping its steps, and resumes it to the choices of an uninterrupted run", async () => {
    const run = await start(SMALL_RUN);
    let cancelled: Promise<unknown> | undefined;
    await follow(run.id, (event) => {
      if (event.kind === "STEP" && event.step!.step === 2 && !cancelled) {
        cancelled = api.query("mutation C($id: ID!) { cancelRun(id: $id) { id } }", { id: run.id });
      }
    });
    await cancelled;
    const stopped = await get(run.id);
    expect(stopped.status).toBe("CANCELLED");
    expect(stopped.steps.length).toBeGreaterThanOrEqual(2);
    expect(choices(stopped.steps)).toEqual(choices(finished.steps).slice(0, stopped.steps.length));

    const { resumeRun } = await api.query<{ resumeRun: RunView }>(
      `mutation R($id: ID!) { resumeRun(id: $id) { ${RUN} } }`,
      { id: run.id },
    );
    expect(resumeRun).toMatchObject({ status: "QUEUED", resumes: 1 });
    await follow(run.id);
    const resumed = await get(run.id);
    expect(resumed.status).toBe("SUCCEEDED");
    expect(choices(resumed.steps)).toEqual(choices(finished.steps));
    expect(resumed.steps.map((s) => s.test!.accuracy)).toEqual(finished.steps.map((s) => s.test!.accuracy));

    const again = await api.request(`mutation R($id: ID!) { resumeRun(id: $id) { id } }`, { id: run.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT" });
  });

  it("keeps protected classes within their bound, reporting the protection and the accuracies it kept", async () => {
    const run = await start({
      ...SMALL_RUN,
      target: { keep: 13 },
      protectClasses: { classes: ["3", "7"], maxDrop: 0 },
    });
    await follow(run.id);
    const { pruningRun } = await api.query<{
      pruningRun: {
        status: string;
        protection: { classes: number[]; classNames: string[]; maxDrop: number };
        original: { selection: { perClass: Array<{ accuracy: number | null }> } };
        steps: Array<{
          skippedForProtection: number;
          selection: { perClass: Array<{ accuracy: number | null }> };
        }>;
      };
    }>(
      `query P($id: ID!) { pruningRun(id: $id) {
        status protection { classes classNames maxDrop }
        original { selection { perClass { accuracy } } }
        steps { skippedForProtection selection { perClass { accuracy } } }
      } }`,
      { id: run.id },
    );
    expect(pruningRun.status).toBe("SUCCEEDED");
    expect(pruningRun.protection).toEqual({ classes: [3, 7], classNames: ["3", "7"], maxDrop: 0 });
    const before = pruningRun.original.selection.perClass;
    for (const step of pruningRun.steps) {
      for (const c of [3, 7])
        expect(step.selection.perClass[c]!.accuracy!).toBeGreaterThanOrEqual(before[c]!.accuracy!);
    }
  });

  it("deletes a run with its steps and its compressed model, whose files are then gone", async () => {
    const run = await start({ ...SMALL_RUN, criterion: "L1", target: { keep: 14 } });
    await follow(run.id);
    const { pruningRun } = await api.query<{
      pruningRun: { status: string; artifact: { modelJsonUrl: string; id: string } };
    }>("query A($id: ID!) { pruningRun(id: $id) { status artifact { id modelJsonUrl } } }", { id: run.id });
    expect(pruningRun.status).toBe("SUCCEEDED");
    const origin = new URL(api.url).origin;
    expect((await fetch(origin + pruningRun.artifact.modelJsonUrl, { headers: api.headers() })).status).toBe(
      200,
    );
    const { deleteRun } = await api.query<{ deleteRun: { deleted: { steps: number; models: number } } }>(
      "mutation D($id: ID!) { deleteRun(id: $id) { id deleted { steps models } } }",
      { id: run.id },
    );
    expect(deleteRun.deleted).toEqual({ steps: 2, models: 1 });
    expect((await fetch(origin + pruningRun.artifact.modelJsonUrl, { headers: api.headers() })).status).toBe(
      404,
    );
    const gone = await api.request("query M($id: ID!) { model(id: $id) { id } }", {
      id: pruningRun.artifact.id,
    });
    expect(gone.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const missing = await api.request("query G($id: ID!) { pruningRun(id: $id) { id } }", { id: run.id });
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("deleting the original model takes its runs, and leaves the models compressed from it", async () => {
    const { pruningRun } = await api.query<{ pruningRun: { resultModel: { id: string } } }>(
      "query A($id: ID!) { pruningRun(id: $id) { resultModel { id } } }",
      { id: finished.id },
    );
    await api.query("mutation D($id: ID!) { deleteModel(id: $id) { id } }", { id: mnistId });
    const missing = await api.request("query G($id: ID!) { pruningRun(id: $id) { id } }", {
      id: finished.id,
    });
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const { model } = await api.query<{ model: { id: string; derivedFrom: null; layers: unknown[] } }>(
      "query M($id: ID!) { model(id: $id) { id derivedFrom { id } layers { name } } }",
      { id: pruningRun.resultModel.id },
    );
    expect(model.derivedFrom).toBeNull();
    expect(model.layers.length).toBeGreaterThan(0);
  });
});

describe("a pruning run that fine-tunes after each step", () => {
  it(
    "checkpoints the network after every step and resumes from it to the uninterrupted result",
    async () => {
      let api = await startTestServer();
      const dataDir = api.dataDir;
      try {
        const { models } = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
          "{ models { nodes { id name } } }",
        );
        const input = {
          ...SMALL_RUN,
          modelId: models.nodes.find((m) => m.name === "mnist")!.id,
          target: { keep: 14 },
          // A sample of the training split keeps each fine-tuning to a second or two.
          fineTune: { schedule: "EACH_STEP", epochs: 1, learningRate: 0.0005, maxTrainImages: 500 },
          seed: 2,
        };
        const { startPruningRun: run } = await api.query<{ startPruningRun: RunView }>(START, { input });
        let stopping: Promise<void> | undefined;
        await api.subscribe<{ pruningProgress: EventView }>(PROGRESS, { id: run.id }, (r) => {
          const event = r.data?.pruningProgress;
          if (event?.kind === "STEP" && event.step!.step === 1) stopping ??= api.server.stop();
        });
        await stopping;
        const checkpoint = path.join(dataDir, "runs", run.id, "checkpoints", "step-1", "model.json");
        expect(existsSync(checkpoint)).toBe(true);

        api = await startTestServer({ dataDir });
        await api.query("mutation R($id: ID!) { resumeRun(id: $id) { id } }", { id: run.id });
        await api.subscribe(PROGRESS, { id: run.id });
        const resumed = (
          await api.query<{ pruningRun: RunView & { steps: StepView[] } }>(GET, { id: run.id })
        ).pruningRun;
        expect(resumed).toMatchObject({ status: "SUCCEEDED", resumes: 1 });
        // Checkpoints are only kept while a run may still be resumed.
        expect(existsSync(path.join(dataDir, "runs", run.id))).toBe(false);

        const { startPruningRun: whole } = await api.query<{ startPruningRun: RunView }>(START, { input });
        await api.subscribe(PROGRESS, { id: whole.id });
        const uninterrupted = (
          await api.query<{ pruningRun: RunView & { steps: StepView[] } }>(GET, { id: whole.id })
        ).pruningRun;
        expect(choices(resumed.steps)).toEqual(choices(uninterrupted.steps));
        expect(resumed.steps.map((s) => s.test!.accuracy)).toEqual(
          uninterrupted.steps.map((s) => s.test!.accuracy),
        );
        expect(resumed.finalAccuracy).toBe(uninterrupted.finalAccuracy);
      } finally {
        await api.stop({ removeData: true });
      }
    },
    LONG_TEST_MS,
  );
});

describe("a pruning run when the server stops", () => {
  it(
    "is marked INTERRUPTED, and resumeRun on a new server continues from its last persisted step",
    async () => {
      let api = await startTestServer();
      const dataDir = api.dataDir;
      try {
        const { models } = await api.query<{ models: { nodes: Array<{ id: string; name: string }> } }>(
          "{ models { nodes { id name } } }",
        );
        const modelId = models.nodes.find((m) => m.name === "mnist")!.id;
        const input = { ...SMALL_RUN, modelId, scope: "GLOBAL", layers: null, target: { keep: 44 } };
        const { startPruningRun: run } = await api.query<{ startPruningRun: RunView }>(START, { input });
        let stopping: Promise<void> | undefined;
        const seen = await api.subscribe<{ pruningProgress: EventView }>(PROGRESS, { id: run.id }, (r) => {
          const event = r.data?.pruningProgress;
          if (event?.kind === "STEP" && event.step!.step === 2) stopping ??= api.server.stop();
        });
        await stopping;
        expect(seen.at(-1)!.data!.pruningProgress.run.status).toBe("INTERRUPTED");

        api = await startTestServer({ dataDir });
        const interrupted = (
          await api.query<{ pruningRun: RunView & { steps: StepView[] } }>(GET, { id: run.id })
        ).pruningRun;
        expect(interrupted.status).toBe("INTERRUPTED");
        expect(interrupted.error!.message).toMatch(/resumeRun/);
        const persisted = interrupted.steps.length;
        expect(persisted).toBeGreaterThanOrEqual(2);

        await api.query("mutation R($id: ID!) { resumeRun(id: $id) { id } }", { id: run.id });
        await api.subscribe(PROGRESS, { id: run.id });
        const resumed = (
          await api.query<{ pruningRun: RunView & { steps: StepView[] } }>(GET, { id: run.id })
        ).pruningRun;
        expect(resumed.status).toBe("SUCCEEDED");
        expect(resumed.steps).toHaveLength(4);
        // Nothing persisted was lost or recomputed.
        expect(resumed.steps.slice(0, persisted)).toEqual(interrupted.steps);

        // The same run without interruption makes the same choices.
        const { startPruningRun: whole } = await api.query<{ startPruningRun: RunView }>(START, { input });
        await api.subscribe(PROGRESS, { id: whole.id });
        const uninterrupted = (
          await api.query<{ pruningRun: RunView & { steps: StepView[] } }>(GET, { id: whole.id })
        ).pruningRun;
        expect(choices(resumed.steps)).toEqual(choices(uninterrupted.steps));
      } finally {
        await api.stop({ removeData: true });
      }
    },
    LONG_TEST_MS,
  );
});
