import * as tfl from "@tensorflow/tfjs-layers";

/**
 * Architectures of the built-in demo models. Small on purpose: they ship in the repository (a few hundred KB
 * each) and CAR scores every filter of them in seconds, yet they have the parts real CNNs have — stacked
 * convolutions, BatchNormalization, pooling, a Dense head — so every code path of Carve runs on them.
 * Initializers are seeded, so a build is the same every time.
 */

interface BuildArgs {
  seed: number;
}

/**
 * conv1 → max-pool → conv2 → max-pool → flatten → dense softmax, ReLU convolutions with "same" padding: the
 * plain CNN of the MNIST and colored-shapes demos.
 */
function buildTwoConvCnn(args: {
  name: string;
  inputShape: [number, number, number];
  filters: [number, number];
  kernelSizes: [number, number];
  classes: number;
  seed: number;
}): tfl.Sequential {
  const { seed } = args;
  const model = tfl.sequential({ name: args.name });
  args.filters.forEach((filters, i) => {
    model.add(
      tfl.layers.conv2d({
        name: `conv${i + 1}`,
        ...(i === 0 ? { inputShape: args.inputShape } : {}),
        filters,
        kernelSize: args.kernelSizes[i]!,
        padding: "same",
        activation: "relu",
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }),
      }),
    );
    model.add(tfl.layers.maxPooling2d({ name: `pool${i + 1}`, poolSize: 2 }));
  });
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(
    tfl.layers.dense({
      name: "logits",
      units: args.classes,
      activation: "softmax",
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
    }),
  );
  return model;
}

/** MNIST digits, 28×28×1: conv(16) → pool → conv(32) → pool → dense(10). */
export function buildMnistCnn({ seed }: BuildArgs): tfl.Sequential {
  return buildTwoConvCnn({
    name: "mnist-cnn",
    inputShape: [28, 28, 1],
    filters: [16, 32],
    kernelSizes: [3, 3],
    classes: 10,
    seed,
  });
}

/**
 * Fashion-MNIST, 28×28×1: (conv → BatchNormalization → ReLU) × 2 with pooling, then dense(10). The convs have
 * no bias and a linear activation, as is usual before BatchNormalization, so tfjs fuses them — the path that
 * needs a Conv2DBackpropFilter kernel on wasm.
 */
export function buildFashionCnn({ seed }: BuildArgs): tfl.Sequential {
  const model = tfl.sequential({ name: "fashion-cnn" });
  const convBlock = (name: string, filters: number, s: number, inputShape?: number[]) => {
    model.add(
      tfl.layers.conv2d({
        name,
        ...(inputShape ? { inputShape } : {}),
        filters,
        kernelSize: 3,
        padding: "same",
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: s }),
      }),
    );
    model.add(tfl.layers.batchNormalization({ name: `${name}_bn` }));
    model.add(tfl.layers.activation({ name: `${name}_relu`, activation: "relu" }));
    model.add(tfl.layers.maxPooling2d({ name: `${name}_pool`, poolSize: 2 }));
  };
  convBlock("conv1", 32, seed, [28, 28, 1]);
  convBlock("conv2", 64, seed + 1);
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(tfl.layers.dropout({ name: "dropout", rate: 0.25, seed: seed + 2 }));
  model.add(
    tfl.layers.dense({
      name: "logits",
      units: 10,
      activation: "softmax",
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }),
    }),
  );
  return model;
}

/**
 * Colored shapes, 32×32×3: 32 first-layer 5×5 RGB filters (enough for colour-selective and achromatic
 * filters to both appear, as in the paper's AlexNet analysis), then conv(32) and a dense head.
 */
export function buildShapesCnn({ seed, classes }: BuildArgs & { classes: number }): tfl.Sequential {
  return buildTwoConvCnn({
    name: "shapes-cnn",
    inputShape: [32, 32, 3],
    filters: [32, 32],
    kernelSizes: [5, 3],
    classes,
    seed,
  });
}
