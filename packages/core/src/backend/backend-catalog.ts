import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "./backend-name.js";
import { registerWasmKernels } from "./wasm-kernels/register-wasm-kernels.js";

/** What a backend reports about itself once tfjs has switched to it. */
export interface BackendDetails {
  /** Human text for logs and the UI, e.g. "WebAssembly (SIMD, 1 thread)". */
  description: string;
  /** Whether WebAssembly SIMD is in use (wasm only). */
  simd?: boolean;
  /** Worker threads doing the math, when the backend says (wasm only). */
  threads?: number;
}

/**
 * One way of running tfjs kernels: the package that provides it, how to load it, and how to describe it.
 * The catalog below is the only place in Carve that imports backend packages.
 */
export interface BackendCandidate {
  name: BackendName;
  /** The npm package that registers the backend when imported. */
  packageName: string;
  /** The name the package registers in tfjs's backend registry (what `tf.getBackend()` returns). */
  tfjsBackend: string;
  /** What the user runs to install the package, shown when it is missing or broken. */
  installHint: string;
  /** Whether the package is on disk, found without executing it. */
  isInstalled(): boolean;
  /** Imports the package (which registers its backend with tfjs) and adds any kernels Carve supplies for it. */
  load(): Promise<void>;
  /** Called after `tf.setBackend` succeeded. */
  describe(): Promise<BackendDetails>;
}

const require = createRequire(import.meta.url);

function isResolvable(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/**
 * The native packages are optional and usually absent, so they are imported through a variable: TypeScript
 * does not look for their types, and nothing is resolved until the import runs.
 */
async function importOptional(packageName: string): Promise<void> {
  await import(packageName);
}

function nativeCandidate(
  name: "node" | "node-gpu",
  packageName: string,
  installHint: string,
  description: string,
): BackendCandidate {
  return {
    name,
    packageName,
    tfjsBackend: "tensorflow",
    installHint,
    isInstalled: () => isResolvable(packageName),
    load: () => importOptional(packageName),
    describe: async () => ({ description }),
  };
}

function wasmCandidate(): BackendCandidate {
  let threadsCount: (() => number) | undefined;
  return {
    name: "wasm",
    packageName: "@tensorflow/tfjs-backend-wasm",
    tfjsBackend: "wasm",
    installHint: "`npm install` (it is a dependency of @carve/core)",
    isInstalled: () => isResolvable("@tensorflow/tfjs-backend-wasm"),
    load: async () => {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      threadsCount = wasm.getThreadsCount;
      registerWasmKernels();
    },
    describe: async () => {
      const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
      let threads = 1;
      try {
        threads = threadsCount?.() ?? 1;
      } catch {
        // getThreadsCount throws before the backend is initialised; describe runs after, so keep the default.
      }
      const threadText = `${threads} thread${threads === 1 ? "" : "s"}`;
      return { description: `WebAssembly (${simd ? "SIMD" : "no SIMD"}, ${threadText})`, simd, threads };
    },
  };
}

function cpuCandidate(): BackendCandidate {
  return {
    name: "cpu",
    packageName: "@tensorflow/tfjs-backend-cpu",
    tfjsBackend: "cpu",
    installHint: "`npm install` (it is a dependency of @carve/core)",
    isInstalled: () => isResolvable("@tensorflow/tfjs-backend-cpu"),
    load: async () => {
      await import("@tensorflow/tfjs-backend-cpu");
    },
    describe: async () => ({ description: "plain JavaScript (slowest; no native or WebAssembly code)" }),
  };
}

/** The candidates "auto" tries, fastest first. Creating them loads nothing. */
export function defaultBackendCandidates(): BackendCandidate[] {
  return [
    nativeCandidate(
      "node-gpu",
      "@tensorflow/tfjs-node-gpu",
      "`npm run enable-gpu` at the repository root (it downloads the TensorFlow C library with CUDA support, " +
        "so it needs internet access and CUDA on this machine)",
      "TensorFlow C library with CUDA (@tensorflow/tfjs-node-gpu)",
    ),
    nativeCandidate(
      "node",
      "@tensorflow/tfjs-node",
      "`npm run enable-node` at the repository root (it downloads the TensorFlow C library, " +
        "so it needs internet access)",
      "TensorFlow C library on the CPU (@tensorflow/tfjs-node)",
    ),
    wasmCandidate(),
    cpuCandidate(),
  ];
}
