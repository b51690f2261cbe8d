import type * as tfl from "@tensorflow/tfjs-layers";

/**
 * Whether the model's output is already a probability distribution (a final softmax), as in most Keras
 * classifiers, rather than logits. Loss computations need to know: applying softmax twice flattens the loss.
 */
export function outputsProbabilities(model: tfl.LayersModel): boolean {
  const last = model.outputs[0]?.sourceLayer;
  if (!last) return false;
  const className = last.getClassName();
  if (className === "Softmax") return true;
  const config = last.getConfig() as { activation?: string };
  return config.activation === "softmax";
}
