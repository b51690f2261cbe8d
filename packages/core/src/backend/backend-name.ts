import { CarveError } from "../errors.js";

/**
 * The compute backends Carve knows, fastest first. "auto" (see {@link BackendChoice}) walks this list and takes
 * the first one that loads.
 */
export const BACKEND_NAMES = ["node-gpu", "node", "wasm", "cpu"] as const;

/**
 * - `node-gpu`: the TensorFlow C library with CUDA, from `@tensorflow/tfjs-node-gpu` (`npm run enable-gpu`).
 * - `node`: the TensorFlow C library on the CPU, from `@tensorflow/tfjs-node` (`npm run enable-node`).
 * - `wasm`: XNNPACK compiled to WebAssembly, from `@tensorflow/tfjs-backend-wasm` (always installed).
 * - `cpu`: plain JavaScript, from `@tensorflow/tfjs-backend-cpu` (always installed, slowest).
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A backend name, or "auto" for the fastest one that is installed and loads. */
export type BackendChoice = BackendName | "auto";

const CHOICES: readonly BackendChoice[] = ["auto", ...BACKEND_NAMES];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/**
 * Reads a backend choice from user input (a CLI flag, `CARVE_BACKEND`, a form field). Case and surrounding
 * blanks are ignored; anything else throws `INVALID_ARGUMENT` listing the valid names.
 */
export function parseBackendName(value: string): BackendChoice {
  const normalised = value.trim().toLowerCase();
  if (normalised === "auto" || isBackendName(normalised)) return normalised;
  throw new CarveError(
    "INVALID_ARGUMENT",
    `parseBackendName: expected one of ${CHOICES.join(", ")}; received ${JSON.stringify(value)}. ` +
      `Use "auto" to take the fastest installed backend.`,
  );
}
