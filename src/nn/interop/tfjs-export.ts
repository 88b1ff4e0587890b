/**
 * Sequential → TF.js Layers artifacts (`model.json` + shard bytes) that `tf.loadLayersModel`
 * loads unchanged. Browser-safe: the caller decides where the bytes go (node-tfjs-io.ts writes
 * them to a folder).
 */
import type { Sequential } from '../sequential.js';
import { kerasLayerJson } from './keras-layers.js';
import { DEFAULT_SHARD_BYTES, TFJS_EXPORTER, shardPath, type TfjsArtifacts, type TfjsModelJson, type TfjsWeightSpec } from './tfjs-format.js';

export interface TfjsExportOptions {
  /** Largest shard file in bytes (default 4 MiB, tensorflowjs_converter's default). */
  shardBytes?: number;
  /** Stored as `userDefinedMetadata` (tfjs: `model.getUserDefinedMetadata()`); must be JSON. */
  metadata?: Record<string, unknown>;
}

/**
 * Describes `model` in the TF.js Layers format. Weights are named `<layer>/kernel` and
 * `<layer>/bias` (our variable names, which follow Keras's), listed in layer order as tfjs
 * lists them, and stored as little-endian float32.
 */
export async function toTfjsArtifacts(model: Sequential, opts: TfjsExportOptions = {}): Promise<TfjsArtifacts> {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 4) throw new Error(`toTfjsArtifacts: shardBytes must be an integer >= 4, got ${shardBytes}`);
  if (opts.metadata !== undefined && (typeof opts.metadata !== 'object' || opts.metadata === null || Array.isArray(opts.metadata))) {
    throw new Error(`toTfjsArtifacts: metadata must be a plain object, got ${JSON.stringify(opts.metadata)}`);
  }
  // Build the JSON first: a layer with no tfjs equivalent fails before any GPU readback.
  const layers = model.layers.map((l, i) => kerasLayerJson(l, i === 0 ? model.inputShape : undefined));
  const arrays = await model.getWeights();
  const specs: TfjsWeightSpec[] = model.weights.map((w) => ({ name: w.name!, shape: [...w.shape], dtype: 'float32' }));

  const total = arrays.reduce((n, a) => n + 4 * a.length, 0);
  const weightData = new ArrayBuffer(total);
  const view = new DataView(weightData);
  let at = 0;
  for (const a of arrays) {
    for (let k = 0; k < a.length; k++, at += 4) view.setFloat32(at, a[k], true);
  }
  // Shards cut the byte stream at fixed sizes, wherever that falls (as the converter does).
  const n = Math.max(1, Math.ceil(total / shardBytes));
  const shards = Array.from({ length: n }, (_, i) => ({
    path: shardPath(i, n),
    data: new Uint8Array(weightData, i * shardBytes, Math.min(shardBytes, total - i * shardBytes)),
  }));

  const modelJson: TfjsModelJson = {
    modelTopology: {
      class_name: 'Sequential',
      config: { name: model.name, layers },
      keras_version: TFJS_EXPORTER,
      backend: 'webgpu',
    },
    format: 'layers-model',
    generatedBy: TFJS_EXPORTER,
    convertedBy: TFJS_EXPORTER,
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs }],
  };
  if (opts.metadata) modelJson.userDefinedMetadata = JSON.parse(JSON.stringify(opts.metadata));
  return { modelJson, weightData, shards };
}
