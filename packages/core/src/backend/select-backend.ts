import * as tf from "@tensorflow/tfjs-core";
import { CarveError } from "../errors.js";
import { defaultBackendCandidates, type BackendCandidate, type BackendDetails } from "./backend-catalog.js";
import type { BackendChoice, BackendName } from "./backend-name.js";
import { createProbeCache, messageOf, toBackendStatus, type BackendStatus } from "./probe-backend.js";

export interface InitBackendOptions {
  /**
   * Which backend to use; "auto" (the default) takes the fastest one that is installed and works. Core reads
   * no environment variables: the CLI passes `CARVE_BACKEND` through {@link parseBackendName} into here.
   */
  backend?: BackendChoice;
}

/** The backend tfjs is now using. */
export interface BackendInfo extends BackendDetails {
  name: BackendName;
  /** The name in tfjs's registry, as `tf.getBackend()` reports it: "tensorflow", "wasm" or "cpu". */
  tfjsBackend: string;
  /**
   * Faster backends that "auto" passed over, fastest first, each with the reason (not installed, or installed
   * but broken). Empty when the backend was asked for by name.
   */
  skipped: BackendStatus[];
}

export interface BackendSelector {
  initBackend(options?: InitBackendOptions): Promise<BackendInfo>;
  listBackends(): Promise<BackendStatus[]>;
}

type Activation = { ok: true; details: BackendDetails } | { ok: false; reason: string; cause?: unknown };

/**
 * tfjs prints advice through console.warn (the cpu backend's "Hi, looks like you are running TensorFlow.js in
 * Node.js" banner, failed-initialisation traces); core writes nothing itself, so production mode silences them.
 */
function silenceTfjs(): void {
  tf.env().set("PROD", true);
}

/**
 * Builds the selection logic over a list of candidates. Carve uses one selector over
 * {@link defaultBackendCandidates}; tests pass fakes to exercise missing and broken packages.
 */
export function createBackendSelector(candidates: readonly BackendCandidate[]): BackendSelector {
  const probe = createProbeCache();
  let current: { choice: BackendChoice; info: BackendInfo } | undefined;
  // Calls run one after another: two overlapping tf.setBackend calls would race inside the engine.
  let queue: Promise<unknown> = Promise.resolve();

  async function initFailureReason(candidate: BackendCandidate): Promise<string> {
    const factory = tf.findBackendFactory(candidate.tfjsBackend);
    if (!factory) {
      return `${candidate.packageName} loaded but registered no "${candidate.tfjsBackend}" backend with tfjs`;
    }
    // tf.setBackend only answers false (its warning is muted by PROD); running the factory again recovers the
    // error itself, which is what the user needs to see.
    try {
      const backend = await factory();
      backend.dispose();
      return `tfjs failed to initialise its "${candidate.tfjsBackend}" backend once and then succeeded; try again`;
    } catch (error) {
      return `tfjs could not initialise its "${candidate.tfjsBackend}" backend (${messageOf(error)})`;
    }
  }

  async function activate(candidate: BackendCandidate): Promise<Activation> {
    const probed = await probe(candidate);
    if (probed.kind !== "loaded") {
      return { ok: false, reason: probed.reason, cause: probed.kind === "failed" ? probed.error : undefined };
    }
    let switched: boolean;
    try {
      switched = await tf.setBackend(candidate.tfjsBackend);
    } catch (error) {
      return { ok: false, reason: messageOf(error), cause: error };
    }
    if (!switched) return { ok: false, reason: await initFailureReason(candidate) };
    return { ok: true, details: await candidate.describe() };
  }

  async function selectNamed(name: BackendName): Promise<BackendInfo> {
    const candidate = candidates.find((c) => c.name === name);
    if (!candidate) {
      throw new CarveError("BACKEND_UNAVAILABLE", `initBackend: no "${name}" backend is configured`);
    }
    const activation = await activate(candidate);
    if (!activation.ok) {
      const others = candidates.filter((c) => c.name !== name).map((c) => `"${c.name}"`);
      throw new CarveError(
        "BACKEND_UNAVAILABLE",
        `initBackend: the "${name}" backend is unavailable: ${activation.reason}. ` +
          `Or choose "auto" (the fastest backend that works) or one of ${others.join(", ")}.`,
        { cause: activation.cause },
      );
    }
    return { name, tfjsBackend: candidate.tfjsBackend, ...activation.details, skipped: [] };
  }

  async function selectFastest(): Promise<BackendInfo> {
    const skipped: BackendStatus[] = [];
    for (const candidate of candidates) {
      const activation = await activate(candidate);
      if (activation.ok) {
        return { name: candidate.name, tfjsBackend: candidate.tfjsBackend, ...activation.details, skipped };
      }
      skipped.push({ name: candidate.name, available: false, reason: activation.reason });
    }
    throw new CarveError(
      "BACKEND_UNAVAILABLE",
      `initBackend: no backend works here (${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}). ` +
        "Reinstall dependencies with `npm install`.",
    );
  }

  async function select(choice: BackendChoice): Promise<BackendInfo> {
    silenceTfjs();
    if (current && current.choice === choice && tf.getBackend() === current.info.tfjsBackend) {
      return current.info;
    }
    const info = choice === "auto" ? await selectFastest() : await selectNamed(choice);
    current = { choice, info };
    return info;
  }

  return {
    initBackend(options = {}) {
      const run = queue.then(() => select(options.backend ?? "auto"));
      queue = run.catch(() => undefined);
      return run;
    },
    async listBackends() {
      silenceTfjs();
      return Promise.all(candidates.map(async (c) => toBackendStatus(c.name, await probe(c))));
    },
  };
}

let defaultSelector: BackendSelector | undefined;

function selector(): BackendSelector {
  defaultSelector ??= createBackendSelector(defaultBackendCandidates());
  return defaultSelector;
}

/**
 * Loads and switches tfjs to a compute backend; call it once before any tensor work (until then no tfjs
 * backend is registered, because importing Carve loads none). "auto" tries, fastest first, `node-gpu`
 * (CUDA), `node`, `wasm` (SIMD), `cpu`, skipping any that is not installed or
 * fails to load, and reports those in `skipped`. Naming a backend that cannot be used throws
 * `BACKEND_UNAVAILABLE` with the command that installs it. Calling it again with the same choice returns the
 * same `BackendInfo` without reloading anything.
 *
 * Side effects on the process-wide tfjs engine: sets the `PROD` flag (silences tfjs's console advice), registers
 * the backend packages it loads, and on wasm adds the gradient kernels tfjs lacks there and wraps its strided
 * "same" convolutions, which are wrong in tfjs-backend-wasm 4.22 (see {@link registerWasmKernels}).
 */
export function initBackend(options?: InitBackendOptions): Promise<BackendInfo> {
  return selector().initBackend(options);
}

/**
 * Reports, fastest first, which backends can be used here and why the others cannot. Loads each installed
 * backend package (registering it with tfjs) but does not switch backends.
 */
export function listBackends(): Promise<BackendStatus[]> {
  return selector().listBackends();
}
