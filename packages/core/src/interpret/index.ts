/**
 * The interpret module: looking inside a CNN's filters — kernels as images, the dataset patches that excite
 * them most, how alike a layer's filters are, how colourful first-layer filters are, and which classes a
 * filter matters for. Everything returns plain data (numbers, typed arrays, RGBA or PNG bytes); nothing is
 * written to disk.
 */
export { FILTER_LAYER_CLASSES, filterLayerNames, findLayer, removalPointLayer } from "./model-layers.js";
export {
  filterWeightVectors,
  filterWeights,
  kernelFromFilters,
  readConvKernel,
  type ConvKernel,
} from "./conv-kernel.js";
export {
  TRANSPARENT,
  createImage,
  drawImage,
  pixelsToImage,
  unitToByte,
  upscaleNearest,
  type Rgba,
  type RgbaImage,
} from "./rgba-image.js";
export { encodePng, type EncodePngOptions } from "./png.js";
export {
  filterImage,
  filterSheet,
  type FilterImageMode,
  type FilterImageOptions,
  type FilterScaling,
  type FilterSheet,
  type FilterSheetOptions,
  type SheetTile,
} from "./filter-images.js";
export { receptiveField, receptiveFieldBox, type PixelBox, type ReceptiveField } from "./receptive-field.js";
export { RunningTopK, ranksBefore, type RankedActivation } from "./running-top-k.js";
export {
  patchImage,
  topActivatingPatches,
  type ActivatingPatch,
  type FilterPatches,
  type TopPatchesOptions,
  type TopPatchesResult,
} from "./top-patches.js";
export { rankClasses, type ClassRanking, type ClassScore } from "./class-ranking.js";
export {
  clusterBySimilarity,
  filterDiversity,
  layerDiversity,
  similarityMatrix,
  type DiversityOptions,
  type FilterClusters,
  type FilterDiversity,
  type LayerDiversity,
  type LayerDiversityOptions,
  type SimilarityMeasure,
} from "./diversity.js";
export {
  chanceOverlap,
  chromaticity,
  countRemovedAmong,
  kernelChromaticity,
  layerChromaticity,
  splitByChromaticity,
  type ChanceOverlap,
  type ChromaticSplit,
} from "./chromaticity.js";
