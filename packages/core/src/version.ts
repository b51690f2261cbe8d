/** Carve's version, recorded in model cards and reproducibility records. Kept equal to package.json. */
export const CARVE_VERSION = "0.1.0";
