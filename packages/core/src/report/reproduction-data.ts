/**
 * The numbers the reproduction report is rendered from: plain, JSON-serialisable data, one
 * {@link ModelReproduction} per demo model. Experiments produce it, the markdown renderer reads it, and the
 * entry point stores it next to the report so a reader can check every figure.
 */
import type { CriterionName } from "../importance/index.js";
import type { ReproductionSettings } from "./reproduction-settings.js";

/** Bumped when the shape below changes; results of another version are not mixed into a report. */
export const REPRODUCTION_SCHEMA = 1;

/** A dataset as the report names it. */
export interface DatasetRef {
  name: string;
  size: number;
}

/** One point of a greedy run: accuracy after `removed` filters are gone (0 = the original network). */
export interface RunPoint {
  removed: number;
  /** On the selection images, which chose the filters. */
  selectionAccuracy: number;
  /** On the test sample, which never chose a filter. */
  testAccuracy: number;
}

/** Greedy pruning of one layer under one criterion. */
export interface PruningRun {
  criterion: CriterionName;
  points: RunPoint[];
  /** Original filter indices in the order they were removed. */
  order: number[];
  /** Present when the pruned network was fine-tuned once after the last removal. */
  fineTuned?: { testAccuracy: number; selectionAccuracy: number };
  seconds: number;
}

/** Part 1 for one conv layer: every criterion's run. */
export interface LayerPruning {
  /** Filter group id (the conv layer's name for these models). */
  group: string;
  layer: string;
  filters: number;
  /** Filters each run removed. */
  removed: number;
  runs: PruningRun[];
}

/** A class and a filter's class-wise CAR for it (accuracy drop on that class, as a fraction). */
export interface ClassEntry {
  className: string;
  drop: number;
}

/** Part 2: one high-CAR filter, its picture and the classes it matters most and least for. */
export interface FilterClassImportance {
  filter: number;
  /** CAR on the selection images (accuracy drop when the filter alone is removed). */
  car: number;
  /** 95% interval of CAR (paired, see importance/statistics.ts). */
  carInterval: [number, number];
  /** 1 = removed first, `filters` = most important. */
  rank: number;
  most: ClassEntry[];
  least: ClassEntry[];
  /** Class-wise CAR for every class, in class order (NaN for a class absent from the images). */
  classwise: number[];
  /** Weight image, a path relative to the report's asset folder. */
  image: string;
  /** Channels drawn in colour (RGB input) or grey. */
  imageMode: "color" | "grayscale";
}

export interface ClassImportance {
  layer: string;
  filters: number;
  images: number;
  /** Upscaling factor of the weight images. */
  imageScale: number;
  /** CAR of every filter of the layer, by filter index. */
  car: number[];
  top: FilterClassImportance[];
}

/** How many of the first `drawn` filters a removal order takes from the most chromatic half. */
export interface OrderColourCount {
  criterion: CriterionName;
  /** The first `drawn` filters removed, in order. */
  firstRemoved: number[];
  count: number;
  /** Hypergeometric P(count ≥ observed) under a uniformly random order. */
  probabilityAtLeast: number;
  /** Hypergeometric P(count ≤ observed) under a uniformly random order. */
  probabilityAtMost: number;
  /** Mean chromaticity of the first `drawn` filters removed, and of the filters left. */
  meanChromaticityRemoved: number;
  meanChromaticityKept: number;
}

/** Part 3 on one RGB model's first conv layer. */
export interface ColourClaim {
  layer: string;
  filters: number;
  /** Chromaticity of every filter, by filter index. */
  chromaticity: number[];
  /** The ⌊n/2⌋ most chromatic filters, ascending. */
  mostChromatic: number[];
  /** The smallest chromaticity in the most chromatic half (the split point). */
  threshold: number;
  /** Filters counted: the first `drawn` of each removal order. */
  drawn: number;
  /** drawn · |mostChromatic| / filters. */
  expected: number;
  orders: OrderColourCount[];
  random: {
    orders: number;
    seed: number;
    mean: number;
    sd: number;
    min: number;
    max: number;
    /** Fraction of random orders whose count reaches CAR's. */
    atLeastCar: number;
  };
  /** Filter sheets: CAR's first `drawn` removed, in order, and the rest. Paths relative to the asset folder. */
  sheets: { removedByCar: string; keptByCar: string };
}

/** Similarity statistics of one set of filters of a layer. */
export interface DiversityRow {
  /** "all filters", a criterion's kept set, or "random subsets". */
  set: string;
  filters: number;
  meanAbsCosine: number;
  meanCorrelation: number;
  clusters: number;
  /** For "random subsets": standard deviation over the subsets of mean |cosine|, and of clusters. */
  sdAbsCosine?: number;
  sdClusters?: number;
  /** For "random subsets": fraction of subsets whose mean |cosine| is at most that of CAR's kept set. */
  fractionAsDiverseAsCar?: number;
}

/** Part 4 for one conv layer. */
export interface LayerDiversityResult {
  layer: string;
  measure: string;
  threshold: number;
  rows: DiversityRow[];
}

export interface PartTiming {
  part: string;
  seconds: number;
}

/** Where and with what a model's numbers were computed. */
export interface RunEnvironment {
  backend: string;
  cpu: string;
  cpus: number;
  versions: { carve: string; tfjsCore: string; tfjsLayers: string; node: string };
}

/** Everything the report says about one demo model. */
export interface ModelReproduction {
  schema: typeof REPRODUCTION_SCHEMA;
  model: string;
  title: string;
  architecture: string;
  /** ISO date-time the run finished. */
  computedAt: string;
  settings: ReproductionSettings;
  environment: RunEnvironment;
  data: {
    source: string;
    classNames: string[];
    imageShape: [number, number, number];
    train: DatasetRef;
    selectionSplit: DatasetRef;
    selection: DatasetRef;
    testSplit: DatasetRef;
    test: DatasetRef;
    fineTune: DatasetRef;
  };
  /** Test accuracy of the unpruned model on the test sample. */
  originalTestAccuracy: number;
  /** Test accuracy on the whole test split, from the model card. */
  cardTestAccuracy: number;
  pruning: LayerPruning[];
  classImportance: ClassImportance;
  /** Absent for grayscale models (chromaticity needs RGB filters). */
  colour?: ColourClaim;
  diversity: LayerDiversityResult[];
  timings: PartTiming[];
  totalSeconds: number;
  /**
   * Mean of the machine's 1-minute load average sampled at the start and after each part: above the number
   * of cores, other processes were competing for the CPU and the wall times are inflated.
   */
  meanLoadAverage?: number;
}
