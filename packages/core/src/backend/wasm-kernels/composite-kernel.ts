import * as tf from "@tensorflow/tfjs-core";

/**
 * Turns a function over public tfjs ops into a backend kernel, for kernels a backend lacks but can compose
 * from kernels it has.
 *
 * Ownership, checked against tfjs-core 4.22's engine: a kernel returns a `TensorInfo` whose data it owns (the
 * engine wraps it in a Tensor without raising the data's reference count), and it must leave no other data
 * behind (with the `IS_TEST` flag on, the engine counts data ids and throws on a leak). So the ops run inside
 * `tf.tidy`, which disposes every intermediate; the one result is handed over by raising its reference count
 * and then disposing the Tensor that held it — the same hand-over tfjs's own wasm `Reshape` kernel does with
 * `backend.incRef`. Ops run inside a kernel are not recorded on the gradient tape (the engine stops taping
 * while `kernelDepth > 0`), so this does not disturb gradients.
 */
export function compositeKernel<Attrs>(
  compute: (inputs: Record<string, tf.Tensor>, attrs: Attrs) => tf.Tensor,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const kernelBackend = backend as tf.KernelBackend;
    const result = tf.tidy(() => {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (info) tensors[name] = asTensor(info, kernelBackend);
      }
      const out = compute(tensors, attrs as Attrs);
      // Handing over an input's own data would let the caller's tensor and the kernel's output free it twice.
      return Object.values(tensors).includes(out) ? out.clone() : out;
    });
    kernelBackend.incRef(result.dataId);
    const output: tf.TensorInfo = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
    result.dispose();
    return output;
  };
}

/**
 * Kernel inputs are Tensors when the kernel is reached through an op, but plain TensorInfos when another
 * kernel calls it directly. A plain one is wrapped with its own reference, which the surrounding tidy drops.
 */
function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}
