/**
 * What the benchmark records around each task: wall time, peak resident memory and peak tensor memory.
 * Kernels are synchronous, so a timer alone would miss the peaks inside long stretches of tensor work; tasks
 * also call `sample()` from their progress callbacks, between units of work.
 */
import os from "node:os";

import * as tf from "@tensorflow/tfjs-core";

import { kernelMemory } from "../fastcar/next-linear-kernel.js";

export interface Measured<T> {
  value: T;
  seconds: number;
  /**
   * CPU seconds of this process while the task ran (user + system). On a shared machine wall time grows with
   * the others' load; CPU time is what the computation itself cost (the wasm backend runs one thread).
   */
  cpuSeconds: number;
  /** Largest resident set size seen while the task ran (bytes). */
  peakRss: number;
  /**
   * Largest tf.memory().numBytes seen while the task ran, plus the chunk states Carve's WebAssembly kernel
   * held outside tfjs (bytes). tfjs counts a reshaped view's bytes again, so this overstates memory held when
   * views are alive; `heapBytes` is what the backend really allocated.
   */
  peakTensorBytes: number;
  /** Size of the wasm heap after the task: its high-water mark so far in the process (it never shrinks). */
  heapBytes: number;
}

/** Bytes of the wasm backend's heap (0 on other backends). */
export function wasmHeapBytes(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength ?? 0;
}

export class Sampler {
  peakRss = 0;
  peakTensorBytes = 0;

  sample = (): void => {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
    this.peakTensorBytes = Math.max(this.peakTensorBytes, tf.memory().numBytes + kernelMemory().live);
  };
}

/** Runs `task` with a fresh sampler (timer every 20 ms plus the task's own `sample()` calls). */
export async function measure<T>(task: (sample: () => void) => Promise<T>): Promise<Measured<T>> {
  const sampler = new Sampler();
  sampler.sample();
  const timer = setInterval(sampler.sample, 20);
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    const value = await task(sampler.sample);
    sampler.sample();
    return {
      value,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: cpuSince(cpu),
      peakRss: sampler.peakRss,
      peakTensorBytes: sampler.peakTensorBytes,
      heapBytes: wasmHeapBytes(),
    };
  } finally {
    clearInterval(timer);
  }
}

/** CPU seconds (user + system) of this process since `start` (a `process.cpuUsage()` reading). */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGB: number;
  node: string;
  platform: string;
  /** 1-minute load averages at the start and the end of the run: the machine is shared. */
  loadAverage: { start: number; end?: number; peak?: number };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: os.loadavg()[0]! },
  };
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
