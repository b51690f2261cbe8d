import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { EvaluationResult } from "../contracts/model.js";
import type { Dataset } from "../data/dataset.js";
import { CarveError } from "../errors.js";
import { outputsProbabilities } from "../model/outputs.js";
import { type OperationControl, checkpoint, progressReporter } from "../util/operation.js";

export interface EvaluateOptions {
  /** Images per forward pass (default 256): larger is faster until memory runs short. */
  batchSize?: number;
}

/** Per-image outcome of one batch, read back from the backend. */
export interface BatchOutcome {
  predicted: Int32Array;
  /** −log p(true class), clipped at 1e-7 so one confident mistake cannot make the mean infinite. */
  loss: Float32Array;
}

const EPSILON = 1e-7;

/**
 * Runs one batch through `predict` and returns argmax and per-image cross-entropy, disposing every tensor it
 * made. `predict` returns logits or probabilities as `probabilities` says.
 */
export async function classifyBatch(
  predict: (images: tf.Tensor4D) => tf.Tensor,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  probabilities: boolean,
): Promise<BatchOutcome> {
  const [predicted, loss] = tf.tidy(() => {
    const output = predict(images) as tf.Tensor2D;
    const logProbs = probabilities ? tf.log(tf.clipByValue(output, EPSILON, 1)) : tf.logSoftmax(output);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, output.shape[1])), 1);
    return [tf.argMax(output, 1), tf.neg(picked)];
  });
  try {
    const [p, l] = await Promise.all([predicted.data(), loss.data()]);
    return { predicted: Int32Array.from(p), loss: Float32Array.from(l) };
  } finally {
    predicted.dispose();
    loss.dispose();
  }
}

function checkInputShape(model: tfl.LayersModel, dataset: Dataset): void {
  const expected = model.inputs[0]!.shape.slice(1);
  const got = dataset.imageShape;
  const matches = expected.length === 3 && expected.every((dim, i) => dim === null || dim === got[i]);
  if (!matches) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `model "${model.name}" expects images of shape [${expected.join(", ")}] but dataset ` +
        `"${dataset.name}" has [${got.join(", ")}]`,
    );
  }
  const classes = model.outputs[0]!.shape[1];
  if (classes !== dataset.classNames.length) {
    throw new CarveError(
      "SHAPE_MISMATCH",
      `model "${model.name}" has ${classes} outputs but dataset "${dataset.name}" has ` +
        `${dataset.classNames.length} classes`,
    );
  }
}

/**
 * Accuracy, per-class accuracy, mean loss and confusion matrix of `model` on `dataset`, in batches.
 * Allocates no tensor that outlives the call.
 */
export async function evaluate(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: EvaluateOptions = {},
  control: OperationControl = {},
): Promise<EvaluationResult> {
  const batchSize = options.batchSize ?? 256;
  checkInputShape(model, dataset);
  if (dataset.size === 0) {
    throw new CarveError("INVALID_DATA", `dataset "${dataset.name}" is empty: nothing to evaluate`);
  }
  const classes = dataset.classNames.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const probabilities = outputsProbabilities(model);
  const report = progressReporter(`evaluating on ${dataset.name}`, dataset.size, control.onProgress);
  const started = performance.now();
  let lossSum = 0;
  let done = 0;
  for (const batch of dataset.batches({ batchSize })) {
    let outcome: BatchOutcome;
    try {
      await checkpoint(control.signal, `evaluation on ${dataset.name}`);
      outcome = await classifyBatch(
        (x) => model.predict(x) as tf.Tensor,
        batch.images,
        batch.labels,
        probabilities,
      );
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
    for (let i = 0; i < outcome.predicted.length; i++) {
      confusion[dataset.label(batch.indices[i]!)]![outcome.predicted[i]!]! += 1;
      lossSum += outcome.loss[i]!;
    }
    done += outcome.predicted.length;
    report(done);
  }
  const seconds = (performance.now() - started) / 1000;
  const perClass = dataset.classNames.map((className, classIndex) => {
    const row = confusion[classIndex]!;
    const count = row.reduce((a, b) => a + b, 0);
    const correct = row[classIndex]!;
    return { classIndex, className, count, correct, accuracy: count > 0 ? correct / count : Number.NaN };
  });
  const correct = perClass.reduce((sum, c) => sum + c.correct, 0);
  return {
    dataset: dataset.name,
    count: done,
    correct,
    accuracy: correct / done,
    loss: lossSum / done,
    perClass,
    confusion,
    seconds,
    imagesPerSecond: done / Math.max(seconds, 1e-9),
  };
}
