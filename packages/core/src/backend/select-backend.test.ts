import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CarveError, isCarveError } from "../errors.js";
import { defaultBackendCandidates, type BackendCandidate } from "./backend-catalog.js";
import { parseBackendName } from "./backend-name.js";
import { createBackendSelector, initBackend, listBackends } from "./select-backend.js";

const resolvable = (name: string) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};
const nativeInstalled = resolvable("@tensorflow/tfjs-node") || resolvable("@tensorflow/tfjs-node-gpu");

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

afterEach(() => {
  vi.restoreAllMocks();
});

// The tests in this file share one process and run in order: the first two need a tfjs nobody has touched.
describe("initBackend", () => {
  it("registers no tfjs backend merely by being imported", () => {
    expect(tf.findBackendFactory("wasm")).toBeNull();
    expect(tf.findBackendFactory("cpu")).toBeNull();
  });

  it("keeps the cpu backend's 'Hi, looks like you are running TensorFlow.js in Node.js' banner off the console", async () => {
    const printed: string[] = [];
    const capture = (...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    };
    for (const method of ["log", "info", "warn", "error"] as const)
      vi.spyOn(console, method).mockImplementation(capture);
    const write = vi.spyOn(process.stdout, "write");

    const info = await initBackend({ backend: "cpu" });
    // The banner is printed on the cpu backend's first write of tensor data.
    const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);

    expect(info).toMatchObject({ name: "cpu", tfjsBackend: "cpu", skipped: [] });
    expect(sum).toBe(6);
    expect(printed).toEqual([]);
    expect(write).not.toHaveBeenCalled();
  });

  it.skipIf(nativeInstalled)(
    "picks wasm under auto when neither native TensorFlow package is installed",
    async () => {
      const info = await initBackend();
      expect(info.name).toBe("wasm");
      expect(info.tfjsBackend).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      expect(info.simd).toBeTypeOf("boolean");
      expect(info.threads).toBe(1);
      expect(info.description).toMatch(/^WebAssembly \((SIMD|no SIMD), 1 thread\)$/);
      expect(info.skipped.map((s) => s.name)).toEqual(["node-gpu", "node"]);
      expect(info.skipped[0]!.reason).toContain("npm run enable-gpu");
      expect(info.skipped[1]!.reason).toContain("npm run enable-node");
    },
  );

  it("returns the same info without reloading anything when called again with the same choice", async () => {
    const first = await initBackend({ backend: "auto" });
    const started = performance.now();
    const second = await initBackend();
    expect(second).toBe(first);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("switches tfjs back if something else moved it to another backend in between", async () => {
    const info = await initBackend();
    await tf.setBackend("cpu");
    expect(await initBackend()).toEqual(info);
    expect(tf.getBackend()).toBe(info.tfjsBackend);
  });

  it("answers concurrent calls one after another, ending on the backend asked for last", async () => {
    const [a, b, c] = await Promise.all([
      initBackend({ backend: "cpu" }),
      initBackend({ backend: "wasm" }),
      initBackend({ backend: "cpu" }),
    ]);
    expect([a.name, b.name, c.name]).toEqual(["cpu", "wasm", "cpu"]);
    expect(tf.getBackend()).toBe("cpu");
  });

  it.skipIf(nativeInstalled)(
    "throws BACKEND_UNAVAILABLE naming `npm run enable-node` when node is asked for but not installed",
    async () => {
      await initBackend({ backend: "wasm" });
      const error = await thrown(initBackend({ backend: "node" }));
      expect(isCarveError(error, "BACKEND_UNAVAILABLE")).toBe(true);
      expect((error as CarveError).message).toMatch(/"node" backend/);
      expect((error as CarveError).message).toContain("@tensorflow/tfjs-node");
      expect((error as CarveError).message).toContain("npm run enable-node");
      // A failed request leaves the previous backend in place.
      expect(tf.getBackend()).toBe("wasm");
    },
  );

  it.skipIf(nativeInstalled)(
    "names `npm run enable-gpu` when node-gpu is asked for but not installed",
    async () => {
      const error = await thrown(initBackend({ backend: "node-gpu" }));
      expect(isCarveError(error, "BACKEND_UNAVAILABLE")).toBe(true);
      expect((error as CarveError).message).toContain("npm run enable-gpu");
    },
  );
});

describe("listBackends", () => {
  it.skipIf(nativeInstalled)(
    "lists every backend fastest first, with the reason and the fix for missing ones",
    async () => {
      const list = await listBackends();
      expect(list.map((b) => [b.name, b.available])).toEqual([
        ["node-gpu", false],
        ["node", false],
        ["wasm", true],
        ["cpu", true],
      ]);
      expect(list[0]!.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed.*npm run enable-gpu/);
      expect(list[2]!.reason).toBeUndefined();
    },
  );
});

describe("parseBackendName", () => {
  it("accepts every backend name and auto, ignoring case and blanks", () => {
    expect(["auto", "node-gpu", "node", "wasm", "cpu"].map(parseBackendName)).toEqual([
      "auto",
      "node-gpu",
      "node",
      "wasm",
      "cpu",
    ]);
    expect(parseBackendName("  WASM ")).toBe("wasm");
  });

  it.each(["", "gpu", "tensorflow", "webgl", "wasm-simd"])(
    "rejects %j with INVALID_ARGUMENT listing the valid names",
    (junk) => {
      let error: unknown;
      try {
        parseBackendName(junk);
      } catch (e) {
        error = e;
      }
      expect(isCarveError(error, "INVALID_ARGUMENT")).toBe(true);
      expect((error as CarveError).message).toContain("auto, node-gpu, node, wasm, cpu");
      expect((error as CarveError).message).toContain(JSON.stringify(junk));
    },
  );
});

describe("a selector over installed-but-broken packages", () => {
  const realCandidates = defaultBackendCandidates().filter((c) => c.name === "wasm" || c.name === "cpu");

  function fake(overrides: Partial<BackendCandidate> & Pick<BackendCandidate, "name">): BackendCandidate {
    return {
      packageName: `@fake/${overrides.name}`,
      tfjsBackend: `fake-${overrides.name}`,
      installHint: `\`npm run enable-${overrides.name}\``,
      isInstalled: () => true,
      load: async () => undefined,
      describe: async () => ({ description: "fake" }),
      ...overrides,
    };
  }

  const brokenBinary = new Error(
    "libcudart.so.11.0: cannot open shared object file: No such file or directory",
  );

  it("skips a package whose import fails under auto, and says why", async () => {
    const load = vi.fn(async () => {
      throw brokenBinary;
    });
    const selector = createBackendSelector([
      fake({ name: "node-gpu", load }),
      fake({ name: "node", isInstalled: () => false }),
      ...realCandidates,
    ]);
    const info = await selector.initBackend();
    expect(info.name).toBe("wasm");
    expect(info.skipped).toEqual([
      {
        name: "node-gpu",
        available: false,
        reason: expect.stringContaining("failed to load (libcudart.so.11.0"),
      },
      { name: "node", available: false, reason: expect.stringContaining("@fake/node is not installed") },
    ]);
    // The failed import is remembered, not retried on every call.
    await selector.listBackends();
    await selector.initBackend({ backend: "cpu" });
    await selector.initBackend();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("throws BACKEND_UNAVAILABLE carrying the import error when the broken package is asked for", async () => {
    const selector = createBackendSelector([
      fake({
        name: "node-gpu",
        load: async () => {
          throw brokenBinary;
        },
      }),
      ...realCandidates,
    ]);
    const error = await thrown(selector.initBackend({ backend: "node-gpu" }));
    expect(isCarveError(error, "BACKEND_UNAVAILABLE")).toBe(true);
    expect((error as CarveError).message).toContain("libcudart.so.11.0");
    expect((error as CarveError).message).toContain("npm run enable-node-gpu");
    expect((error as CarveError).cause).toBe(brokenBinary);
  });

  it("skips a backend that loads but that tfjs cannot initialise, reporting the initialiser's error", async () => {
    const selector = createBackendSelector([
      fake({
        name: "node",
        tfjsBackend: "fake-broken-init",
        load: async () => {
          tf.registerBackend("fake-broken-init", async () => {
            throw new Error("no TensorFlow device found");
          });
        },
      }),
      ...realCandidates,
    ]);
    const info = await selector.initBackend();
    expect(info.name).toBe("wasm");
    expect(info.skipped[0]!.reason).toContain("no TensorFlow device found");
    expect(tf.getBackend()).toBe("wasm");
  });
});
