/**
 * The rest of the network after the next linear layer, compiled to plain tfjs ops. A tfjs-layers `apply`
 * costs up to twice the op it wraps (pooling, Dense) on wasm, and this part runs once per filter, so the
 * next-linear plan calls the ops directly. Two exact rewrites on top:
 *
 * - max pooling first: relu(max(a, b)) = max(relu(a), relu(b)) and m·max(a, b) = max(m·a, m·b) for a 0/1
 *   mask m, so a ReLU (and a removal mask) directly before a MaxPooling2D run on the pooled, 4× smaller
 *   tensor — the same values.
 * - a final softmax Dense stops at the logits: outcome.ts reads softmax logits as the naive pass reads the
 *   probabilities (argmax is the same; the loss is clipped the same way).
 *
 * Only a plain chain of known layers compiles; anything else keeps the layers (`compileSuffix` → undefined).
 */
import * as tf from "@tensorflow/tfjs-core";

import type { GraphAnalysis } from "../graph/channel-graph.js";
import { activationName, configPair, INFERENCE_IDENTITY_CLASSES, layerConfig } from "../graph/layer-kinds.js";
import type { MaskSet } from "./executor.js";
import { batchNormAffine } from "./fast-forward.js";
import type { RowKind } from "./runner.js";

type Op =
  | { kind: "map"; step: number; apply: (x: tf.Tensor) => tf.Tensor; monotoneRelu: boolean }
  | { kind: "maxPool"; step: number; apply: (x: tf.Tensor) => tf.Tensor };

export interface CompiledSuffix {
  /**
   * The model's output from `value`, the output of step `from − 1` before its activation (`activation`, when
   * the caller passes one) and removal mask. Call inside tf.tidy.
   */
  run(value: tf.Tensor, masks: MaskSet): tf.Tensor;
  /** What the output rows hold. */
  readonly kind: RowKind;
  /** Releases the tensors the compiled ops hold. */
  dispose(): void;
}

const RELU_ACTIVATIONS = new Set(["relu", "relu6"]);

/** An activation by name as a tf op, or undefined when there is no direct op for it here. */
export function activationOp(name: string): ((x: tf.Tensor) => tf.Tensor) | undefined {
  switch (name) {
    case "linear":
      return (x) => x;
    case "relu":
      return (x) => tf.relu(x);
    case "relu6":
      return (x) => tf.clipByValue(tf.relu(x), 0, 6);
    case "elu":
      return (x) => tf.elu(x);
    case "selu":
      return (x) => tf.selu(x);
    case "sigmoid":
      return (x) => tf.sigmoid(x);
    case "tanh":
      return (x) => tf.tanh(x);
    default:
      return undefined;
  }
}

function weightsByName(layer: { weights: Array<{ originalName: string; read(): tf.Tensor }> }) {
  return new Map(layer.weights.map((w) => [w.originalName.split("/").pop()!, w]));
}

/**
 * Compiles steps `from`…end when they form a chain of supported layers; `activation` is the activation of
 * step `from − 1` (applied to `value` first) and `maskStep` the step whose removal mask follows it.
 */
export function compileSuffix(
  analysis: GraphAnalysis,
  from: number,
  activation: string,
  maskStep: number,
): CompiledSuffix | undefined {
  const { steps, consumers, outputSlots } = analysis.topology;
  const firstActivation = activationOp(activation);
  if (!firstActivation) return undefined;
  const ops: Op[] = [
    { kind: "map", step: maskStep, apply: firstActivation, monotoneRelu: RELU_ACTIVATIONS.has(activation) },
  ];
  let kind: RowKind = "logits";
  const owned: tf.Tensor[] = [];
  const unsupported = () => {
    tf.dispose(owned);
    return undefined;
  };
  for (let i = from; i < steps.length; i++) {
    const step = steps[i]!;
    const previous = steps[i - 1]!.outputs[0]!;
    if (step.inputs.length !== 1 || step.inputs[0] !== previous || consumers[previous]!.length !== 1) {
      return unsupported();
    }
    const layer = step.layer;
    const className = layer.getClassName();
    const config = layerConfig(layer);
    const last = i === steps.length - 1;
    if (last && !outputSlots.includes(step.outputs[0]!)) return unsupported();
    if (INFERENCE_IDENTITY_CLASSES.has(className)) {
      ops.push({ kind: "map", step: i, apply: (x) => x, monotoneRelu: false });
      continue;
    }
    switch (className) {
      case "MaxPooling2D":
      case "AveragePooling2D": {
        if (config.dataFormat === "channelsFirst") return unsupported();
        const poolSize = configPair(config.poolSize, 2);
        const strides = configPair(config.strides ?? config.poolSize, poolSize[0]);
        const padding = config.padding === "same" ? "same" : "valid";
        if (className === "MaxPooling2D") {
          ops.push({
            kind: "maxPool",
            step: i,
            apply: (x) => tf.maxPool(x as tf.Tensor4D, poolSize, strides, padding),
          });
        } else {
          ops.push({
            kind: "map",
            step: i,
            apply: (x) => tf.avgPool(x as tf.Tensor4D, poolSize, strides, padding),
            monotoneRelu: false,
          });
        }
        break;
      }
      case "Flatten":
      case "Reshape":
        if (
          className === "Reshape" &&
          !(Array.isArray(config.targetShape) && config.targetShape.length === 1)
        ) {
          return unsupported();
        }
        ops.push({
          kind: "map",
          step: i,
          apply: (x) => tf.reshape(x, [x.shape[0]!, -1]),
          monotoneRelu: false,
        });
        break;
      case "Activation":
      case "ReLU": {
        const name = className === "ReLU" ? "relu" : activationName(layer);
        if (className === "ReLU" && (config.maxValue != null || (config.threshold ?? 0) !== 0))
          return unsupported();
        if (className === "ReLU" && (config.negativeSlope ?? 0) !== 0) return unsupported();
        const op = activationOp(name);
        if (!op) return unsupported();
        ops.push({ kind: "map", step: i, apply: op, monotoneRelu: RELU_ACTIVATIONS.has(name) });
        break;
      }
      case "BatchNormalization": {
        const axis = config.axis;
        const rank = step.inputRanks[0] ?? 0;
        if (!(axis === -1 || axis === rank - 1)) return unsupported();
        // x·s + t: wasm's BatchNorm kernel is several times slower (see fast-forward.ts).
        const [scale, shift] = batchNormAffine(layer);
        owned.push(scale, shift);
        ops.push({
          kind: "map",
          step: i,
          apply: (x) => tf.add(tf.mul(x, scale), shift),
          monotoneRelu: false,
        });
        break;
      }
      case "GlobalAveragePooling2D":
      case "GlobalMaxPooling2D":
        if (config.dataFormat === "channelsFirst") return unsupported();
        ops.push({
          kind: "map",
          step: i,
          apply: (x) => (className === "GlobalMaxPooling2D" ? tf.max(x, [1, 2]) : tf.mean(x, [1, 2])),
          monotoneRelu: false,
        });
        break;
      case "Dense": {
        if ((step.inputRanks[0] ?? 0) !== 2) return unsupported();
        const w = weightsByName(layer);
        const name = activationName(layer);
        const softmaxOutput = last && name === "softmax";
        const after = softmaxOutput ? (x: tf.Tensor) => x : activationOp(name);
        if (!after) return unsupported();
        // The product and its bias in one kernel where the activation can wait (linear, or the output's softmax).
        const fused = softmaxOutput || name === "linear";
        // Any other output activation is read as logits, as classifyBatch does (no softmax seen).
        if (last) kind = softmaxOutput ? "softmax-logits" : "logits";
        ops.push({
          kind: "map",
          step: i,
          apply: (x) => {
            const kernel = w.get("kernel")!.read() as tf.Tensor2D;
            const bias = w.get("bias")?.read();
            if (fused) return tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel, ...(bias ? { bias } : {}) });
            const product = tf.matMul(x as tf.Tensor2D, kernel);
            return after(bias ? tf.add(product, bias) : product);
          },
          monotoneRelu: false,
        });
        break;
      }
      default:
        return unsupported();
    }
  }
  // A model whose output is not a Dense: the output kind is the model's.
  const lastClass = steps[steps.length - 1]!.layer.getClassName();
  if (lastClass !== "Dense") return unsupported();

  return {
    kind,
    dispose: () => tf.dispose(owned),
    run(value: tf.Tensor, masks: MaskSet): tf.Tensor {
      let x = value;
      for (let k = 0; k < ops.length; k++) {
        const op = ops[k]!;
        const next = ops[k + 1];
        if (op.kind === "map" && op.monotoneRelu && next?.kind === "maxPool") {
          // Pool first (see the module comment): pool, activation, mask.
          x = next.apply(x);
          x = op.apply(x);
          const mask = masks.get(op.step);
          if (mask) x = tf.mul(x, mask);
          const poolMask = masks.get(next.step);
          if (poolMask) x = tf.mul(x, poolMask);
          k++;
          continue;
        }
        x = op.apply(x);
        const mask = masks.get(op.step);
        if (mask) x = tf.mul(x, mask);
      }
      return x;
    },
  };
}
