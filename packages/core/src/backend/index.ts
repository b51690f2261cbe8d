/**
 * Choosing and initialising the TF.js compute backend. This module is the only importer of backend packages,
 * and it loads them only when `initBackend` or `listBackends` runs.
 */
export { BACKEND_NAMES, parseBackendName, type BackendChoice, type BackendName } from "./backend-name.js";
export type { BackendDetails } from "./backend-catalog.js";
export type { BackendStatus } from "./probe-backend.js";
export { initBackend, listBackends, type BackendInfo, type InitBackendOptions } from "./select-backend.js";
export { registerWasmKernels, type WasmKernelChanges } from "./wasm-kernels/register-wasm-kernels.js";
