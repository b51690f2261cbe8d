/** The mask module: removing filters virtually (channel masks), used for scoring. */
export {
  NO_REMOVAL,
  removalSize,
  validateRemoval,
  withRemoved,
  type FilterRemoval,
} from "./filter-removal.js";
export { MaskedModel } from "./masked-model.js";
