/**
 * Interoperability with TensorFlow.js / Keras: export a Sequential in the TF.js Layers format
 * (`tf.loadLayersModel` loads it) and import TF.js Layers models built from the layers this
 * library has. README.md here lists what maps to what.
 */
export { toTfjsArtifacts, type TfjsExportOptions } from './tfjs-export.js';
export { fromTfjsArtifacts, type TfjsImportOptions } from './tfjs-import.js';
export { saveTfjsModel, loadTfjsModel, readTfjsModelFiles } from './node-tfjs-io.js';
export { SUPPORTED_KERAS_LAYERS } from './keras-layers.js';
export {
  TFJS_EXPORTER,
  DEFAULT_SHARD_BYTES,
  type TfjsArtifacts,
  type TfjsModelJson,
  type TfjsWeightsGroup,
  type TfjsWeightSpec,
  type KerasLayerJson,
} from './tfjs-format.js';
