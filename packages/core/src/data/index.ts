/** The data module: the Dataset interface, the in-memory dataset, and one loader per source. */
export type { Batch, BatchOptions, Dataset, DatasetSplits, ImageShape } from "./dataset.js";
export { ArrayDataset, splitDataset, type ArrayDatasetArgs } from "./array-dataset.js";
export { LUMA_WEIGHTS, hsvToRgb, luma } from "./color.js";
export {
  DIGIT_CLASSES,
  FASHION_MNIST_CLASSES,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  findIdxFiles,
  loadIdxDirectory,
  loadIdxPair,
  parseIdxImages,
  parseIdxLabels,
  type IdxDirectoryOptions,
  type IdxFiles,
  type IdxImages,
  type IdxPairOptions,
} from "./idx.js";
export {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  findCifar10Files,
  loadCifar10Batches,
  loadCifar10Directory,
  parseCifar10,
  parseCifarMeta,
  type CifarBatchesOptions,
  type CifarDirectoryOptions,
  type CifarFiles,
  type CifarRecords,
} from "./cifar.js";
export {
  DEFAULT_IMAGE_FOLDER_SPLIT,
  IMAGE_EXTENSIONS,
  decodeImage,
  loadImageClassFolder,
  loadImageFolder,
  resizeImage,
  type DecodedImage,
  type ImageClassFolderOptions,
  type ImageFolderOptions,
  type ImageFolderSplitOptions,
} from "./image-folder.js";
export { loadMnistPackage, loadMnistPackageAll, type MnistPackageOptions } from "./mnist-package.js";
export {
  SHAPES_VARIANTS,
  SHAPE_CLASSES,
  generateColoredShapes,
  generateColoredShapesSplits,
  isoluminantColor,
  sampleColoredShapeScenes,
  shapeCoverage,
  type ColoredShapesOptions,
  type ColoredShapesSplitOptions,
  type ShapeName,
  type ShapeScene,
  type ShapesVariant,
} from "./colored-shapes.js";
export {
  BUILTIN_DATASETS,
  DEFAULT_DATA_SEED,
  FASHION_MNIST_DIR,
  FASHION_MNIST_VALIDATION,
  detectDatasetKind,
  isBuiltinDataset,
  loadDataset,
  parseImageShape,
  type BuiltinDatasetName,
  type DatasetKind,
  type LoadDatasetOptions,
} from "./loaders.js";
export { EVALUATION_SPLITS, evaluationSet, type EvaluationSplit } from "./evaluation-set.js";
