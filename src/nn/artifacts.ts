/**
 * A model as two artifacts, `model.json` (the manifest) and `weights.bin` (float32 values,
 * little-endian, concatenated), described in src/nn/FORMAT.md. Pure functions over JSON and
 * bytes: they run in a browser as well as in Node (src/nn/node-io.ts puts them on disk).
 */
import { sizeOf } from '../engine/tensor.js';
import { Sequential } from './sequential.js';
import { layerFromConfig } from './registry.js';
import type { LayerConfig } from './layer.js';

export const FORMAT_NAME = 'webgpu-siamese/sequential';
export const FORMAT_VERSION = 1;

/** Where one weight's bytes sit in `weights.bin`. */
export interface WeightEntry {
  /** `<layer>/<kernel|bias>`. */
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Byte offset in `weights.bin` (entries are concatenated in this order). */
  offset: number;
  byteLength: number;
}

/** The parsed contents of `model.json`. */
export interface ModelManifest {
  format: typeof FORMAT_NAME;
  formatVersion: number;
  name: string;
  /** One example's input shape, without the batch dimension. */
  inputShape: number[];
  layers: { className: string; config: LayerConfig }[];
  weights: {
    file: 'weights.bin';
    /** Total length of `weights.bin`. */
    byteLength: number;
    /** CRC-32 (IEEE) of `weights.bin`, so that a corrupt or mismatched file is caught. */
    crc32: number;
    entries: WeightEntry[];
  };
}

export interface ModelArtifacts {
  manifest: ModelManifest;
  weights: ArrayBuffer;
}

/** File names used in error messages (the Node loader passes full paths). */
export interface ArtifactNames {
  manifest: string;
  weights: string;
}

/** Reads the model's weights back from the GPU and describes it as a manifest plus bytes. */
export async function toArtifacts(model: Sequential): Promise<ModelArtifacts> {
  const arrays = await model.getWeights();
  const vars = model.weights;
  const entries: WeightEntry[] = [];
  let offset = 0;
  vars.forEach((w, i) => {
    entries.push({ name: w.name!, shape: [...w.shape], dtype: 'float32', offset, byteLength: arrays[i].length * 4 });
    offset += arrays[i].length * 4;
  });
  const weights = new ArrayBuffer(offset);
  const view = new DataView(weights);
  entries.forEach((e, i) => {
    const a = arrays[i];
    for (let k = 0; k < a.length; k++) view.setFloat32(e.offset + 4 * k, a[k], true);
  });
  const manifest: ModelManifest = {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    name: model.name,
    inputShape: [...model.inputShape],
    layers: model.layers.map((l) => ({ className: l.className, config: l.getConfig() })),
    weights: { file: 'weights.bin', byteLength: offset, crc32: crc32(new Uint8Array(weights)), entries },
  };
  return { manifest, weights };
}

/**
 * Rebuilds a model from a manifest (parsed `model.json`, checked here field by field) and the
 * bytes of `weights.bin`. Every error names the file at fault and what was expected.
 */
export function fromArtifacts(
  manifest: unknown,
  weights: ArrayBuffer | ArrayBufferView,
  names: ArtifactNames = { manifest: 'model.json', weights: 'weights.bin' },
): Sequential {
  const mf = names.manifest;
  const m = checkManifest(manifest, mf);
  const bytes = weights instanceof ArrayBuffer ? new Uint8Array(weights) : new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  if (bytes.byteLength !== m.weights.byteLength) {
    throw new Error(
      `${names.weights} holds ${bytes.byteLength} bytes but ${mf} expects ${m.weights.byteLength}: ` +
        `the file is ${bytes.byteLength < m.weights.byteLength ? 'truncated' : 'too long'} or belongs to another model`,
    );
  }
  const crc = crc32(bytes);
  if (crc !== m.weights.crc32) {
    throw new Error(
      `${names.weights} does not match ${mf} (CRC-32 ${hex(crc)}, expected ${hex(m.weights.crc32)}): ` +
        'the file is corrupt, or comes from a different save',
    );
  }
  const layers = m.layers.map((l, i) => layerFromConfig(l?.className, l?.config, `${mf}: layer ${i}`));
  let model: Sequential;
  try {
    // The seed is irrelevant: every weight is overwritten below.
    model = new Sequential(layers, { inputShape: m.inputShape, seed: 0, name: m.name });
  } catch (e) {
    throw new Error(`${mf}: ${(e as Error).message}`);
  }
  try {
    const byName = new Map(m.weights.entries.map((e) => [e.name, e]));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const arrays = model.weights.map((w) => {
      const e = byName.get(w.name!);
      if (!e) throw new Error(`${mf}: the layers need weight '${w.name}' [${w.shape.join(', ')}], which the weights manifest lacks`);
      if (e.shape.length !== w.shape.length || e.shape.some((d, i) => d !== w.shape[i])) {
        throw new Error(`${mf}: weight '${e.name}' has shape [${e.shape.join(', ')}] but its layer needs [${w.shape.join(', ')}]`);
      }
      byName.delete(e.name);
      const a = new Float32Array(w.size);
      for (let k = 0; k < a.length; k++) a[k] = view.getFloat32(e.offset + 4 * k, true);
      return a;
    });
    if (byName.size) throw new Error(`${mf}: weights manifest lists ${[...byName.keys()].join(', ')}, which no layer has`);
    model.setWeights(arrays);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function isShape(v: unknown, positive: boolean): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d) && (positive ? d > 0 : d >= 0));
}

/** Checks the structure of a parsed `model.json`, naming the first thing that is wrong. */
function checkManifest(m: unknown, mf: string): ModelManifest {
  if (!isObject(m)) throw new Error(`${mf}: expected a JSON object, got ${Array.isArray(m) ? 'an array' : JSON.stringify(m)}`);
  if (m.format !== FORMAT_NAME) {
    const hint = 'modelTopology' in m ? ' (it looks like a TensorFlow.js model; this library reads only its own format)' : '';
    throw new Error(`${mf}: not a webgpu-siamese model: format is ${JSON.stringify(m.format)}, expected "${FORMAT_NAME}"${hint}`);
  }
  if (m.formatVersion !== FORMAT_VERSION) {
    const newer = typeof m.formatVersion === 'number' && m.formatVersion > FORMAT_VERSION;
    throw new Error(
      `${mf}: format version ${JSON.stringify(m.formatVersion)} is not supported (this library reads version ${FORMAT_VERSION})` +
        (newer ? '; it was written by a newer version' : ''),
    );
  }
  if (typeof m.name !== 'string') throw new Error(`${mf}: "name" must be a string`);
  if (!isShape(m.inputShape, true) || m.inputShape.length === 0) {
    throw new Error(`${mf}: "inputShape" must be a list of positive integers, got ${JSON.stringify(m.inputShape)}`);
  }
  if (!Array.isArray(m.layers) || m.layers.length === 0) throw new Error(`${mf}: "layers" must be a non-empty list`);
  const w = m.weights;
  if (!isObject(w) || !Array.isArray(w.entries) || !Number.isInteger(w.byteLength) || !Number.isInteger(w.crc32)) {
    throw new Error(`${mf}: "weights" must hold "entries" (a list), "byteLength" and "crc32" (integers)`);
  }
  let offset = 0;
  w.entries.forEach((e: unknown, i) => {
    const where = `${mf}: weights entry ${i}`;
    if (!isObject(e) || typeof e.name !== 'string') throw new Error(`${where}: expected an object with a "name"`);
    if (!isShape(e.shape, false)) throw new Error(`${where} '${e.name}': "shape" must be a list of integers >= 0`);
    if (e.dtype !== 'float32') throw new Error(`${where} '${e.name}': dtype ${JSON.stringify(e.dtype)} is not supported (only float32)`);
    if (e.offset !== offset || e.byteLength !== 4 * sizeOf(e.shape)) {
      throw new Error(
        `${where} '${e.name}': expected offset ${offset} and byteLength ${4 * sizeOf(e.shape)} (entries are concatenated in order), ` +
          `got offset ${JSON.stringify(e.offset)} and byteLength ${JSON.stringify(e.byteLength)}`,
      );
    }
    offset += e.byteLength;
  });
  if (offset !== w.byteLength) throw new Error(`${mf}: weights entries cover ${offset} bytes but "byteLength" says ${w.byteLength}`);
  return m as unknown as ModelManifest;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 with the IEEE polynomial (as zlib, PNG and gzip compute it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
