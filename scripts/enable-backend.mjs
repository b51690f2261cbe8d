#!/usr/bin/env node
// Installs TensorFlow.js's native backend so Carve's "auto" backend choice picks it up:
//   npm run enable-node   →  @tensorflow/tfjs-node      (TensorFlow C library, CPU)
//   npm run enable-gpu    →  @tensorflow/tfjs-node-gpu  (TensorFlow C library, CUDA)
// The package is installed at the repository root with --no-save: it stays optional, the lockfile does not change,
// and a later `npm install` / `npm ci` removes it again. After installing, a separate Node process imports it, so a
// broken native library is reported here rather than at Carve's first run.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import console from "node:console";
import process from "node:process";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

const TARGETS = {
  node: { packageName: "@tensorflow/tfjs-node", carveName: "node", command: "npm run enable-node" },
  gpu: { packageName: "@tensorflow/tfjs-node-gpu", carveName: "node-gpu", command: "npm run enable-gpu" },
};

const which = process.argv[2];
const target = TARGETS[which];
if (!target) {
  console.error(
    `usage: node scripts/enable-backend.mjs node|gpu   (received ${JSON.stringify(which ?? "")})`,
  );
  process.exit(2);
}

/** Every @tensorflow/* package must share one version so there is one tfjs-core engine; follow the installed core. */
function tfjsVersion() {
  try {
    const require = createRequire(join(repoRoot, "packages", "core", "package.json"));
    return JSON.parse(readFileSync(require.resolve("@tensorflow/tfjs-core/package.json"), "utf8")).version;
  } catch {
    return "4.22.0";
  }
}

const version = tfjsVersion();
const spec = `${target.packageName}@${version}`;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

console.log(`Installing ${spec} at ${repoRoot} (npm install --no-save)…`);
console.log("Its install step downloads the TensorFlow C library; this can take a few minutes.\n");
const install = spawnSync(npm, ["install", "--no-save", "--no-audit", "--no-fund", spec], {
  cwd: repoRoot,
  stdio: "inherit",
  shell: process.platform === "win32",
});

function explainFailure(headline) {
  const gpu = which === "gpu";
  console.error(`
✘ ${headline}

${target.packageName} is not a pure npm package: its install step (scripts/install.js) downloads
  - the TensorFlow C library 2.9.1 (libtensorflow, ${gpu ? "the CUDA build, several hundred MB" : "about 100 MB"}) from
    https://storage.googleapis.com/tensorflow/libtensorflow/
  - its prebuilt Node addon from https://storage.googleapis.com/tf-builds/pre-built-binary/
so it needs internet access beyond the npm registry. Check:
  1. npm's output above for the first error (ENOTFOUND / ETIMEDOUT / ECONNREFUSED mean no route to storage.googleapis.com);
  2. a proxy, if you need one: HTTPS_PROXY in the environment (npm's own proxy setting does not reach the download);
  3. a mirror, if googleapis is blocked: TFJS_NODE_CDN_STORAGE or TFJS_NODE_BASE_URI (see the package's scripts/install.js);
  4. the platform: libtensorflow builds exist for Linux, macOS and Windows on x64 (GPU: Linux and Windows x64
     only) and CPU-only for arm64, where the Node addon may have to be compiled (python and a C++ toolchain)${
       gpu
         ? ";\n  5. for the GPU build: an NVIDIA driver with CUDA 11.2 and cuDNN 8.1 (what TensorFlow 2.9 is built against)"
         : ""
     }.
Carve keeps working without it: "auto" uses the WebAssembly backend.`);
  process.exit(1);
}

if (install.error) explainFailure(`Could not run npm: ${install.error.message}`);
if (install.status !== 0) {
  explainFailure(`npm install ${spec} failed (exit code ${install.status ?? `signal ${install.signal}`}).`);
}

// Load it in a fresh process: a native library that fails to load (or crashes) must not take this script down.
const check = spawnSync(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    `
    import { createRequire } from "node:module";
    const require = createRequire(process.cwd() + "/package.json");
    const tf = await import(${JSON.stringify(target.packageName)});
    const ownCore = createRequire(require.resolve(${JSON.stringify(target.packageName)})).resolve("@tensorflow/tfjs-core");
    const rootCore = require.resolve("@tensorflow/tfjs-core");
    await tf.ready();
    console.log(JSON.stringify({ backend: tf.getBackend(), version: tf.version?.["tfjs-node"], sameCore: ownCore === rootCore }));
    `,
  ],
  { cwd: repoRoot, encoding: "utf8" },
);

const lastLine = check.stdout.trim().split("\n").at(-1) ?? "";
let report;
try {
  report = JSON.parse(lastLine);
} catch {
  report = undefined;
}
if (check.status !== 0 || !report) {
  if (check.stderr.trim()) console.error(check.stderr.trim());
  explainFailure(`${spec} installed, but importing it failed (the native library did not load).`);
}
if (report.backend !== "tensorflow") {
  explainFailure(`${spec} loaded, but tfjs is on "${report.backend}" instead of its "tensorflow" backend.`);
}

console.log(`
✔ ${spec} is installed and loads (tfjs backend "tensorflow").
  Carve's "auto" backend now picks "${target.carveName}"; force it with CARVE_BACKEND=${target.carveName} or --backend ${target.carveName}.
  \`npx carve backends\` shows the choice. It was installed with --no-save: after \`npm install\` or \`npm ci\`, run
  \`${target.command}\` again.`);
if (!report.sameCore) {
  console.warn(`
⚠ ${target.packageName} resolved its own copy of @tensorflow/tfjs-core: two engines would not share tensors or
  backends. Run \`npm dedupe\` at the repository root, or check that every @tensorflow/* package is ${version}.`);
}
