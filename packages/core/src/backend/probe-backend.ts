import type { BackendCandidate } from "./backend-catalog.js";
import type { BackendName } from "./backend-name.js";

/** Whether a backend can be used here, and if not, why and what to do. */
export interface BackendStatus {
  name: BackendName;
  /** The package is installed and loaded without error (tfjs may still fail to initialise it). */
  available: boolean;
  /** Set when not available: "not installed …" or the load error, with the command that fixes it. */
  reason?: string;
}

/** The outcome of importing a backend's package, kept so each package is imported at most once. */
export type ProbeResult =
  | { kind: "loaded" }
  | { kind: "not-installed"; reason: string }
  | { kind: "failed"; reason: string; error: unknown };

/** The message of anything thrown (Emscripten rejects with plain `{ message }` objects). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return String(error);
}

/**
 * Imports a candidate's package and classifies the outcome. "Not installed" is decided by resolving the
 * package before importing it, so a package that is present but whose native library is missing (its
 * `.node` binding fails with MODULE_NOT_FOUND too) counts as failed, not absent.
 */
export async function probeBackend(candidate: BackendCandidate): Promise<ProbeResult> {
  if (!candidate.isInstalled()) {
    return {
      kind: "not-installed",
      reason: `${candidate.packageName} is not installed; install it with ${candidate.installHint}`,
    };
  }
  try {
    await candidate.load();
    return { kind: "loaded" };
  } catch (error) {
    return {
      kind: "failed",
      error,
      reason:
        `${candidate.packageName} is installed but failed to load (${messageOf(error)}); ` +
        `reinstall it with ${candidate.installHint} and check that command's output`,
    };
  }
}

/** Memoises {@link probeBackend} per backend name: a package's import runs once per process. */
export function createProbeCache(): (candidate: BackendCandidate) => Promise<ProbeResult> {
  const results = new Map<BackendName, Promise<ProbeResult>>();
  return (candidate) => {
    let result = results.get(candidate.name);
    if (!result) {
      result = probeBackend(candidate);
      results.set(candidate.name, result);
    }
    return result;
  };
}

export function toBackendStatus(name: BackendName, probe: ProbeResult): BackendStatus {
  return probe.kind === "loaded"
    ? { name, available: true }
    : { name, available: false, reason: probe.reason };
}
