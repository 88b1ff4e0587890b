/**
 * Decoding a TF.js weights manifest: the shards' bytes concatenated, walked spec by spec, with
 * tfjs's quantisations undone (uint8/uint16: value = q · scale + min; float16). Values are
 * little-endian, as every tfjs writer produces them.
 */
import type { TfjsQuantization, TfjsWeightSpec, TfjsWeightsGroup } from './tfjs-format.js';

/** A decoded weight. `optimizer` marks optimizer state, which a model load skips (as tfjs does). */
export interface DecodedWeight {
  name: string;
  shape: number[];
  values: Float32Array | null;
  optimizer: boolean;
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);
}

/** Checks the manifest's structure; returns its specs in byte order and every path in order. */
export function readManifest(manifest: unknown, mf: string): { specs: TfjsWeightSpec[]; paths: string[] } {
  if (!Array.isArray(manifest)) throw new Error(`${mf}: "weightsManifest" must be a list of { paths, weights } groups, got ${JSON.stringify(manifest)}`);
  const specs: TfjsWeightSpec[] = [];
  const paths: string[] = [];
  manifest.forEach((g: unknown, i) => {
    const group = g as Partial<TfjsWeightsGroup> | null;
    if (!group || !Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string') || !Array.isArray(group.weights)) {
      throw new Error(`${mf}: weightsManifest group ${i} must hold "paths" (file names) and "weights" (a list)`);
    }
    paths.push(...group.paths);
    specs.push(...checkSpecs(group.weights, `${mf}: weightsManifest group ${i}`));
  });
  return { specs, paths };
}

/** Checks a list of weight specs (tfjs's `weightSpecs`, or one manifest group's `weights`). */
export function checkSpecs(list: unknown, where: string): TfjsWeightSpec[] {
  if (!Array.isArray(list)) throw new Error(`${where}: weight specs must be a list`);
  return list.map((s: unknown, k) => {
    const spec = s as Partial<TfjsWeightSpec> | null;
    if (!spec || typeof spec.name !== 'string' || !isShape(spec.shape) || typeof spec.dtype !== 'string') {
      throw new Error(`${where}, weight ${k}: expected { name, shape, dtype }, got ${JSON.stringify(s)}`);
    }
    return spec as TfjsWeightSpec;
  });
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function byteLengthOf(spec: TfjsWeightSpec, where: string): number {
  const stored = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const per = BYTES[stored];
  if (per === undefined) {
    throw new Error(
      `${where}: weight '${spec.name}' is stored as ${JSON.stringify(stored)}, which this importer cannot read ` +
        `(float32, int32, bool, or quantised uint8/uint16/float16)`,
    );
  }
  return per * spec.shape.reduce((a, b) => a * b, 1);
}

/** IEEE 754 half precision to a number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function dequantize(view: DataView, offset: number, n: number, q: TfjsQuantization, spec: TfjsWeightSpec, where: string): Float32Array {
  const out = new Float32Array(n);
  if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(offset + 2 * i, true));
    return out;
  }
  if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
    throw new Error(`${where}: weight '${spec.name}' is quantised as ${q.dtype} but lacks numeric "scale" and "min"`);
  }
  for (let i = 0; i < n; i++) {
    const v = q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
    out[i] = v * q.scale + q.min;
  }
  return out;
}

/**
 * Walks `bytes` (every shard, concatenated) spec by spec. Model weights must be float32
 * (possibly quantised); optimizer state is measured to be skipped but not decoded. The bytes
 * must be exactly as long as the specs say: shorter is a truncated or missing shard, longer a
 * shard from another model.
 */
export function decodeWeights(specs: TfjsWeightSpec[], bytes: Uint8Array, where: string): DecodedWeight[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = specs.reduce((n, s) => n + byteLengthOf(s, where), 0);
  if (need !== bytes.byteLength) {
    throw new Error(
      `${where}: the weights manifest describes ${need} bytes but the weight files hold ${bytes.byteLength}: ` +
        (bytes.byteLength < need ? 'a shard is truncated or missing' : 'a shard is too long or belongs to another model'),
    );
  }
  let offset = 0;
  return specs.map((spec) => {
    const len = byteLengthOf(spec, where);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const optimizer = spec.group === 'optimizer';
    let values: Float32Array | null = null;
    if (!optimizer) {
      const q = spec.quantization;
      if (q && q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16') {
        throw new Error(`${where}: weight '${spec.name}' has quantization dtype ${JSON.stringify(q.dtype)} (expected uint8, uint16 or float16)`);
      }
      if (spec.dtype !== 'float32') throw new Error(`${where}: weight '${spec.name}' has dtype ${JSON.stringify(spec.dtype)}; layer weights must be float32`);
      if (q) values = dequantize(view, offset, n, q, spec, where);
      else {
        values = new Float32Array(n);
        for (let i = 0; i < n; i++) values[i] = view.getFloat32(offset + 4 * i, true);
      }
    }
    offset += len;
    return { name: spec.name, shape: [...spec.shape], values, optimizer };
  });
}

/** Concatenates byte chunks (the shards, in manifest order). */
export function concatBytes(chunks: (ArrayBuffer | ArrayBufferView)[]): Uint8Array {
  const views = chunks.map((c) => (c instanceof ArrayBuffer ? new Uint8Array(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength)));
  if (views.length === 1) return views[0];
  const out = new Uint8Array(views.reduce((n, v) => n + v.byteLength, 0));
  let at = 0;
  for (const v of views) {
    out.set(v, at);
    at += v.byteLength;
  }
  return out;
}
