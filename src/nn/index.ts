/**
 * Neural-network building blocks on the engine's autograd ops: layers with Keras's defaults,
 * Sequential models, saving/loading (FORMAT.md), and the Adam/SGD optimizers. Nothing here
 * knows about Siamese pairs; src/siamese builds on it.
 */
export { Layer, glorotUniform, type Activation, type LayerConfig } from './layer.js';
export { Conv2D, MaxPooling2D, type Conv2DOptions, type MaxPooling2DOptions } from './conv-layers.js';
export { Dense, Flatten, ReLU, type DenseOptions } from './core-layers.js';
export { layerFromConfig, LAYER_CLASS_NAMES } from './registry.js';
export { Sequential, type SequentialOptions } from './sequential.js';
export {
  toArtifacts,
  fromArtifacts,
  crc32,
  FORMAT_NAME,
  FORMAT_VERSION,
  type ModelArtifacts,
  type ModelManifest,
  type WeightEntry,
  type ArtifactNames,
} from './artifacts.js';
export { saveModel, loadModel } from './node-io.js';
export { Optimizer, Adam, SGD, type AdamOptions, type Gradients, type OptimizerState } from './optimizers.js';
