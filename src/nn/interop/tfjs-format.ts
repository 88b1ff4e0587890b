/**
 * The TensorFlow.js Layers format (what `tf.loadLayersModel` reads and `model.save` writes), as
 * far as this library reads and writes it:
 *
 *   model.json   { modelTopology, format: 'layers-model', generatedBy, convertedBy,
 *                  weightsManifest: [{ paths: [shard files], weights: [{ name, shape, dtype }] }],
 *                  userDefinedMetadata? }
 *   shards       the weights' values back to back, little-endian, in manifest order: the groups
 *                in order, each group's weights in order. Shard files only cut that byte stream
 *                into pieces (at any byte, not at weight boundaries), so a reader concatenates
 *                every path of every group in order and then walks the specs.
 *
 * `modelTopology` is Keras's JSON: `{ class_name: 'Sequential', config: { name, layers:
 * [{ class_name, config }] }, keras_version, backend }`, with snake_case option names. A Keras
 * (Python) save converted by `tensorflowjs_converter` wraps it as `{ model_config: ... }`.
 */

/** Keras's serialised form of one layer (or of a model). */
export interface KerasLayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

/** How a tfjs weight spec stores quantised values: value = q · scale + min (uint8/uint16), or float16. */
export interface TfjsQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
  original_dtype?: string;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** tfjs puts optimizer state in the manifest with group 'optimizer'; model weights have none or 'model'. */
  group?: string;
  quantization?: TfjsQuantization;
}

export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** The contents of a TF.js Layers `model.json`. */
export interface TfjsModelJson {
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: KerasLayerJson[] };
    keras_version: string;
    backend: string;
  };
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  weightsManifest: TfjsWeightsGroup[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** What `toTfjsArtifacts` returns: the manifest, all weight bytes, and those bytes cut into the manifest's shard files. */
export interface TfjsArtifacts {
  modelJson: TfjsModelJson;
  /** Every weight's float32 values, little-endian, in manifest order. */
  weightData: ArrayBuffer;
  /** `weightData` cut into the files the manifest names (views, no copies). */
  shards: { path: string; data: Uint8Array }[];
}

/** Written as `generatedBy` and `convertedBy`; bump the suffix if the exported JSON changes shape. */
export const TFJS_EXPORTER = 'webgpu-siamese tfjs-export v1';

/** tensorflowjs_converter's default shard size (`--weight_shard_size_bytes`), 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** Shard file names as tensorflowjs_converter writes them: group1-shard1of3.bin, ... */
export function shardPath(i: number, n: number): string {
  return `group1-shard${i + 1}of${n}.bin`;
}

/** Matches the shard names this exporter writes (to clean up shards a previous export left). */
export const SHARD_PATH_PATTERN = /^group\d+-shard\d+of\d+\.bin$/;
