/** The benchmark's results as Markdown (docs/performance.md) and as a short console summary. */
import type { BackendInfo } from "../backend/index.js";
import type { CarBenchResult } from "./car-bench.js";
import type { GreedyBenchResult } from "./greedy-bench.js";
import { type MachineInfo, mib } from "./measure.js";
import type { Throughput } from "./throughput.js";

export interface ModelBench {
  name: string;
  dataset: string;
  images: number;
  car?: CarBenchResult;
  greedy?: GreedyBenchResult;
  /** Why the model was not benchmarked, if it was not. */
  skipped?: string;
}

export interface BenchReport {
  command: string;
  date: string;
  machine: MachineInfo;
  backend: BackendInfo;
  /** Measured at the start of the run (absent in reports of earlier runs). */
  throughput?: Throughput;
  memoryBudgetMB: number;
  naiveSeconds: number;
  models: ModelBench[];
}

/**
 * Several runs as one report (e.g. one process per model, each with its own naive sampling): commands listed
 * one per line in the order they ran, the first run's machine and backend, the load over all of them, the
 * models in the order given. Each model's floor keeps the throughput measured in its own run.
 */
export function mergeReports(reports: readonly BenchReport[]): BenchReport {
  // Machine, load and dates in the order the runs happened (`date` is when each ended); models as given.
  const byTime = [...reports].sort((a, b) => a.date.localeCompare(b.date));
  const [first] = byTime;
  if (!first) throw new Error("mergeReports: no report given");
  const last = byTime[byTime.length - 1]!;
  const peaks = reports.map((r) => r.machine.loadAverage.peak ?? r.machine.loadAverage.start);
  return {
    ...first,
    command: byTime.map((r) => r.command).join("\n"),
    date: byTime.map((r) => r.date).join(", "),
    machine: {
      ...first.machine,
      loadAverage: {
        start: first.machine.loadAverage.start,
        ...(last.machine.loadAverage.end !== undefined ? { end: last.machine.loadAverage.end } : {}),
        peak: Math.max(...peaks),
      },
    },
    models: reports.flatMap((r) => r.models),
  };
}

const TARGETS = { car: 10, greedy: 10, adaptive: 30, agreement: 0.95 };

const fixed = (x: number, digits = 1) => x.toFixed(digits);
const rate = (evaluations: number, seconds: number) =>
  `${Math.round(evaluations / seconds).toLocaleString("en-US")}`;
const met = (ok: boolean) => (ok ? "met" : "**missed**");
const cpu = (seconds: number | undefined) => (seconds === undefined ? "—" : `${fixed(seconds)} s`);
/** "wall X×, CPU Y×" and a verdict per measure (they differ when the machine's load changed between phases). */
function ratios(wall: number, cpuRatio: number | undefined, target: number, extra = true): string {
  const onWall = wall >= target && extra;
  if (cpuRatio === undefined) return `**${fixed(wall)}×** (target ≥ ${target}×: ${met(onWall)})`;
  const onCpu = cpuRatio >= target && extra;
  const verdict = onWall === onCpu ? met(onWall) : `${met(onCpu)} on CPU time, ${met(onWall)} on wall time`;
  return `**${fixed(cpuRatio)}×** in CPU time, ${fixed(wall)}× in wall time (target ≥ ${target}×: ${verdict})`;
}

/** Per plan: µs per filter·image in its evaluate phase, and that as a share of a naive filter pass. */
function planCosts(car: CarBenchResult): string[] {
  const phases = car.fast.engine.phaseSeconds ?? {};
  const naivePerFilterImage = car.naive.seconds / ((car.filters + 1) * car.images);
  const byPlan = new Map<string, number>();
  for (const [group, plan] of Object.entries(car.plans)) {
    byPlan.set(plan, (byPlan.get(plan) ?? 0) + (car.groups[group] ?? 0));
  }
  const lines = [...byPlan].map(([plan, filters]) => {
    const seconds = phases[`evaluate:${plan}`] ?? 0;
    const perFilterImage = seconds / (filters * car.images);
    return (
      `${plan} (${filters} filters): ${fixed(1e6 * perFilterImage, 2)} µs per filter·image, ` +
      `${fixed((100 * perFilterImage) / naivePerFilterImage, 1)}% of a naive pass`
    );
  });
  const fixedCost =
    (phases.forward ?? 0) +
    Object.entries(phases)
      .filter(([k]) => k.startsWith("prepare:"))
      .reduce((sum, [, v]) => sum + v, 0);
  lines.push(
    `base passes and chunk states: ${fixed(fixedCost)} s, ` +
      `${fixed(fixedCost / (naivePerFilterImage * car.images))} naive passes`,
  );
  return lines;
}

const gflop = (flops: number) => `${fixed(flops / 1e9)} GFLOP`;

/** The plans' FLOPs per mask, for the floor lines. */
function planFlops(floor: CarBenchResult["floor"]): string {
  return floor.plans
    .map(
      (p) =>
        `${p.groupId} (${p.plan}) ${Math.round(p.flopsPerFilterImage).toLocaleString("en-US")} FLOPs per ` +
        `filter·image, ${fixed((100 * p.flopsPerFilterImage) / p.networkFlops, 1)}% of a naive pass`,
    )
    .join("; ");
}

function carSection(car: CarBenchResult, budgetMiB: number): string[] {
  const naiveNote = car.naive.extrapolated
    ? `extrapolated from ${car.naive.measuredFilters} of ${car.filters} filters (${fixed(car.naive.measuredSeconds)} s measured)`
    : "measured in full";
  const fastEvaluations = car.fast.engine.filterImageEvaluations;
  const naiveEvaluations = car.filters * car.images;
  return [
    `#### Whole-model CAR (${car.filters} filters × ${car.images.toLocaleString("en-US")} images, class-wise)`,
    "",
    `Plans: ${Object.entries(car.plans)
      .map(([g, p]) => `${g} → ${p}`)
      .join(", ")}.`,
    "",
    "| method | wall time | CPU time | filter·images / s | peak RSS | peak tensor memory | wasm heap after |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| exact (fast) | ${fixed(car.fast.seconds)} s | ${cpu(car.fast.cpuSeconds)} | ${rate(fastEvaluations, car.fast.seconds)} | ${mib(car.fast.peakRss)} | ${mib(car.fast.peakTensorBytes)} | ${mib(car.fast.heapBytes)} |`,
    `| naive (${naiveNote}) | ${fixed(car.naive.seconds)} s | ${cpu(car.naive.cpuSeconds)} | ${rate(naiveEvaluations, car.naive.seconds)} | ${mib(car.naive.peakRss)} | ${mib(car.naive.peakTensorBytes)} | ${mib(car.naive.heapBytes)} |`,
    ...(car.fast.firstCall
      ? [
          `| exact, first call in the process (warm-up, not in the ratio) | ${fixed(car.fast.firstCall.seconds)} s | ${cpu(car.fast.firstCall.cpuSeconds)} | ${rate(fastEvaluations, car.fast.firstCall.seconds)} | | | |`,
        ]
      : []),
    "",
    `Speed-up ${ratios(car.speedup, car.speedupCpu, TARGETS.car)}. ` +
      `Identical to naive: ${car.check.mismatches === 0 && car.check.baseAccuracyEqual ? "yes" : "**no**"} — ` +
      `${car.check.filtersCompared} filters compared (flips, class-wise CAR; loss increase within ` +
      `${car.check.maxLossDifference.toExponential(1)}), ${car.check.mismatches} mismatches; ` +
      `${car.fast.engine.rechecks} rounding-close outcomes settled by the naive pass. Largest stacked pass ` +
      `${car.fast.engine.maxStacked} images (bound ${car.fast.engine.stackLimit} from the budget), chunks of ` +
      `${car.fast.engine.chunkImages} images.`,
    "",
    `Where the exact engine's time goes: ${planCosts(car).join("; ")}.`,
    "",
    `Memory budget: ${budgetLine([car.fast.peakTensorBytes], budgetMiB)}`,
    "",
    ...(car.floor
      ? [
          `Floor: ${planFlops(car.floor)}. Over all filters and images that is ${gflop(car.floor.flops)}, ` +
            `${fixed(car.floor.seconds, 2)} s at ${fixed(car.floor.gflops)} GFLOP/s; the exact engine took ` +
            `${timesFloor(car.fast.seconds, car.fast.cpuSeconds, car.floor.seconds)} (its per-filter evaluate ` +
            `phases alone ${fixed(evaluateSeconds(car) / car.floor.seconds)}× in wall time).`,
          "",
        ]
      : []),
  ];
}

/** How many times the floor a run took, in CPU time first where known. */
function timesFloor(wall: number, cpuSeconds: number | undefined, floor: number): string {
  return cpuSeconds === undefined
    ? `**${fixed(wall / floor)}×** the floor`
    : `**${fixed(cpuSeconds / floor)}×** the floor in CPU time (${fixed(wall / floor)}× in wall time)`;
}

function evaluateSeconds(car: CarBenchResult): number {
  return Object.entries(car.fast.engine.phaseSeconds ?? {})
    .filter(([k]) => k.startsWith("evaluate:"))
    .reduce((sum, [, v]) => sum + v, 0);
}

function greedySection(greedy: GreedyBenchResult, budgetMiB: number): string[] {
  const naiveNote = greedy.naive.timedPasses
    ? `extrapolated from ${greedy.naive.timedPasses} timed masked passes, one per layer (${fixed(greedy.naive.measuredSeconds)} s), no naive step run`
    : greedy.naive.extrapolated
      ? `extrapolated from the first ${greedy.naive.measuredSteps} of ${greedy.steps} steps, measured per layer (${fixed(greedy.naive.measuredSeconds)} s)`
      : "measured in full";
  const lines = [
    `#### Greedy pruning, half of each conv layer (${greedy.groups.map((g) => `${g.id} ${g.size}→${g.size - g.removed}`).join(", ")}; ${greedy.steps} steps of one filter)`,
    "",
    "| method | wall time | CPU time | filter·images / s | peak RSS | peak tensor memory | wasm heap after | agrees with exact |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| exact (fast) | ${fixed(greedy.fast.seconds)} s | ${cpu(greedy.fast.cpuSeconds)} | ${rate(greedy.fast.filterImageEvaluations, greedy.fast.scoringSeconds)} | ${mib(greedy.fast.peakRss)} | ${mib(greedy.fast.peakTensorBytes)} | ${mib(greedy.fast.heapBytes)} | — |`,
    `| naive (${naiveNote}) | ${fixed(greedy.naive.seconds)} s | ${cpu(greedy.naive.cpuSeconds)} | ${rate(greedy.naive.filterImageEvaluations, greedy.naive.seconds)} | ${mib(greedy.naive.peakRss)} | ${mib(greedy.naive.peakTensorBytes)} | ${mib(greedy.naive.heapBytes)} | ${greedy.check.stepsCompared > 0 ? `${greedy.check.stepsCompared - greedy.check.mismatches}/${greedy.check.stepsCompared} steps compared, same choice` : "not compared here"} |`,
  ];
  for (const a of greedy.adaptive) {
    lines.push(
      `| adaptive (${a.bound}, confidence ${a.confidence}) | ${fixed(a.seconds)} s (+${fixed(a.verifySeconds)} s verification) | ${cpu(a.cpuSeconds)} | ${rate(a.filterImageEvaluations, a.seconds)} | ${mib(a.peakRss)} | ${mib(a.peakTensorBytes)} | ${mib(a.heapBytes)} | ${a.agreeing}/${a.steps} (${fixed((100 * a.agreeing) / a.steps, 0)}%)${a.sameCar !== undefined ? `; same CAR ${a.sameCar}/${a.steps}` : ""} |`,
    );
  }
  lines.push(
    "",
    `Exact speed-up ${ratios(greedy.speedup, greedy.speedupCpu, TARGETS.greedy)}; ` +
      (greedy.check.stepsCompared > 0
        ? `choices identical to naive on every step compared: ${greedy.check.mismatches === 0 ? "yes" : "**no**"}.`
        : "no naive step was run here, so choices were not compared in this task (the CAR task compares " +
          "scores; importance/car-steps.test.ts compares whole greedy runs)."),
  );
  if (greedy.floor) {
    lines.push(
      "",
      `Floor: ${planFlops(greedy.floor)}. Over the run's steps (candidates × images each) that is ` +
        `${gflop(greedy.floor.flops)}, ${fixed(greedy.floor.seconds, 2)} s at ${fixed(greedy.floor.gflops)} GFLOP/s; ` +
        `the exact run took ${timesFloor(greedy.fast.seconds, greedy.fast.cpuSeconds, greedy.floor.seconds)} ` +
        `(its scoring alone ${fixed(greedy.fast.scoringSeconds / greedy.floor.seconds)}× in wall time).`,
    );
  }
  for (const a of greedy.adaptive) {
    const agreement = a.agreeing / a.steps;
    lines.push(
      "",
      `Adaptive (${a.bound}): ${fixed(100 * agreement, 0)}% exact choices (target ≥ ${100 * TARGETS.agreement}%: ` +
        `${met(agreement >= TARGETS.agreement)}); vs naive ` +
        `${ratios(a.speedupVsNaive, a.speedupVsNaiveCpu, TARGETS.adaptive, agreement >= TARGETS.agreement)}; vs exact ` +
        `${a.speedupVsExactCpu !== undefined ? `${fixed(a.speedupVsExactCpu, 2)}× in CPU time, ` : ""}` +
        `${fixed(a.speedupVsExact, 2)}× in wall time. ` +
        // The verification scores the same steps exactly, interleaved with the race, so it shares the race's
        // machine load: a fairer exact reference on a shared machine than the exact run measured earlier.
        `Against the exact scoring of the same steps run interleaved with it (same load): ` +
        `${a.verifyCpuSeconds !== undefined && a.cpuSeconds !== undefined ? `${fixed(a.verifyCpuSeconds / a.cpuSeconds, 2)}× in CPU time, ` : ""}` +
        `${fixed(a.verifySeconds / a.seconds, 2)}× in wall time; it evaluated ` +
        `${fixed((100 * a.filterImageEvaluations) / greedy.fast.filterImageEvaluations, 0)}% of the exact ` +
        `method's filter·images${perLayerShare(greedy, a)}.` +
        (a.sameCar !== undefined
          ? ` Choices with the exact choice's CAR (the same filter, or one tied with it on the whole set): ` +
            `${a.sameCar}/${a.steps}.`
          : ""),
    );
  }
  lines.push("", ...budgetCheck(greedy.fast.peakTensorBytes, greedy.adaptive, budgetMiB), "");
  return lines;
}

/** Per layer, the race's filter·images as a share of the exact method's (candidates × images per step). */
function perLayerShare(greedy: GreedyBenchResult, a: GreedyBenchResult["adaptive"][number]): string {
  if (!a.perStep) return "";
  const images = greedy.fast.filterImageEvaluations / a.perStep.reduce((sum, s) => sum + s.candidates, 0);
  const parts = greedy.groups.map((g) => {
    const steps = a.perStep!.filter((s) => s.groupId === g.id);
    const spent = steps.reduce((sum, s) => sum + s.filterImageEvaluations, 0);
    const exact = steps.reduce((sum, s) => sum + s.candidates * images, 0);
    return `${g.id} ${fixed((100 * spent) / exact, 0)}%`;
  });
  return ` (${parts.join(", ")})`;
}

/** Whether the engine's tensors stayed within the budget (model weights and the dataset's tensors included). */
function budgetCheck(
  exactPeak: number,
  adaptive: GreedyBenchResult["adaptive"],
  budgetMiB: number,
): string[] {
  return [`Memory budget: ${budgetLine([exactPeak, ...adaptive.map((a) => a.peakTensorBytes)], budgetMiB)}`];
}

function budgetLine(peaks: number[], budgetMiB: number): string {
  const peak = Math.max(...peaks);
  return (
    `the largest tensor memory seen was ${mib(peak)} against a budget of ${budgetMiB} MiB — ` +
    `${peak <= budgetMiB * 2 ** 20 ? "held" : "**exceeded**"} (weights and data tensors included).`
  );
}

/** One row per model and task: speed-up against its target. */
function targetsTable(report: BenchReport): string[] {
  const rows: string[] = [];
  const both = (wall: number, cpuRatio: number | undefined) =>
    cpuRatio === undefined ? `${fixed(wall)}×` : `${fixed(cpuRatio)}× (wall ${fixed(wall)}×)`;
  const verdict = (wall: number, cpuRatio: number | undefined, target: number, extra = true) => {
    const onWall = wall >= target && extra;
    const onCpu = (cpuRatio ?? wall) >= target && extra;
    return onWall === onCpu ? met(onWall) : `${met(onCpu)} (CPU), ${met(onWall)} (wall)`;
  };
  for (const m of report.models) {
    if (m.car) {
      rows.push(
        `| ${m.name} | whole-model CAR | ${both(m.car.speedup, m.car.speedupCpu)} | ≥ ${TARGETS.car}× | ` +
          `${verdict(m.car.speedup, m.car.speedupCpu, TARGETS.car)} |`,
      );
    }
    if (m.greedy) {
      rows.push(
        `| ${m.name} | greedy, exact | ${both(m.greedy.speedup, m.greedy.speedupCpu)} | ≥ ${TARGETS.greedy}× | ` +
          `${verdict(m.greedy.speedup, m.greedy.speedupCpu, TARGETS.greedy)} |`,
      );
      for (const a of m.greedy.adaptive) {
        const agreement = a.agreeing / a.steps;
        const agrees = agreement >= TARGETS.agreement;
        rows.push(
          `| ${m.name} | greedy, adaptive (${a.bound}, ${a.confidence}) | ` +
            `${both(a.speedupVsNaive, a.speedupVsNaiveCpu)}, ${fixed(100 * agreement, 0)}% exact choices | ` +
            `≥ ${TARGETS.adaptive}×, ≥ ${100 * TARGETS.agreement}% | ` +
            `${verdict(a.speedupVsNaive, a.speedupVsNaiveCpu, TARGETS.adaptive, agrees)} |`,
        );
      }
    }
  }
  if (rows.length === 0) return [];
  return [
    "## Targets",
    "",
    "Speed-ups are naive time / fast time, measured in the same process. CPU time (user + system of the process)",
    "is given first: on this shared machine the others' load changed between the phases of a run, which moves",
    "wall-time ratios but not what each method computed. Both are shown, and a verdict for each where they differ.",
    "",
    "| model | task | measured (vs naive) | target | |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ];
}

export function markdownReport(report: BenchReport): string {
  const { machine, backend } = report;
  const lines = [
    "# Performance: fast exact CAR",
    "",
    "Written by `npm run bench -w @carve/core -- --write` (the benchmark in `packages/core/src/bench/`). Numbers",
    "come from the run(s) below on a shared machine; for each model, naive and fast run in the same process, one",
    "after the other, so their ratio is measured under the same conditions even when the machine is busy.",
    "",
    "```",
    report.command,
    "```",
    "",
    `- Date${report.date.includes(",") ? "s (end of each run)" : ""}: ${report.date}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.platform}, Node ${machine.node}`,
    `- Load average (1 min) at start / end${machine.loadAverage.peak !== undefined ? " / highest seen" : ""}: ` +
      `${fixed(machine.loadAverage.start, 2)} / ${fixed(machine.loadAverage.end ?? NaN, 2)}` +
      `${machine.loadAverage.peak !== undefined ? ` / ${fixed(machine.loadAverage.peak, 2)}` : ""} — ` +
      `${(machine.loadAverage.peak ?? machine.loadAverage.end ?? 0) > machine.cores ? "other work shared the cores (the benchmark itself keeps about one busy)" : "the benchmark itself keeps about one core busy"}`,
    `- Backend: ${backend.name} — ${backend.description}`,
    ...(report.throughput
      ? [
          `- Backend throughput, measured in the benchmark's process at its start: 3×3 Conv2D ` +
            `${fixed(report.throughput.conv2dGflops)} GFLOP/s, 1024² matMul ${fixed(report.throughput.matMulGflops)} ` +
            `GFLOP/s (a floor uses the larger, measured in its own run; each floor line states it)`,
        ]
      : []),
    `- Memory budget of the fast engine: ${report.memoryBudgetMB} MiB; naive runs longer than ${report.naiveSeconds} s are sampled and extrapolated (see below)`,
    "",
    "## How the fast method works",
    "",
    '`scoreFilters(model, "car")` and `greedyPrune` use the exact engine of `src/fastcar` by default',
    '(`method: "naive"` runs the reference). Per chunk of images, one forward pass of the base network feeds a plan',
    "per filter group: **head** (the group reaches the output Dense layer through per-channel layers: a filter's",
    "effect on the logits is Δ_f = Σ_p x[p,f]·W[p·C+f,:], no forward pass), **next-linear** (the next Conv2D/Dense",
    "pre-activation z is computed once, a filter costs a one-channel convolution subtracted from z and the layers",
    "after it; a BatchNormalization after the linear layer is folded in; on the cpu and wasm backends the common",
    "chain Conv2D → ReLU → [MaxPool] → Flatten → output Dense runs in Carve's own WebAssembly SIMD kernel, one",
    "image at a time in the CPU's cache, with Winograd's F(2×2, 3×3) for a 3×3 convolution under 2×2 pooling and",
    "only the pooled cells that change taken through the Dense), or **general** (prefix cached up to the",
    "group's first removal point, masked copies stacked in one batch, sized to the memory budget). Outputs whose",
    "label-vs-best margin is within float rounding are settled by the naive masked pass, so flips are the naive",
    "method's exactly; loss increases agree to ~1e-7. Greedy pruning keeps one engine session for the whole run",
    "(weights do not change between steps without fine-tuning): caches are updated by subtracting the removed",
    "filter's contribution, and the evaluation after each step comes from its exact CAR statistics.",
    "",
    ...targetsTable(report),
  ];
  for (const m of report.models) {
    lines.push(`## ${m.name} (${m.dataset}, ${m.images.toLocaleString("en-US")} images)`, "");
    if (m.skipped) {
      lines.push(`Not run: ${m.skipped}`, "");
      continue;
    }
    if (m.car) lines.push(...carSection(m.car, report.memoryBudgetMB));
    if (m.greedy) lines.push(...greedySection(m.greedy, report.memoryBudgetMB));
  }
  lines.push(
    "## Notes",
    "",
    "- Warm-up: the whole-model CAR task runs the exact engine twice and times the second run (both are in the",
    "  table). A process's first call also pays the wasm heap's growth to the engine's chunk size (system time,",
    "  page faults) and the JIT's first compilations; the naive method runs after it in the same process, already",
    "  warm, and the greedy task runs after the CAR task. The first call's speed-up is naive / first call.",
    "- Naive extrapolation, whole-model CAR: the base pass plus (filters × mean time of the filter passes measured);",
    "  every filter costs one full pass in the naive method whatever its layer.",
    "- Naive extrapolation, greedy: the first steps of each layer are run by the naive method from the network the",
    "  exact run had reached there (so their choices are compared too); a step is modelled as (candidates + 2)",
    "  passes whose time scales with the network's FLOPs. Fixed per-pass costs do not shrink, so this",
    "  underestimates the naive time: the speed-ups are conservative. With `--naive-steps 0` (used when even two",
    "  naive steps per layer would take most of an hour on a loaded machine) no naive step runs: the naive",
    "  method's own masked pass is timed once per layer on the original network and put in the same model, and",
    "  choices are not compared in that task (the CAR task compares scores, and importance/car-steps.test.ts",
    "  compares whole greedy runs with the naive method).",
    "- CPU time is the process's user + system time over the task (the wasm backend runs one thread); a naive",
    "  CPU time is extrapolated by the same factor as its wall time. The adaptive CPU time excludes the",
    "  verification's, which each step records.",
    "- Adaptive: wall time excludes the per-step verification (an exact scoring of the same step, used only to",
    '  report agreement). "sign" is a rigorous exact sign test on discordant images; "normal" a CLT approximation.',
    "  The race tests where the segments of its schedule end (N/32, N/16, then every N/16 images seen, the first",
    "  at least 250), with δ = (1 − confidence) / (candidates × tests). A segment smaller than the exact",
    "  method's chunk is visited as one chunk, so where N/16 is small (MNIST: 125 images) a filter·image costs",
    '  somewhat more than in the exact method (the "against the exact scoring" ratios above).',
    '- Agreement: "exact choices" (the ≥ 95% of the target) counts steps whose chosen filter is the exact method\'s',
    '  own, on the same network: what the issue asks for and what the confidence is stated about. "Same CAR" also',
    "  counts a different filter with the same flips on the whole set (a tie broken by the loss increase); it is",
    "  reported beside it, never instead.",
    "- The rigorous bound on the MNIST model: its 2,000 test images leave the lowest CARs of most steps",
    "  statistically tied. Even with every image seen, the sign test at this confidence cannot tell 86 of the 92",
    "  other conv1 candidate-steps and 353 of the 376 conv2 ones from the exact choice, so any sound race scores",
    '  at least 94% of the exact method\'s filter·images there (it scored 97%): the "sign" row cannot reach 30× on',
    "  MNIST unless the exact engine itself does.",
    "- Why adaptive cannot gain much more here: in a greedy step the lowest CARs are near-ties. On Fashion-MNIST's",
    "  first conv1 step the four lowest filters have net flips −15, −12, −9, −9 on 10,000 images while each flips",
    "  89–276 images: two of them disagree on 1–2% of the images and differ by a few. No sample short of the",
    "  whole set tells them apart, so they are scored on every image; the saving is the filters whose CAR is",
    "  clearly higher, dropped after a segment or two. An ε-indifference stop (choose once every survivor is",
    "  within ε of the leader at confidence 1 − δ) does not help either: with ~1% discordant images per pair, a",
    "  bound on the unseen half's sum is about ±150 images at N/4 seen — ε would have to be ~1.5% accuracy,",
    "  more than the CAR differences greedy pruning is choosing between. An empirical-Bernstein bound pays a",
    "  range term of 2κ·ln(5/δ)/n (κ ≈ 4.5) that the sign test on discordant images avoids (see fastcar/race.ts).",
    "- Floor: per (filter, image) outcome, the FLOPs of the plan's suffix (fastcar/floor.ts): a head filter's slice",
    "  of the output Dense layer; for next-linear, one input channel's share of the next linear layer plus every",
    "  layer after it; for general, everything after the removal point. Only multiply-accumulates of linear layers",
    "  count, so it is a lower bound; the throughput is the best of a large Conv2D and a large matMul timed in the",
    "  same process at the start of the run, on the same backend (best of five wall-time runs each: on a loaded",
    "  machine even the best may be slowed, which lowers the rate and so raises the floor — the ratio to it is then",
    "  flattering). The floor counts a direct convolution; the kernel's Winograd path multiplies 16 times per",
    "  channel and pooling window where a direct 3×3 convolution multiplies 36 times, and it skips windows whose",
    "  inputs are all zero (exactly unchanged), so it can run below the floor. Beside its arithmetic, a filter's",
    "  pass moves every value of the next layer's pre-activation once (z − c, max, ReLU), about one FLOP each.",
    "- Peak RSS is the process's resident set sampled during the task. Peak tensor memory is `tf.memory().numBytes`",
    "  plus the chunk states Carve's WebAssembly kernel holds outside tfjs, sampled by the engine after every",
    "  layer and between units of work; tfjs counts a reshaped view's bytes again, so it overstates what is held",
    "  while views live. The wasm heap is what the backend really allocated: its high-water mark so far in the",
    "  process (it never shrinks, so later tasks inherit earlier peaks; it includes ~16 MiB the module starts",
    "  with). The kernel's own memory also keeps its high-water mark (up to 256 MiB once no state lives in it).",
    "- Memory budget: the engine sizes chunks, stacked passes and kept caches to its budget (60% for the chunk at",
    "  work, 40% for caches kept between greedy steps); the figures above show whether it held. The heap grows in",
    "  steps of up to 20% (or 96 MiB) beyond what is asked, so it overstates the peak too.",
    "- Why a next-linear layer costs what it does: per filter the engine still computes a one-channel convolution",
    "  into the next layer's full output, a subtraction, a max pool and the changed cells' Dense rows. A naive",
    "  pass costs the whole network, so the saving is largest where the next layer has many input channels",
    "  (Fashion-MNIST's conv2 reads 32) and smallest where it has few (the MNIST model's conv2 reads 16): that",
    "  and the one base pass per chunk bound the MNIST whole-model speed-up.",
    "- What bounds the adaptive speed-up: a race scores the survivors of a step on every image, so its time is at",
    "  least the share of exact's filter·images it evaluates (the tables above) times exact's scoring time, plus",
    "  the base passes and chunk states a step needs whatever that share. Against naive it can only beat the",
    "  exact engine's speed-up by that share's inverse: ≥ 30× needs an exact engine 30 × share times faster",
    "  than naive (24× where the race evaluates 80%).",
    "- Greedy state kept between steps: the engine keeps chunk states within 40% of the budget. Fashion-MNIST's",
    "  next-linear state is 96 KB per image in the kernel (conv2's input planes, its pre-activation and the",
    "  pooled cells), so at 256 MiB most chunks are rebuilt by a base pass at each conv1 step; a larger budget",
    "  keeps more of them. Moving from conv1 to conv2, conv2's head states are taken from the kernel's conv1",
    "  states (their pooled cells are conv2's Dense input), with no forward pass.",
    "",
  );
  return lines.join("\n");
}
