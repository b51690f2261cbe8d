import { createHash } from "node:crypto";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { serializeModel } from "../model/io.js";
import { CARVE_VERSION } from "../version.js";

/** What it takes to rerun a pruning run and get the same result. */
export interface ReproducibilityRecord {
  /** SHA-256 of the model's topology JSON and weight bytes. */
  modelHash: string;
  /** SHA-256 per dataset used (evaluation, test, fine-tuning): labels and pixel values as read. */
  dataHashes: Record<string, string>;
  seed: number;
  /** The run's options, with datasets replaced by their names. */
  options: unknown;
  versions: { carve: string; tfjsCore: string; tfjsLayers: string; node: string };
  /** TF.js backend that ran it: float results can differ in the last bits between backends. */
  backend: string;
}

export async function hashModel(model: tfl.LayersModel): Promise<string> {
  const { modelJson, weights } = await serializeModel(model);
  return createHash("sha256").update(modelJson).update(weights).digest("hex");
}

/** Hashes what a dataset yields (in order), so a different file, split or seed gives a different hash. */
export async function hashDataset(dataset: Dataset): Promise<string> {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ shape: dataset.imageShape, classes: dataset.classNames, size: dataset.size }));
  hash.update(new Uint8Array(dataset.labels().buffer));
  for (const batch of dataset.batches({ batchSize: 512 })) {
    try {
      // Pixels quantized to bytes: the hash then does not depend on float conversion details.
      const quantized = tf.tidy(() => tf.cast(tf.round(tf.mul(batch.images, 255)), "int32"));
      const bytes = await quantized.data();
      quantized.dispose();
      hash.update(Uint8Array.from(bytes));
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  return hash.digest("hex");
}

export function libraryVersions(): ReproducibilityRecord["versions"] {
  return {
    carve: CARVE_VERSION,
    tfjsCore: tf.version_core,
    tfjsLayers: tfl.version_layers,
    node: process.version,
  };
}
