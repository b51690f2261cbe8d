/**
 * `CarSession`: exact CAR of many filters on one evaluation set, an order of magnitude faster than one masked
 * forward pass per filter, with the same results.
 *
 * Work is organised in chunks of images (sized to the memory budget; each chunk a seeded random sample of the
 * set, so a prefix of chunks is a fair subsample for the adaptive race). Per chunk, one forward pass of the
 * base network hands every scored group's plan the tensors it needs (plan.ts: head, next-linear or general);
 * each plan then produces the base network's outputs and each filter's, which are reduced to paired flip
 * counts (b right→wrong, c wrong→right), class-wise flips and loss differences — the statistics of CAR.
 *
 * Exactness: the plans compute the same mathematical outputs as the naive pass, by different float32
 * arithmetic. Correctness differs only where the label's output and the best other output are within
 * rounding; those (filter, image) pairs are settled by the naive masked pass itself (outcome.ts), so flips,
 * drops and class-wise CAR are the naive method's; loss increases agree to float32 rounding (~1e-7).
 *
 * Reuse: a session keeps chunk states between calls while they fit in the budget, and `score` with a larger
 * base removal updates them instead of recomputing (a removed filter of the plan's own group is subtracted;
 * a removal downstream of what a plan cached leaves it valid). That is what makes greedy pruning fast: the
 * weights do not change between its steps unless it fine-tunes (then a new session is needed).
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { type GraphAnalysis, resolveAnalysis } from "../graph/channel-graph.js";
import type { ChannelGraph } from "../graph/index.js";
import { type FilterRemoval, withRemoved } from "../mask/index.js";
import { type OperationControl, checkpoint } from "../util/operation.js";
import { createRng, permutation } from "../util/random.js";
import { Executor, type MaskSet, type StepReplacement } from "./executor.js";
import { FoldedBatchNorms } from "./fast-forward.js";
import { GeneralPlanRunner } from "./general-plan.js";
import { HeadPlanRunner } from "./head-plan.js";
import {
  BYTES_PER_FLOAT,
  DEFAULT_MEMORY_BUDGET_MB,
  MAX_CHUNK_IMAGES,
  budgetBytes,
  peakLiveFloats,
} from "./memory.js";
import { kernelMemory } from "./next-linear-kernel.js";
import { NextLinearPlanRunner } from "./next-linear-plan.js";
import { emptyOutcome, rowOutcome, softmaxRowOutcome } from "./outcome.js";
import { type PlanKind, planGroup } from "./plan.js";
import type { ChunkState, PlanRunner, RowVisitor } from "./runner.js";

export interface CarSessionOptions {
  /** The evaluation set. */
  dataset: Dataset;
  /** Tensors and caches the session may hold, in MiB (default 256). */
  memoryBudgetMB?: number;
  /** Count flips per true class too (default false). */
  classwise?: boolean;
  /** Seed of the order images are visited in (default 0); results do not depend on it. */
  seed?: number;
  /** Largest chunk of images (default 1024). */
  maxChunkImages?: number;
  /**
   * How the visiting order is cut into chunks. "uniform" (default): chunks of `chunkImages`. "race" (the
   * adaptive race): segments ending at N/32, N/16, then every N/16 images seen (`raceEnds`), each cut into
   * near-equal chunks of at most `chunkImages` (a segment smaller than that is one chunk).
   */
  schedule?: "uniform" | "race";
  /** "race" only: fewest images seen at the first segment's end (default 250). */
  firstCheckImages?: number;
  /** The model's channel graph, if already built. */
  graph?: ChannelGraph;
  /** Which plans may be used; default all. Tests force "general" to check it against the shortcuts. */
  plans?: readonly PlanKind[];
  /**
   * Whether the next-linear plan may run in Carve's WebAssembly SIMD kernel where its chain fits
   * (next-linear-kernel.ts). Default: on the cpu and wasm backends, whose per-op costs it saves; native and
   * GPU backends keep their own kernels. Tests turn it off to check it against the tfjs ops.
   */
  wasmKernel?: boolean;
}

/** The paired statistics of one filter on the images it was evaluated on. */
export interface FilterTally {
  filter: number;
  images: number;
  /** b: right in the base network, wrong without the filter. */
  rightToWrong: number;
  /** c: wrong in the base network, right without the filter. */
  wrongToRight: number;
  /** Σ over images of loss without the filter − loss of the base network (float64 sum). */
  lossDelta: number;
  classRightToWrong?: Float64Array;
  classWrongToRight?: Float64Array;
}

export interface GroupTallies {
  groupId: string;
  plan: PlanKind;
  /** How the plan's per-filter passes ran: tfjs ops, or Carve's WebAssembly SIMD kernel. */
  kernel: "tfjs" | "wasm-simd";
  /** One per remaining filter; empty when a single filter remains (it cannot be removed). */
  filters: FilterTally[];
}

/** What the engine did, for benchmarks and tests. */
export interface EngineStats {
  /** (filter, image) outcomes computed, the base network's not counted. */
  filterImageEvaluations: number;
  /** (filter, image) pairs whose correctness was settled by the naive pass (rounding-close outputs). */
  rechecks: number;
  /** Images per chunk. */
  chunkImages: number;
  /** Largest images × stacked copies in one batched pass. */
  maxStacked: number;
  /** The bound `maxStacked` is held to. */
  stackLimit: number;
  /** Chunk states built by a forward pass, and reused (updated) from an earlier call. */
  statesBuilt: number;
  statesReused: number;
  /** Bytes of chunk states kept between calls. */
  retainedBytes: number;
  /**
   * Largest tf.memory().numBytes seen inside the engine's work (model weights included), plus the chunk
   * states the WebAssembly kernel holds outside tfjs.
   */
  peakTensorBytes: number;
  /** Seconds spent per phase: "forward" (base passes), "prepare:<plan>", "evaluate:<plan>", "recheck", "tally". */
  seconds: Record<string, number>;
}

export interface SessionScore {
  images: number;
  /** Images the base network classifies correctly (in all, and per class), and its summed loss. */
  baseRight: number;
  baseRightByClass: Float64Array;
  baseLossSum: number;
  groups: GroupTallies[];
  stats: EngineStats;
}

/** Receives settled outcomes of a chunk. */
export interface OutcomeSink {
  /** The base network on image `image` (dataset index); called once per image per pass. */
  base?(image: number, correct: boolean, loss: number): void;
  /** Filter `filter` of group `group` (analysis index) on image `image`. */
  filter(
    group: number,
    filter: number,
    image: number,
    baseCorrect: boolean,
    correct: boolean,
    lossDelta: number,
  ): void;
}

interface CachedState {
  base: FilterRemoval;
  state: ChunkState;
}

interface Chunk {
  /** Dataset indices of the chunk's images. */
  indices: Uint32Array;
}

/** Fewest images in the first segment of a "race" schedule. */
const FIRST_CHECK_IMAGES = 250;
/** A "race" schedule tests every N/RACE_STEPS images after its first two tests. */
const RACE_STEPS = 16;

/**
 * Ends of the segments of a "race" schedule over `images`: N/32, N/16, 2N/16, 3N/16, …, N, dropping ends
 * before `firstCheckImages` (N always stays). Early tests rarely eliminate (the lowest CARs differ by a few
 * images) and each one splits the error budget δ further, so they are few; late tests are where the race
 * gains — filters a little worse than the leader separate after half the set or more, and the normal bound's
 * finite-population correction narrows as the unseen share shrinks — so they come every N/16.
 */
export function raceEnds(images: number, firstCheckImages: number): number[] {
  const fractions = [1 / 32, ...Array.from({ length: RACE_STEPS }, (_, k) => (k + 1) / RACE_STEPS)];
  const ends = fractions
    .map((f) => Math.round(f * images))
    .filter((end) => end >= Math.max(1, firstCheckImages) && end < images);
  return [...new Set([...ends, images])];
}

function copyRemoval(removal: FilterRemoval): FilterRemoval {
  return new Map([...removal].map(([id, filters]) => [id, new Set(filters)]));
}

/** Filters `next` removes beyond `previous`, or null when `previous` is not contained in `next`. */
function addedRemoval(previous: FilterRemoval, next: FilterRemoval): Map<string, number[]> | null {
  for (const [id, filters] of previous) {
    const now = next.get(id);
    for (const f of filters) if (!now?.has(f)) return null;
  }
  const added = new Map<string, number[]>();
  for (const [id, filters] of next) {
    const before = previous.get(id);
    const extra = [...filters].filter((f) => !before?.has(f));
    if (extra.length > 0) added.set(id, extra);
  }
  return added;
}

/**
 * A plan's rows for one group on one chunk, turned into per-image outcomes. The per-row and per-image loops
 * live in small functions of their own: inside processChunk (a long async method) V8 recompiled them with the
 * whole method on every call, which cost as much CPU as a tenth of the engine's work.
 */
class ChunkRows {
  readonly baseLoss: Float64Array;
  readonly baseCorrect: Uint8Array;
  readonly baseAmbiguous: number[] = [];
  readonly loss: Float64Array[];
  readonly correct: Uint8Array[];
  /** Per filter, the images whose outcome is within rounding of a tie (settled by the naive pass). */
  readonly pending: number[][];
  private readonly slot: Map<number, number>;
  private readonly outcome = emptyOutcome();

  constructor(
    filters: readonly number[],
    images: number,
    private readonly classes: number,
    private readonly labels: Int32Array,
    private readonly indices: Uint32Array,
  ) {
    this.baseLoss = new Float64Array(images);
    this.baseCorrect = new Uint8Array(images);
    this.slot = new Map(filters.map((f, k) => [f, k]));
    this.loss = filters.map(() => new Float64Array(images));
    this.correct = filters.map(() => new Uint8Array(images));
    this.pending = filters.map(() => []);
  }

  readonly visit: RowVisitor = (filter, rows, kind, first) => {
    const { classes, labels, indices, outcome } = this;
    const count = rows.length / classes;
    const k = filter === null ? -1 : this.slot.get(filter)!;
    const loss = k < 0 ? this.baseLoss : this.loss[k]!;
    const correct = k < 0 ? this.baseCorrect : this.correct[k]!;
    const ambiguous = k < 0 ? this.baseAmbiguous : this.pending[k]!;
    for (let r = 0; r < count; r++) {
      const i = first + r;
      const label = labels[indices[i]!]!;
      if (kind === "softmax-logits") softmaxRowOutcome(rows, r, classes, label, outcome);
      else rowOutcome(rows, r, classes, label, kind, outcome);
      loss[i] = outcome.loss;
      correct[i] = outcome.predicted === label ? 1 : 0;
      if (outcome.ambiguous) ambiguous.push(i);
    }
  };
}

function reportBase(
  sink: OutcomeSink,
  indices: Uint32Array,
  baseCorrect: Uint8Array,
  baseLoss: Float64Array,
): void {
  for (let i = 0; i < indices.length; i++) sink.base!(indices[i]!, baseCorrect[i] === 1, baseLoss[i]!);
}

function reportFilter(
  sink: OutcomeSink,
  group: number,
  filter: number,
  indices: Uint32Array,
  baseCorrect: Uint8Array,
  baseLoss: Float64Array,
  correct: Uint8Array,
  loss: Float64Array,
): void {
  for (let i = 0; i < indices.length; i++) {
    sink.filter(group, filter, indices[i]!, baseCorrect[i] === 1, correct[i] === 1, loss[i]! - baseLoss[i]!);
  }
}

export class CarSession {
  readonly analysis: GraphAnalysis;
  readonly executor: Executor;
  readonly dataset: Dataset;
  readonly images: number;
  readonly chunkImages: number;
  readonly chunks: Chunk[];
  /**
   * Chunks after which the images seen form a segment of the schedule ("uniform": every chunk; "race":
   * N/32, N/16, then every N/16). The last is always the final chunk.
   */
  readonly checkpoints: readonly number[];
  private readonly labels: Int32Array;
  private readonly classes: number;
  private readonly classwise: boolean;
  private readonly budget: number;
  private readonly runners = new Map<number, PlanRunner>();
  private readonly cache = new Map<number, Map<number, CachedState>>();
  private retained = 0;
  private readonly retainLimit: number;
  private readonly transientBudget: number;
  private readonly allowedPlans: ReadonlySet<PlanKind>;
  private readonly wasmKernel: boolean;
  private readonly folded: FoldedBatchNorms;
  private stats: EngineStats;
  private disposed = false;

  constructor(model: tfl.LayersModel, options: CarSessionOptions) {
    const memoryBudgetMB = options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
    if (!(memoryBudgetMB > 0) || !Number.isFinite(memoryBudgetMB)) {
      throw new CarveError(
        "INVALID_ARGUMENT",
        `CarSession: memoryBudgetMB must be a positive number of MiB, got ${memoryBudgetMB}`,
      );
    }
    this.analysis = resolveAnalysis(model, options.graph);
    this.executor = new Executor(this.analysis);
    this.executor.probe = this.probe;
    this.folded = new FoldedBatchNorms(this.analysis);
    this.allowedPlans = new Set(options.plans ?? ["head", "next-linear", "general"]);
    this.wasmKernel = options.wasmKernel ?? ["cpu", "wasm"].includes(tf.getBackend());
    this.dataset = options.dataset;
    this.images = options.dataset.size;
    this.labels = options.dataset.labels();
    this.classes = options.dataset.classNames.length;
    this.classwise = options.classwise ?? false;
    this.budget = budgetBytes(memoryBudgetMB);

    // 60% of the budget is for one chunk at work (every group's state plus the larger of a base forward
    // pass and one plan's work, per image, and stacked passes); 40% keeps chunk states between calls.
    const { topology } = this.analysis;
    let states = 0;
    let work =
      peakLiveFloats(this.analysis, 0, topology.steps.length - 1, [topology.inputSlots[0]!]) *
      BYTES_PER_FLOAT;
    this.analysis.groups.forEach((_, g) => {
      const runner = this.runner(g);
      states += runner.stateBytesPerImage;
      work = Math.max(work, runner.workBytesPerImage);
    });
    const maxChunk = Math.max(1, Math.floor(options.maxChunkImages ?? MAX_CHUNK_IMAGES));
    const working = 0.6 * this.budget;
    this.chunkImages = Math.max(1, Math.min(this.images, maxChunk, Math.floor(working / (states + work))));
    this.transientBudget = Math.max(this.chunkImages * work, working - this.chunkImages * states);
    this.retainLimit = this.budget - working;
    const order = permutation(this.images, createRng(options.seed ?? 0));
    this.chunks = [];
    const checkpoints: number[] = [];
    if (options.schedule === "race") {
      let start = 0;
      for (const end of raceEnds(this.images, options.firstCheckImages ?? FIRST_CHECK_IMAGES)) {
        const pieces = Math.ceil((end - start) / this.chunkImages);
        for (let k = 0; k < pieces; k++) {
          const from = start + Math.round(((end - start) * k) / pieces);
          const to = start + Math.round(((end - start) * (k + 1)) / pieces);
          this.chunks.push({ indices: order.slice(from, to) });
        }
        checkpoints.push(this.chunks.length - 1);
        start = end;
      }
    } else {
      for (let start = 0; start < this.images; start += this.chunkImages) {
        this.chunks.push({ indices: order.slice(start, start + this.chunkImages) });
        checkpoints.push(this.chunks.length - 1);
      }
    }
    this.checkpoints = checkpoints;
    this.stats = this.freshStats();
  }

  /** The plan used for a group. */
  planOf(groupId: string): PlanKind {
    return this.runner(this.executor.indexOf(groupId)).kind;
  }

  /**
   * Exact paired CAR statistics of every remaining filter of `groupIds` with `base` removed, on every image.
   * Checks `control.signal` between chunks (throws ABORTED); reports progress per chunk and group.
   */
  async score(
    groupIds: readonly string[],
    base: FilterRemoval,
    control: OperationControl = {},
  ): Promise<SessionScore> {
    this.checkLive();
    this.stats = this.freshStats();
    const groups = groupIds.map((id) => this.executor.indexOf(id));
    this.focus(groups, base);
    const remaining = groups.map((g) => this.remaining(g, base));
    const tallies = new Map<number, Map<number, FilterTally>>();
    groups.forEach((g, i) => {
      const list = remaining[i]!;
      tallies.set(g, new Map(list.length > 1 ? list.map((f) => [f, this.emptyTally(f)]) : []));
    });
    let baseRight = 0;
    let baseLossSum = 0;
    const baseRightByClass = new Float64Array(this.classes);
    const sink: OutcomeSink = {
      base: (image, correct, loss) => {
        if (correct) {
          baseRight++;
          baseRightByClass[this.labels[image]!]! += 1;
        }
        baseLossSum += loss;
      },
      filter: (g, f, image, baseCorrect, correct, lossDelta) => {
        const tally = tallies.get(g)!.get(f)!;
        tally.images++;
        tally.lossDelta += lossDelta;
        if (baseCorrect === correct) return;
        const label = this.labels[image]!;
        if (baseCorrect) {
          tally.rightToWrong++;
          if (tally.classRightToWrong) tally.classRightToWrong[label]! += 1;
        } else {
          tally.wrongToRight++;
          if (tally.classWrongToRight) tally.classWrongToRight[label]! += 1;
        }
      },
    };
    const work = groups.map((g, i) => ({ group: g, filters: remaining[i]!.length > 1 ? remaining[i]! : [] }));
    const total = this.chunks.length;
    const started = performance.now();
    for (let j = 0; j < this.chunks.length; j++) {
      await checkpoint(control.signal, "CAR scoring");
      await this.processChunk(j, work, base, sink);
      if (control.onProgress) {
        const elapsed = (performance.now() - started) / 1000;
        const done = j + 1;
        control.onProgress({
          phase: `scoring ${groupIds.join(", ")}: images ${Math.min(done * this.chunkImages, this.images)}/${this.images}`,
          done,
          total,
          etaSeconds: (elapsed / done) * (total - done),
        });
      }
    }
    return {
      images: this.images,
      baseRight,
      baseRightByClass,
      baseLossSum,
      groups: groups.map((g, i) => ({
        groupId: this.analysis.groups[g]!.id,
        plan: this.runner(g).kind,
        kernel: this.usesKernel(g) ? "wasm-simd" : "tfjs",
        filters: remaining[i]!.length > 1 ? remaining[i]!.map((f) => tallies.get(g)!.get(f)!) : [],
      })),
      stats: { ...this.stats, retainedBytes: this.retained },
    };
  }

  /**
   * Evaluates `work` (groups with the filters to score) on chunk `j` with `base` removed and hands every
   * settled outcome to `sink`. The base network's outcomes go to `sink.base` once per image (computed by the
   * first plan; all plans agree on correctness). Internal to the engine and the adaptive race.
   */
  async processChunk(
    j: number,
    work: ReadonlyArray<{ group: number; filters: readonly number[] }>,
    base: FilterRemoval,
    sink: OutcomeSink,
  ): Promise<void> {
    this.checkLive();
    const chunk = this.chunks[j]!;
    const n = chunk.indices.length;
    const masks = this.executor.masks(base);
    const active = work.filter((w) => w.filters.length > 0);
    const built: Array<{ group: number; cached: CachedState }> = [];
    try {
      if (active.length === 0) {
        if (sink.base) await this.canonicalBase(chunk, masks, sink);
        return;
      }
      const states = await this.ensureStates(
        j,
        active.map((w) => w.group),
        base,
        masks,
        built,
      );
      let reportedBase = false;
      for (const { group, filters } of active) {
        const runner = this.runner(group);
        const state = states.get(group)!;
        const rows = new ChunkRows(filters, n, this.classes, this.labels, chunk.indices);
        const stackLimit = this.stackLimit(runner);
        let since = performance.now();
        await runner.evaluate(state, filters, masks, stackLimit, rows.visit, this.probe);
        this.time(`evaluate:${runner.kind}`, since);
        since = performance.now();
        this.stats.maxStacked = Math.max(this.stats.maxStacked, runner.lastStacked);
        this.stats.stackLimit = Math.max(this.stats.stackLimit, stackLimit);
        this.stats.filterImageEvaluations += filters.length * n;
        // Settle rounding-close outcomes with the naive pass.
        const { baseCorrect, baseLoss, baseAmbiguous, correct, loss, pending } = rows;
        if (baseAmbiguous.length > 0) {
          const predicted = await this.canonicalPredicted(
            base,
            baseAmbiguous.map((i) => chunk.indices[i]!),
          );
          baseAmbiguous.forEach((i, r) => {
            baseCorrect[i] = predicted[r] === this.labels[chunk.indices[i]!] ? 1 : 0;
          });
          this.stats.rechecks += baseAmbiguous.length;
        }
        const groupId = this.analysis.groups[group]!.id;
        for (let k = 0; k < filters.length; k++) {
          const list = pending[k]!;
          if (list.length === 0) continue;
          const removal = withRemoved(base, groupId, [filters[k]!]);
          const predicted = await this.canonicalPredicted(
            removal,
            list.map((i) => chunk.indices[i]!),
          );
          list.forEach((i, r) => {
            correct[k]![i] = predicted[r] === this.labels[chunk.indices[i]!] ? 1 : 0;
          });
          this.stats.rechecks += list.length;
        }
        this.time("recheck", since);
        since = performance.now();
        if (!reportedBase && sink.base) reportBase(sink, chunk.indices, baseCorrect, baseLoss);
        reportedBase = true;
        for (let k = 0; k < filters.length; k++) {
          reportFilter(sink, group, filters[k]!, chunk.indices, baseCorrect, baseLoss, correct[k]!, loss[k]!);
        }
        this.time("tally", since);
      }
    } finally {
      masks.dispose();
      this.retainOrDispose(j, built);
    }
  }

  /**
   * Drops cached states of groups other than `groups`, so the room kept for reuse goes to the groups being
   * scored now (greedy pruning moves from layer to layer and does not come back). A dropped state that holds
   * what a focused group's plan captures first builds that group's state under `base` (see handOver).
   */
  focus(groups: readonly number[], base: FilterRemoval): void {
    const keep = new Set(groups);
    for (const [j, states] of this.cache) {
      for (const [g, entry] of states) {
        if (keep.has(g)) continue;
        this.handOver(states, g, entry, groups, base);
        this.retained -= entry.state.bytes;
        entry.state.dispose();
        states.delete(g);
      }
      if (states.size === 0) this.cache.delete(j);
    }
  }

  /**
   * Builds, from group `from`'s cached state of a chunk, the states of those of `groups` whose plans capture
   * what it holds — the WebAssembly kernel's state of one layer holds the next layer's Dense input, which
   * that layer's head plan captures — instead of a forward pass for them. Greedy pruning moving from conv1 to
   * conv2 starts there.
   */
  private handOver(
    states: Map<number, CachedState>,
    from: number,
    entry: CachedState,
    groups: readonly number[],
    base: FilterRemoval,
  ): void {
    const source = this.runner(from);
    const targets = groups.filter((g) => !states.has(g));
    if (!(source instanceof NextLinearPlanRunner) || targets.length === 0) return;
    if (!this.refresh(from, entry, base)) return;
    const masks = this.executor.masks(base);
    try {
      for (const g of targets) {
        const runner = this.runner(g);
        const captured = source.provide(entry.state, runner.captureSlots, masks);
        if (!captured) continue;
        const since = performance.now();
        const state = runner.prepare(captured, entry.state.images);
        this.time(`prepare:${runner.kind}`, since);
        // Counted as reused when it is taken from the cache. It takes the place of the state it came from, which is larger.
        if (this.retained + state.bytes - entry.state.bytes <= this.retainLimit) {
          states.set(g, { base: copyRemoval(base), state });
          this.retained += state.bytes;
        } else {
          state.dispose();
        }
      }
    } finally {
      masks.dispose();
    }
  }

  /** Starts a fresh count of what the engine does (score() does this itself). */
  resetStats(): void {
    this.stats = this.freshStats();
  }

  /** What the engine did since the last score() or resetStats(). */
  get statsSoFar(): EngineStats {
    return { ...this.stats, retainedBytes: this.retained };
  }

  /** Notes the tensor memory in use now (the engine's peak is reported in its stats). */
  readonly probe = (): void => {
    this.stats.peakTensorBytes = Math.max(
      this.stats.peakTensorBytes,
      tf.memory().numBytes + kernelMemory().live,
    );
  };

  /** Releases cached states and weights. The model is not the session's and stays as it was. */
  dispose(): void {
    for (const states of this.cache.values()) for (const { state } of states.values()) state.dispose();
    this.cache.clear();
    this.retained = 0;
    for (const runner of this.runners.values()) runner.dispose();
    this.runners.clear();
    this.folded.dispose();
    this.disposed = true;
  }

  /** Remaining filters of group `g` under `base`, ascending. */
  remaining(g: number, base: FilterRemoval): number[] {
    const group = this.analysis.groups[g]!;
    const removed = base.get(group.id);
    const out: number[] = [];
    for (let f = 0; f < group.size; f++) if (!removed?.has(f)) out.push(f);
    return out;
  }

  /** Images × copies one batched pass of `runner` may hold within the budget. */
  private stackLimit(runner: PlanRunner): number {
    return Math.max(1, Math.floor(this.transientBudget / Math.max(1, runner.workBytesPerImage)));
  }

  private usesKernel(g: number): boolean {
    const runner = this.runner(g);
    return runner instanceof NextLinearPlanRunner && runner.usesKernel;
  }

  private runner(g: number): PlanRunner {
    let runner = this.runners.get(g);
    if (!runner) {
      const spec = planGroup(this.analysis, this.executor, g);
      const allowed = this.allowedPlans.has(spec.kind);
      if (allowed && spec.kind === "head") runner = new HeadPlanRunner(this.analysis, spec);
      else if (allowed && spec.kind === "next-linear") {
        runner = new NextLinearPlanRunner(this.analysis, this.executor, spec, this.wasmKernel);
      } else {
        const steps = [...this.analysis.removalSteps[g]!].sort((a, b) => a - b);
        runner = new GeneralPlanRunner(this.analysis, this.executor, {
          kind: "general",
          group: g,
          size: this.analysis.groups[g]!.size,
          cut: steps[0]!,
          frontier: this.executor.frontier(steps[0]!),
          gatedSteps: steps,
        });
      }
      this.runners.set(g, runner);
    }
    return runner;
  }

  /** Chunk states of `groups` for chunk `j` under `base`: cached (updated) where valid, else built. */
  private async ensureStates(
    j: number,
    groups: readonly number[],
    base: FilterRemoval,
    masks: MaskSet,
    built: Array<{ group: number; cached: CachedState }>,
  ): Promise<Map<number, ChunkState>> {
    const out = new Map<number, ChunkState>();
    const cached = this.cache.get(j);
    const missing: number[] = [];
    for (const g of groups) {
      const entry = cached?.get(g);
      if (entry && this.refresh(g, entry, base)) {
        out.set(g, entry.state);
        this.stats.statesReused++;
        continue;
      }
      if (entry) {
        this.retained -= entry.state.bytes;
        entry.state.dispose();
        cached!.delete(g);
      }
      missing.push(g);
    }
    if (missing.length === 0) return out;
    const runners = missing.map((g) => this.runner(g));
    const uses = new Map<number, number>();
    for (const r of runners) for (const s of r.captureSlots) uses.set(s, (uses.get(s) ?? 0) + 1);
    const stopAfter = Math.max(...runners.map((r) => r.stopAfter));
    let since = performance.now();
    const images = this.chunkImagesTensor(this.chunks[j]!);
    let captured: Map<number, tf.Tensor>;
    try {
      // A plan whose linear layer the pass runs through anyway takes its pre-activation from the pass, and
      // BatchNormalizations are folded (fast-forward.ts), unless that would skip a tensor to capture.
      const fromPlans = runners
        .map((r) => r.replacement?.())
        .filter((r): r is StepReplacement => r !== undefined && r.through <= stopAfter);
      const { steps } = this.analysis.topology;
      const inside = (r: StepReplacement) =>
        steps.slice(r.from, r.through).some((step) => uses.has(step.outputs[0]!));
      const overlaps = (r: StepReplacement) =>
        fromPlans.some((p) => r.from <= p.through && p.from <= r.through);
      const replace = [...fromPlans, ...this.folded.replacements.filter((r) => !inside(r) && !overlaps(r))];
      captured = this.executor.forward(images, masks, {
        stopAfter,
        capture: new Set(uses.keys()),
        replace,
      }).captured;
    } finally {
      images.dispose();
    }
    this.time("forward", since);
    const n = this.chunks[j]!.indices.length;
    for (const runner of runners) {
      const own = new Map<number, tf.Tensor>();
      for (const s of runner.captureSlots) {
        const left = uses.get(s)! - 1;
        uses.set(s, left);
        // The last user takes the captured tensor itself; earlier ones get copies.
        own.set(s, left === 0 ? captured.get(s)! : tf.clone(captured.get(s)!));
      }
      since = performance.now();
      const state = runner.prepare(own, n);
      this.time(`prepare:${runner.kind}`, since);
      out.set(runner.group, state);
      built.push({ group: runner.group, cached: { base: copyRemoval(base), state } });
      this.stats.statesBuilt++;
    }
    return out;
  }

  /** Brings a cached state up to `base`; false when it cannot be (then it is rebuilt). */
  private refresh(g: number, entry: CachedState, base: FilterRemoval): boolean {
    const added = addedRemoval(entry.base, base);
    if (!added) return false;
    const runner = this.runner(g);
    const own: number[] = [];
    for (const [id, filters] of added) {
      const other = this.executor.indexOf(id);
      if (other === g) own.push(...filters);
      else if (this.analysis.removalSteps[other]!.some((s) => s <= runner.lastCapturedStep)) return false;
    }
    if (own.length > 0) {
      const before = entry.state.bytes;
      runner.removeFromState(entry.state, own);
      this.retained += entry.state.bytes - before;
    }
    entry.base = copyRemoval(base);
    return true;
  }

  private retainOrDispose(j: number, built: Array<{ group: number; cached: CachedState }>): void {
    for (const { group, cached } of built) {
      if (!this.disposed && this.retained + cached.state.bytes <= this.retainLimit) {
        let states = this.cache.get(j);
        if (!states) {
          states = new Map();
          this.cache.set(j, states);
        }
        states.set(group, cached);
        this.retained += cached.state.bytes;
      } else {
        cached.state.dispose();
      }
    }
  }

  /** The base network's outcomes on a chunk by the naive pass (when no group has filters to score). */
  private async canonicalBase(chunk: Chunk, masks: MaskSet, sink: OutcomeSink): Promise<void> {
    const images = this.chunkImagesTensor(chunk);
    let output: tf.Tensor;
    try {
      output = this.executor.forward(images, masks).output!;
    } finally {
      images.dispose();
    }
    let values: Float32Array;
    try {
      values = (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
    const kind = this.executor.outputsProbabilities ? "probabilities" : "logits";
    const outcome = emptyOutcome();
    chunk.indices.forEach((image, r) => {
      const label = this.labels[image]!;
      rowOutcome(values, r, this.classes, label, kind, outcome);
      sink.base!(image, outcome.predicted === label, outcome.loss);
    });
  }

  /** Predicted classes of dataset images `indices` by the naive masked pass with `removal`. */
  private async canonicalPredicted(removal: FilterRemoval, indices: number[]): Promise<Int32Array> {
    const masks = this.executor.masks(removal);
    try {
      const images = this.chunkImagesTensor({ indices: Uint32Array.from(indices) });
      let predicted: tf.Tensor;
      try {
        predicted = tf.tidy(() => tf.argMax(this.executor.forward(images, masks).output!, 1));
      } finally {
        images.dispose();
      }
      try {
        return Int32Array.from(await predicted.data());
      } finally {
        predicted.dispose();
      }
    } finally {
      masks.dispose();
    }
  }

  private chunkImagesTensor(chunk: Chunk): tf.Tensor4D {
    const [batch] = [...this.dataset.subset(chunk.indices).batches({ batchSize: chunk.indices.length })];
    batch!.labels.dispose();
    return batch!.images;
  }

  private emptyTally(filter: number): FilterTally {
    return {
      filter,
      images: 0,
      rightToWrong: 0,
      wrongToRight: 0,
      lossDelta: 0,
      ...(this.classwise
        ? {
            classRightToWrong: new Float64Array(this.classes),
            classWrongToRight: new Float64Array(this.classes),
          }
        : {}),
    };
  }

  private freshStats(): EngineStats {
    return {
      filterImageEvaluations: 0,
      rechecks: 0,
      chunkImages: this.chunkImages,
      maxStacked: 0,
      stackLimit: 0,
      statesBuilt: 0,
      statesReused: 0,
      retainedBytes: this.retained,
      peakTensorBytes: 0,
      seconds: {},
    };
  }

  private time(phase: string, since: number): void {
    this.stats.seconds[phase] = (this.stats.seconds[phase] ?? 0) + (performance.now() - since) / 1000;
  }

  private checkLive(): void {
    if (this.disposed) {
      throw new CarveError("INVALID_ARGUMENT", "CarSession was disposed; create another");
    }
  }
}
