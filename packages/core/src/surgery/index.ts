/** The surgery module: physical filter removal, giving a smaller model with the masked model's outputs. */
export { removeFilters } from "./remove-filters.js";
export { surgeryReport, type LayerChange, type SurgeryReport } from "./surgery-report.js";
