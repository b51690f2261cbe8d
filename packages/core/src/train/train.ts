import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { outputsProbabilities } from "../model/outputs.js";
import { type OperationControl, checkpoint, progressReporter } from "../util/operation.js";
import { createRng, permutation } from "../util/random.js";

export type OptimizerName = "adam" | "sgd" | "momentum";

export interface TrainOptions {
  /** Passes over the training set. */
  epochs: number;
  /** Images per gradient step (default 64). */
  batchSize?: number;
  /** Step size of the optimizer (default 1e-3 for Adam, 1e-2 otherwise). */
  learningRate?: number;
  /** Default "adam". */
  optimizer?: OptimizerName;
  /** Seeds the order of images in each epoch (epoch e uses seed + e). */
  seed: number;
  /**
   * Re-estimate BatchNormalization statistics on this many training images after the last epoch (default
   * 2048; 0 turns it off). See recalibrateBatchNorm for why.
   */
  batchNormImages?: number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's batches (measured in training mode). */
  loss: number;
  /** Training accuracy over the epoch (training mode, so dropout/BN batch statistics apply). */
  accuracy: number;
  seconds: number;
}

function createOptimizer(name: OptimizerName, learningRate: number | undefined): tf.Optimizer {
  switch (name) {
    case "adam":
      return tf.train.adam(learningRate ?? 1e-3);
    case "sgd":
      return tf.train.sgd(learningRate ?? 1e-2);
    case "momentum":
      return tf.train.momentum(learningRate ?? 1e-2, 0.9);
    default:
      throw new CarveError(
        "INVALID_ARGUMENT",
        `unknown optimizer "${name as string}" (use adam, sgd or momentum)`,
      );
  }
}

/**
 * Trains `model` in place on `dataset` with softmax cross-entropy, one seeded shuffle per epoch. A custom loop
 * rather than `model.fit`, because fit wants the whole set as one tensor and Carve's datasets never make one.
 * Returns one record per epoch; the model keeps its new weights.
 */
export async function trainModel(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: TrainOptions,
  control: OperationControl = {},
): Promise<EpochRecord[]> {
  if (!Number.isInteger(options.epochs) || options.epochs < 0) {
    throw new CarveError("INVALID_ARGUMENT", `epochs must be a non-negative integer, got ${options.epochs}`);
  }
  const batchSize = options.batchSize ?? 64;
  const optimizer = createOptimizer(options.optimizer ?? "adam", options.learningRate);
  const probabilities = outputsProbabilities(model);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batchesPerEpoch = Math.ceil(dataset.size / batchSize);
  const report = progressReporter("training", options.epochs * batchesPerEpoch, control.onProgress);
  const history: EpochRecord[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      for (const batch of dataset.batches({ batchSize, shuffleSeed: options.seed + epoch })) {
        try {
          await checkpoint(control.signal, "training");
          // Accuracy is counted inside the loss function: tensors made there are disposed when minimize returns.
          let hits: tf.Tensor | undefined;
          const loss = optimizer.minimize(
            () => {
              const output = model.apply(batch.images, { training: true }) as tf.Tensor2D;
              hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(output, 1), batch.labels), "int32")));
              const oneHot = tf.oneHot(batch.labels, output.shape[1]);
              return (
                probabilities
                  ? tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(output, 1e-7, 1))), 1)))
                  : tf.losses.softmaxCrossEntropy(oneHot, output)
              ) as tf.Scalar;
            },
            true,
            variables,
          )!;
          lossSum += (await loss.data())[0]! * batch.indices.length;
          correct += (await hits!.data())[0]!;
          loss.dispose();
          hits!.dispose();
        } finally {
          batch.images.dispose();
          batch.labels.dispose();
        }
        report(++step);
      }
      history.push({
        epoch: epoch + 1,
        loss: lossSum / dataset.size,
        accuracy: correct / dataset.size,
        seconds: (performance.now() - started) / 1000,
      });
    }
  } finally {
    optimizer.dispose();
  }
  const bnImages = options.batchNormImages ?? 2048;
  if (bnImages > 0 && options.epochs > 0) {
    await recalibrateBatchNorm(model, dataset, { images: bnImages, seed: options.seed }, control);
  }
  return history;
}

/**
 * Sets every BatchNormalization layer's moving mean and variance to the exact statistics of its input over
 * `images` training images, layer after layer in topological order (each layer sees its predecessors'
 * corrected statistics). The moving averages that training leaves behind lag (momentum 0.99): after a short
 * training they can be far from the weights' real statistics, and test accuracy falls far below training
 * accuracy. Standard practice ("precise BN", Wu & Johnson 2021).
 */
export async function recalibrateBatchNorm(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: { images: number; seed: number; batchSize?: number },
  control: OperationControl = {},
): Promise<number> {
  const layers = model.layers.filter((l) => l.getClassName() === "BatchNormalization");
  if (layers.length === 0) return 0;
  const order = permutation(dataset.size, createRng(options.seed));
  const sample = dataset.subset(order.subarray(0, Math.min(options.images, dataset.size)));
  for (const layer of layers) {
    await checkpoint(control.signal, "BatchNormalization recalibration");
    const probe = tfl.model({ inputs: model.inputs, outputs: layer.input as tfl.SymbolicTensor });
    const inputShape = (layer.input as tfl.SymbolicTensor).shape;
    const channels = inputShape.at(-1)!;
    // Statistics are per channel over batch and spatial positions, as BatchNormalization normalizes.
    const positions = inputShape.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
    // Per-batch moments merged with Chan et al.'s parallel update in float64: a single float32
    // E[x²] − E[x]² loses most digits to cancellation when the mean is large against the spread.
    const mean = new Float64Array(channels);
    const m2 = new Float64Array(channels);
    let n = 0;
    for (const batch of sample.batches({ batchSize: options.batchSize ?? 256 })) {
      const [batchMean, batchM2] = tf.tidy(() => {
        const flat = tf.reshape(probe.predict(batch.images) as tf.Tensor, [-1, channels]);
        const m = tf.mean(flat, 0);
        return [m, tf.sum(tf.square(tf.sub(flat, m)), 0)];
      });
      const [bm, bm2] = [await batchMean.data(), await batchM2.data()];
      batchMean.dispose();
      batchM2.dispose();
      batch.images.dispose();
      batch.labels.dispose();
      const nb = batch.indices.length * positions;
      const total = n + nb;
      for (let c = 0; c < channels; c++) {
        const delta = bm[c]! - mean[c]!;
        mean[c] = mean[c]! + (delta * nb) / total;
        m2[c] = m2[c]! + bm2[c]! + (delta * delta * n * nb) / total;
      }
      n = total;
    }
    const meanTensor = tf.tensor1d(Float32Array.from(mean));
    const varianceTensor = tf.tensor1d(Float32Array.from(m2, (v) => v / n));
    // BatchNormalization weights are [gamma?, beta?, movingMean, movingVariance]: the last two.
    const weights = layer.getWeights();
    layer.setWeights([...weights.slice(0, weights.length - 2), meanTensor, varianceTensor]);
    meanTensor.dispose();
    varianceTensor.dispose();
  }
  return layers.length;
}
