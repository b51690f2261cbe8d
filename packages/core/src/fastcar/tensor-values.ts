/**
 * Reading a chunk's tensors back without `dataSync`'s copy. On wasm, `dataSync` copies the whole tensor
 * into a fresh buffer, and for the tens of MB of a chunk state the new pages cost more than the engine's
 * own work with them (MNIST's next-linear state: 25 ms per chunk). The backend's own view of its heap has
 * no copy; it is valid only until the heap grows, so the callback must not allocate tensors.
 */
import * as tf from "@tensorflow/tfjs-core";

interface HeapBackend {
  typedArrayFromHeap?(tensor: tf.TensorInfo): Float32Array;
}

/** Calls `read` with the values of a float32 `tensor`; `read` copies what it keeps and creates no tensor. */
export function readValues<T>(tensor: tf.Tensor, read: (values: Float32Array) => T): T {
  const backend = tf.backend() as unknown as HeapBackend;
  if (
    tf.getBackend() === "wasm" &&
    typeof backend.typedArrayFromHeap === "function" &&
    tensor.dtype === "float32"
  ) {
    return read(backend.typedArrayFromHeap(tensor));
  }
  return read(tensor.dataSync() as Float32Array);
}
