/**
 * One file to ship: the model's weights, its calibrated threshold and a gallery, in one binary
 * bundle (layout in BUNDLE.md). `encodeBundle` writes the bytes and `loadBundle` reads them back
 * into a ready-to-use `SiameseBundle` (verify, search, embed on the GPU). Both are browser-safe:
 * a page can `fetch()` a bundle and pass its ArrayBuffer; node-bundle.ts reads and writes files.
 */
import { fromArray } from '../../engine/tensor.js';
import { crc32, fromArtifacts, toArtifacts, FORMAT_NAME as MODEL_FORMAT, type ModelArtifacts } from '../../nn/artifacts.js';
import { checkMetric, type DistanceMetric } from '../distance.js';
import { SiameseModel, TripletModel } from '../model.js';
import type { Calibration } from './calibration.js';
import { embed } from './embed.js';
import { GalleryIndex } from './gallery.js';
import { Verifier, type VerifyResult } from './verifier.js';

/** "\x89WSB\r\n\x1a\n": PNG's trick: the high byte catches 7-bit transfers, CR LF catches
 * newline conversion, ^Z stops a DOS `type`. */
export const BUNDLE_MAGIC = Uint8Array.of(0x89, 0x57, 0x53, 0x42, 0x0d, 0x0a, 0x1a, 0x0a);
export const BUNDLE_FORMAT = 'webgpu-siamese/bundle';
export const BUNDLE_VERSION = 1;
/** Magic (8), version (u32), manifest length (u32). */
const HEADER_BYTES = 16;

/** The head of a Siamese / triplet model, as siamese.json holds it. */
export interface BundleHead {
  model: 'siamese' | 'triplet';
  distance: DistanceMetric;
  margin: number;
  /** Same when 1 − distance > threshold (used when there is no calibration). */
  threshold: number;
}

/** The calibration as saved (calibration.json's fields). */
export type BundleCalibration = Calibration & { metric: string; data?: string };

export interface BundleGallery {
  /** [count · dim] float32 embeddings, row after row. */
  embeddings: Float32Array;
  count: number;
  dim: number;
  labels: ArrayLike<number>;
  /** Class names where the data has them: label i is classNames[i]. */
  classNames?: string[];
  /** Where the gallery images came from. */
  data: string;
}

export interface BundleContents {
  model: ModelArtifacts;
  head: BundleHead;
  calibration: BundleCalibration | null;
  gallery: BundleGallery | null;
}

interface Section {
  offset: number;
  byteLength: number;
}

/** The JSON manifest (see BUNDLE.md). */
export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  model: ModelArtifacts['manifest'];
  head: BundleHead;
  calibration: BundleCalibration | null;
  gallery: { count: number; dim: number; metric: DistanceMetric; labels: number[]; classNames?: string[]; data: string; crc32: number } | null;
  /** Where each binary part sits in the data area (which starts after the padded manifest). */
  sections: { weights: Section; gallery: Section | null };
}

const pad4 = (n: number) => (n + 3) & ~3;

/** The bundle's bytes: header, manifest, then weights and gallery embeddings (BUNDLE.md). */
export function encodeBundle(c: BundleContents): Uint8Array {
  const weights = new Uint8Array(c.model.weights);
  const g = c.gallery;
  if (g && g.embeddings.length !== g.count * g.dim) throw new Error(`encodeBundle: gallery has ${g.embeddings.length} values, expected ${g.count} × ${g.dim}`);
  if (g && g.labels.length !== g.count) throw new Error(`encodeBundle: gallery has ${g.labels.length} labels for ${g.count} items`);
  const galleryBytes = g ? new Uint8Array(g.embeddings.buffer, g.embeddings.byteOffset, g.embeddings.byteLength) : null;
  const weightsAt = { offset: 0, byteLength: weights.byteLength };
  const galleryAt = galleryBytes ? { offset: pad4(weights.byteLength), byteLength: galleryBytes.byteLength } : null;
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    model: c.model.manifest,
    head: { model: c.head.model, distance: c.head.distance, margin: c.head.margin, threshold: c.head.threshold },
    calibration: c.calibration,
    gallery: g
      ? { count: g.count, dim: g.dim, metric: c.head.distance, labels: Array.from(g.labels), ...(g.classNames ? { classNames: g.classNames } : {}), data: g.data, crc32: crc32(galleryBytes!) }
      : null,
    sections: { weights: weightsAt, gallery: galleryAt },
  };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const dataStart = pad4(HEADER_BYTES + json.byteLength);
  const total = dataStart + (galleryAt ? galleryAt.offset + galleryAt.byteLength : weights.byteLength);
  const out = new Uint8Array(total); // zero padding between parts
  out.set(BUNDLE_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, BUNDLE_VERSION, true);
  view.setUint32(12, json.byteLength, true);
  out.set(json, HEADER_BYTES);
  out.set(weights, dataStart);
  if (galleryBytes) out.set(galleryBytes, dataStart + galleryAt!.offset);
  return out;
}

/**
 * The bundle of a model on the GPU: its weights and gallery embeddings are read back, and
 * the calibration (if any) must be for the model's distance.
 */
export async function bundleModel(
  model: SiameseModel | TripletModel,
  head: Omit<BundleHead, 'model' | 'distance'>,
  calibration: BundleCalibration | null,
  gallery: { index: GalleryIndex; data: string; classNames?: string[] } | null,
): Promise<Uint8Array> {
  if (calibration && calibration.metric !== model.distance) {
    throw new Error(`bundle: the calibration is for the ${calibration.metric} distance, the model uses ${model.distance}`);
  }
  if (gallery && (gallery.index.metric !== model.distance || gallery.index.dim !== model.base.outputShape[0])) {
    throw new Error(`bundle: the gallery holds ${gallery.index.metric} embeddings of size ${gallery.index.dim}; the model makes ${model.distance} ones of size ${model.base.outputShape[0]}`);
  }
  const artifacts = await toArtifacts(model.base);
  const g = gallery ? { index: gallery.index, values: (await gallery.index.embeddings.data()) as Float32Array } : null;
  return encodeBundle({
    model: artifacts,
    head: { model: model instanceof TripletModel ? 'triplet' : 'siamese', distance: model.distance, margin: head.margin, threshold: head.threshold },
    calibration,
    gallery: g ? { embeddings: g.values, count: g.index.size, dim: g.index.dim, labels: g.index.labels, classNames: gallery!.classNames, data: gallery!.data } : null,
  });
}

/** Parses and checks a bundle's header and manifest; returns the manifest and the data area. */
export function decodeBundle(bytes: ArrayBuffer | ArrayBufferView, name = 'bundle'): { manifest: BundleManifest; data: Uint8Array } {
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = Math.min(b.byteLength, BUNDLE_MAGIC.length);
  if (prefix > 0 && prefix < BUNDLE_MAGIC.length && BUNDLE_MAGIC.subarray(0, prefix).every((v, i) => b[i] === v)) {
    throw new Error(`${name}: truncated: ${b.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  }
  if (b.byteLength < BUNDLE_MAGIC.length || BUNDLE_MAGIC.some((v, i) => b[i] !== v)) {
    throw new Error(`${name}: not a webgpu-siamese bundle (its first bytes are not the bundle signature; make one with siamese bundle)`);
  }
  if (b.byteLength < HEADER_BYTES) throw new Error(`${name}: truncated: ${b.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = view.getUint32(8, true);
  if (version !== BUNDLE_VERSION) {
    throw new Error(`${name}: bundle format version ${version} is not supported (this library reads version ${BUNDLE_VERSION})${version > BUNDLE_VERSION ? '; it was written by a newer version' : ''}`);
  }
  const jsonLength = view.getUint32(12, true);
  const dataStart = pad4(HEADER_BYTES + jsonLength);
  if (b.byteLength < HEADER_BYTES + jsonLength) throw new Error(`${name}: truncated: ${b.byteLength} bytes, but its manifest alone needs ${HEADER_BYTES + jsonLength}`);
  let m: BundleManifest;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(HEADER_BYTES, HEADER_BYTES + jsonLength)));
  } catch (e) {
    throw new Error(`${name}: the manifest is not valid JSON (${(e as Error).message}): the file is corrupt`);
  }
  if (!m || typeof m !== 'object' || m.format !== BUNDLE_FORMAT || m.formatVersion !== BUNDLE_VERSION) {
    throw new Error(`${name}: the manifest is not a version ${BUNDLE_VERSION} "${BUNDLE_FORMAT}" one (format ${JSON.stringify(m?.format)}, version ${JSON.stringify(m?.formatVersion)})`);
  }
  if (m.model?.format !== MODEL_FORMAT || !m.head || !m.sections?.weights) throw new Error(`${name}: the manifest lacks the model, its head or the weights section`);
  const data = b.subarray(Math.min(dataStart, b.byteLength));
  for (const [what, s] of [['weights', m.sections.weights], ['gallery', m.sections.gallery]] as const) {
    if (!s) continue;
    if (!Number.isInteger(s.offset) || !Number.isInteger(s.byteLength) || s.offset < 0 || s.byteLength < 0) {
      throw new Error(`${name}: the ${what} section has offset ${JSON.stringify(s.offset)} and length ${JSON.stringify(s.byteLength)}; expected integers >= 0`);
    }
    if (s.offset + s.byteLength > data.byteLength) {
      throw new Error(`${name}: truncated: the ${what} need bytes up to ${dataStart + s.offset + s.byteLength}, the file has ${b.byteLength}`);
    }
  }
  return { manifest: m, data };
}

/** One gallery match of a query. */
export interface BundleMatch {
  rank: number;
  /** Index of the gallery item. */
  item: number;
  label: number;
  /** The label's class name, where the gallery has names. */
  name?: string;
  distance: number;
}

/** A loaded bundle: the model on the GPU, its threshold and its gallery. dispose() frees them. */
export class SiameseBundle {
  readonly verifier: Verifier;

  constructor(
    readonly model: SiameseModel | TripletModel,
    readonly head: BundleHead,
    readonly calibration: BundleCalibration | null,
    /** The gallery index on the GPU, or null when the bundle has none. */
    readonly gallery: GalleryIndex | null,
    readonly classNames: string[] | null,
    readonly galleryData: string | null,
  ) {
    this.verifier = new Verifier(model, this.distanceThreshold);
  }

  /** Same when distance < this: the calibrated threshold, else 1 − the model's threshold. */
  get distanceThreshold(): number {
    return this.calibration ? this.calibration.distanceThreshold : 1 - this.head.threshold;
  }

  /** The model's input shape [H, W, C]. */
  get inputShape(): readonly number[] {
    return this.model.base.inputShape;
  }

  /** Are two images (each one input, NHWC values) the same identity? */
  verify(a: Float32Array, b: Float32Array): Promise<VerifyResult> {
    return this.verifier.verify(a, b);
  }

  /** Embeddings [count · dim] of images given back to back. */
  async embed(images: Float32Array): Promise<Float32Array> {
    const e = embed(this.model, images);
    try {
      return (await e.data()) as Float32Array;
    } finally {
      e.dispose();
    }
  }

  /** The k nearest gallery items of each query image (images back to back), nearest first. */
  async search(queries: Float32Array, k: number): Promise<BundleMatch[][]> {
    if (!this.gallery) throw new Error('search: this bundle has no gallery (make it with siamese bundle --gallery DATA)');
    const r = await this.gallery.searchImages(this.model, queries, k);
    const out: BundleMatch[][] = [];
    for (let q = 0; q < r.indices.length / k; q++) {
      out.push(
        Array.from({ length: k }, (_, t) => {
          const item = r.indices[q * k + t];
          const label = this.gallery!.labels[item];
          const name = this.classNames?.[label];
          return { rank: t + 1, item, label, ...(name !== undefined ? { name } : {}), distance: r.distances[q * k + t] };
        }),
      );
    }
    return out;
  }

  dispose(): void {
    this.gallery?.dispose();
    this.model.base.dispose();
  }
}

/**
 * Loads a bundle's model and gallery onto the GPU (call `ready()` first). `name` (a file name
 * or URL) starts every error message.
 */
export function loadBundle(bytes: ArrayBuffer | ArrayBufferView, name = 'bundle'): SiameseBundle {
  const { manifest: m, data } = decodeBundle(bytes, name);
  const head = m.head;
  if (head.model !== 'siamese' && head.model !== 'triplet') throw new Error(`${name}: head.model must be "siamese" or "triplet", got ${JSON.stringify(head.model)}`);
  let distance: DistanceMetric;
  try {
    distance = checkMetric(head.distance);
  } catch {
    throw new Error(`${name}: head.distance must be "euclidean" or "cosine", got ${JSON.stringify(head.distance)}`);
  }
  if (typeof head.threshold !== 'number' || !Number.isFinite(head.threshold)) throw new Error(`${name}: head.threshold must be a number, got ${JSON.stringify(head.threshold)}`);
  const c = m.calibration;
  if (c !== null && c !== undefined) {
    if (typeof c.distanceThreshold !== 'number' || !Number.isFinite(c.distanceThreshold)) throw new Error(`${name}: calibration.distanceThreshold must be a number, got ${JSON.stringify(c.distanceThreshold)}`);
    if (c.metric !== distance) throw new Error(`${name}: calibrated for the ${String(c.metric)} distance, but the model uses ${distance}`);
  }
  const w = m.sections.weights;
  const base = fromArtifacts(m.model, data.subarray(w.offset, w.offset + w.byteLength), { manifest: `${name} (model manifest)`, weights: `${name} (weights)` });
  let gallery: GalleryIndex | null = null;
  try {
    const model = head.model === 'triplet' ? new TripletModel(base, distance) : new SiameseModel(base, distance);
    const g = m.gallery;
    const gs = m.sections.gallery;
    if (g && gs) {
      const dim = model.base.outputShape[0];
      if (g.dim !== dim || g.metric !== distance) throw new Error(`${name}: the gallery holds ${g.metric} embeddings of size ${g.dim}; the model makes ${distance} ones of size ${dim}`);
      if (!Number.isInteger(g.count) || g.count < 1 || !Array.isArray(g.labels) || g.labels.length !== g.count) {
        throw new Error(`${name}: the gallery has ${JSON.stringify(g.count)} items and ${Array.isArray(g.labels) ? g.labels.length : 'no'} labels`);
      }
      if (gs.byteLength !== g.count * g.dim * 4) throw new Error(`${name}: the gallery section holds ${gs.byteLength} bytes, expected ${g.count * g.dim * 4} (${g.count} × ${g.dim} float32)`);
      const raw = data.slice(gs.offset, gs.offset + gs.byteLength); // a copy: aligned for Float32Array
      if (crc32(raw) !== g.crc32) throw new Error(`${name}: the gallery embeddings fail their CRC-32 check: the file is corrupt`);
      gallery = new GalleryIndex(fromArray(new Float32Array(raw.buffer), [g.count, g.dim]), Int32Array.from(g.labels), distance);
    }
    return new SiameseBundle(model, { model: head.model, distance, margin: head.margin, threshold: head.threshold }, c ?? null, gallery, g?.classNames ?? null, g?.data ?? null);
  } catch (e) {
    gallery?.dispose();
    base.dispose();
    throw e;
  }
}
