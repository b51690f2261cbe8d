import "@tensorflow/tfjs-backend-cpu";

import * as tf from "@tensorflow/tfjs-core";
import { encode as encodeJpeg } from "jpeg-js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG, type ColorType } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CarveError } from "../errors.js";
import { createRng } from "../util/random.js";
import type { Dataset } from "./dataset.js";
import { decodeImage, loadImageClassFolder, loadImageFolder, resizeImage } from "./image-folder.js";

type Rgba = [number, number, number, number];

function pngBytes(
  width: number,
  height: number,
  pixel: (x: number, y: number) => Rgba,
  colorType?: ColorType,
) {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(pixel(x, y), (y * width + x) * 4);
  }
  return PNG.sync.write(png, colorType === undefined ? {} : { colorType });
}

function jpegBytes(width: number, height: number, pixel: (x: number, y: number) => Rgba) {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  }
  return encodeJpeg({ width, height, data }, 100).data;
}

const solid =
  (r: number, g: number, b: number, a = 255) =>
  (): Rgba => [r, g, b, a];

async function expectCarveError(promise: Promise<unknown>, code: string, ...fragments: string[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CarveError);
  expect((error as CarveError).code).toBe(code);
  for (const fragment of fragments) expect((error as CarveError).message).toContain(fragment);
}

function images(dataset: Dataset): number[][][][] {
  const out: number[][][][] = [];
  for (const batch of dataset.batches({ batchSize: 16 })) {
    out.push(...(batch.images.arraySync() as number[][][][]));
    tf.dispose([batch.images, batch.labels]);
  }
  return out;
}

/** Writes `files` (relative path → bytes) under a fresh folder and returns its path. */
async function folder(name: string, files: Record<string, Uint8Array | string>): Promise<string> {
  const root = join(dir, name);
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
  await mkdir(root, { recursive: true });
  return root;
}

let dir: string;

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "carve-images-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resizeImage", () => {
  it("averages 2×2 blocks when halving (half-pixel centres put each sample between four pixels)", () => {
    // 4×4 → 2×2: output pixel (0, 0) samples source (0.5, 0.5), the centre of the block of pixels 0..1.
    const values = [0, 40, 80, 120, 10, 50, 90, 130, 200, 220, 240, 250, 100, 0, 30, 60];
    const rgba = new Uint8Array(16 * 4);
    values.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    const out = new Uint8Array(4 * 3);
    resizeImage({ width: 4, height: 4, rgba }, [2, 2, 3], out);
    const expected = [25, 105, 130, 145]; // (0+40+10+50)/4, (80+120+90+130)/4, (200+220+100+0)/4, …
    expect([0, 3, 6, 9].map((i) => out[i])).toEqual(expected);
  });

  it("matches tf.image.resizeBilinear with half-pixel centres on a random image", () => {
    const rng = createRng(7);
    const [inH, inW, outH, outW] = [13, 9, 5, 17];
    const rgba = Uint8Array.from({ length: inH * inW * 4 }, () => Math.floor(rng() * 256));
    const out = new Uint8Array(outH * outW * 3);
    resizeImage({ width: inW, height: inH, rgba }, [outH, outW, 3], out);
    const expected = tf.tidy(() => {
      const rgb = tf.slice(tf.tensor3d(rgba, [inH, inW, 4], "float32"), [0, 0, 0], [inH, inW, 3]);
      return tf.round(tf.image.resizeBilinear(rgb, [outH, outW], false, true)).dataSync();
    });
    const worst = out.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
    expect(worst).toBeLessThanOrEqual(1); // rounding of x.5 in float32 vs float64 may differ by one
  });

  it("converts to one channel by Rec. 601 luma and drops alpha without compositing", () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 128, 10, 200, 30, 0]);
    const gray = new Uint8Array(4);
    resizeImage({ width: 2, height: 2, rgba }, [2, 2, 1], gray);
    expect([...gray]).toEqual([76, 150, 29, 124]); // round(0.299·255), round(0.587·255), …, round(123.81)
    const rgb = new Uint8Array(12);
    resizeImage({ width: 2, height: 2, rgba }, [2, 2, 3], rgb);
    expect([...rgb.subarray(9)]).toEqual([10, 200, 30]);
  });
});

describe("decodeImage", () => {
  it("tells PNG and JPEG apart by content and names the file of anything else", () => {
    const png = decodeImage(pngBytes(3, 2, solid(1, 2, 3)), "a.jpg");
    expect([png.width, png.height, ...png.rgba.subarray(0, 4)]).toEqual([3, 2, 1, 2, 3, 255]);
    const jpeg = decodeImage(jpegBytes(8, 8, solid(200, 100, 50)), "b.png");
    expect(jpeg.width).toBe(8);
    expect(Math.abs(jpeg.rgba[0]! - 200)).toBeLessThanOrEqual(3);
    const deep = new Uint16Array([65535, 32768, 0, 65535]);
    const png16 = PNG.sync.write({ width: 1, height: 1, data: Buffer.from(deep.buffer) } as PNG, {
      bitDepth: 16,
      inputHasAlpha: true,
      colorType: 6,
    });
    expect([...decodeImage(png16, "deep.png").rgba]).toEqual([255, 128, 0, 255]); // 16-bit scaled to 8-bit
    expect(() => decodeImage(new Uint8Array([0x47, 0x49, 0x46, 0x38]), "c.png")).toThrow(
      /c\.png: corrupt or unsupported image: not a PNG .* starts with bytes 47 49 46 38/,
    );
  });
});

describe("loadImageFolder", () => {
  it("labels images by sorted class folder, resizes them, and ignores stray non-image files", async () => {
    const root = await folder("basic", {
      "zebra/1.png": pngBytes(4, 4, solid(0, 0, 255)),
      "apple/2.PNG": pngBytes(6, 3, solid(255, 0, 0)),
      "apple/1.png": pngBytes(2, 2, solid(250, 10, 10)),
      "apple/README.txt": "notes",
      "mango/x.jpeg": jpegBytes(8, 8, solid(0, 255, 0)),
      "mango/y.jpg": jpegBytes(16, 8, solid(0, 250, 0)),
      ".hidden/z.png": pngBytes(2, 2, solid(0, 0, 0)),
    });
    const dataset = await loadImageClassFolder(root, { imageShape: [5, 5, 3] });
    expect(dataset.name).toBe("basic");
    expect(dataset.classNames).toEqual(["apple", "mango", "zebra"]);
    expect([...dataset.labels()]).toEqual([0, 0, 1, 1, 2]);
    const pixels = images(dataset);
    expect(pixels[0]![4]![4]).toEqual([250 / 255, 10 / 255, 10 / 255].map((v) => expect.closeTo(v, 6)));
    expect(pixels[4]![2]![2]).toEqual([0, 0, 1]);
    expect(Math.abs(pixels[2]![0]![0]![1]! * 255 - 255)).toBeLessThanOrEqual(3); // JPEG is lossy
  });

  it("splits an unsplit folder by class with a seed, the same way every time", async () => {
    const files: Record<string, Uint8Array> = {};
    for (const [className, count] of [
      ["a", 10],
      ["b", 20],
      ["c", 5],
    ] as const) {
      for (let i = 0; i < count; i++) files[`${className}/${i}.png`] = pngBytes(3, 3, solid(i * 10, 0, 0));
    }
    const root = await folder("to-split", files);
    const shape = [3, 3, 1] as const;
    const one = await loadImageFolder(root, { imageShape: shape, split: { testFraction: 0.4, seed: 5 } });
    const two = await loadImageFolder(root, { imageShape: shape, split: { testFraction: 0.4, seed: 5 } });
    const other = await loadImageFolder(root, { imageShape: shape, split: { testFraction: 0.4, seed: 6 } });
    expect(one.test.name).toBe("to-split/test");
    const count = (d: Dataset) => [0, 1, 2].map((k) => d.labels().filter((l) => l === k).length);
    expect(count(one.test)).toEqual([4, 8, 2]); // round(0.4 · n) of each class
    expect(count(one.train)).toEqual([6, 12, 3]);
    expect(images(one.test)).toEqual(images(two.test));
    expect(images(one.test)).not.toEqual(images(other.test));
    const defaults = await loadImageFolder(root, { imageShape: shape });
    expect(count(defaults.test)).toEqual([2, 4, 1]);
  });

  it("uses existing train/ and test/ folders, giving test the labels of train", async () => {
    const root = await folder("presplit", {
      "train/cat/1.png": pngBytes(2, 2, solid(1, 1, 1)),
      "train/dog/1.png": pngBytes(2, 2, solid(2, 2, 2)),
      "train/owl/1.png": pngBytes(2, 2, solid(3, 3, 3)),
      "test/owl/1.png": pngBytes(2, 2, solid(3, 3, 3)),
      "test/dog/2.png": pngBytes(2, 2, solid(2, 2, 2)),
      "val/cat/9.png": pngBytes(2, 2, solid(1, 1, 1)),
    });
    const splits = await loadImageFolder(root, { imageShape: [2, 2, 3] });
    expect(splits.train.classNames).toEqual(["cat", "dog", "owl"]);
    expect(splits.test.classNames).toEqual(["cat", "dog", "owl"]);
    expect([...splits.test.labels()]).toEqual([1, 2]);
    expect(splits.validation?.name).toBe("presplit/validation");
    expect([...splits.validation!.labels()]).toEqual([0]);
  });

  it("rejects a test class that train does not have", async () => {
    const root = await folder("presplit-bad", {
      "train/cat/1.png": pngBytes(2, 2, solid(1, 1, 1)),
      "test/cow/1.png": pngBytes(2, 2, solid(3, 3, 3)),
    });
    await expectCarveError(
      loadImageFolder(root, { imageShape: [2, 2, 3] }),
      "INVALID_DATA",
      "cow",
      "not among",
    );
  });

  it("yields float32 batches in [0, 1] and leaks no tensors", async () => {
    const root = await folder("leak", {
      "a/1.png": pngBytes(7, 5, (x, y) => [x * 30, y * 50, 255, 255]),
      "a/2.png": pngBytes(5, 7, solid(0, 0, 0)),
      "b/1.jpg": jpegBytes(9, 9, (x) => [x * 28, 0, 0, 255]),
    });
    const dataset = await loadImageClassFolder(root, { imageShape: [4, 6, 3] });
    const before = tf.memory().numTensors;
    for (const batch of dataset.batches({ batchSize: 2, shuffleSeed: 3 })) {
      expect(batch.images.dtype).toBe("float32");
      expect(batch.images.shape.slice(1)).toEqual([4, 6, 3]);
      const values = batch.images.dataSync();
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      tf.dispose([batch.images, batch.labels]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects an empty class folder, saying which files it ignored", async () => {
    const root = await folder("empty-class", {
      "a/1.png": pngBytes(2, 2, solid(1, 1, 1)),
      "b/notes.txt": "no images here",
    });
    await expectCarveError(
      loadImageFolder(root, { imageShape: [2, 2, 3] }),
      "INVALID_DATA",
      join(root, "b"),
      "empty class folder",
      "notes.txt",
    );
  });

  it("rejects a folder without class sub-folders", async () => {
    const root = await folder("flat", { "1.png": pngBytes(2, 2, solid(1, 1, 1)) });
    await expectCarveError(
      loadImageFolder(root, { imageShape: [2, 2, 3] }),
      "INVALID_DATA",
      "flat",
      "no class folders",
    );
  });

  it("names a truncated PNG, a garbled JPEG and a non-image with an image extension", async () => {
    const png = pngBytes(8, 8, (x, y) => [x * 20, y * 20, 0, 255]);
    const cases: Array<[string, Uint8Array, string]> = [
      ["cut.png", png.subarray(0, png.length - 30), "corrupt PNG image"],
      [
        "garbled.jpg",
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 1, 2, 3]),
        "corrupt JPEG",
      ],
      ["text.png", Buffer.from("hello world"), "not a PNG"],
    ];
    for (const [name, bytes, problem] of cases) {
      const root = await folder(`corrupt-${name}`, { "a/ok.png": png, [`a/${name}`]: bytes });
      await expectCarveError(
        loadImageFolder(root, { imageShape: [4, 4, 1] }),
        "INVALID_DATA",
        join(root, "a", name),
        problem,
      );
    }
  });

  it("reports an image format it cannot read instead of skipping it", async () => {
    const root = await folder("gif", {
      "a/1.png": pngBytes(2, 2, solid(1, 1, 1)),
      "a/2.gif": Buffer.from("GIF89a"),
    });
    await expectCarveError(
      loadImageFolder(root, { imageShape: [2, 2, 3] }),
      "INVALID_DATA",
      join(root, "a", "2.gif"),
      "unsupported image format .gif",
    );
  });

  it("rejects an image shape that is not [h, w, 1 or 3] and a missing folder", async () => {
    const root = await folder("shape", { "a/1.png": pngBytes(2, 2, solid(1, 1, 1)) });
    await expectCarveError(loadImageFolder(root, { imageShape: [2, 2, 4] }), "INVALID_ARGUMENT", "[2, 2, 4]");
    await expectCarveError(
      loadImageFolder(join(dir, "absent"), { imageShape: [2, 2, 3] }),
      "NOT_FOUND",
      "absent",
    );
  });

  it("reads grayscale PNGs as equal R, G and B", async () => {
    const root = await folder("gray", { "a/g.png": pngBytes(3, 3, solid(90, 90, 90), 0) });
    const dataset = await loadImageClassFolder(root, { imageShape: [3, 3, 3] });
    expect(images(dataset)[0]![1]![1]).toEqual([90, 90, 90].map((v) => expect.closeTo(v / 255, 6)));
  });
});
