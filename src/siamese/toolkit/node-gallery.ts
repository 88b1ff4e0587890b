/**
 * Node-only: a gallery index saved with the model, in `gallery/` inside the checkpoint folder:
 *   index.json       { format, formatVersion, metric, count, dim, labels: [...], data }
 *   embeddings.bin   count × dim float32, little-endian, row after row
 * index.json is written last, so a folder that has it holds a complete index.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromArray } from '../../engine/tensor.js';
import { writeFileAtomic, writeJson } from '../node-files.js';
import { checkMetric } from '../distance.js';
import { GalleryIndex } from './gallery.js';

const FORMAT = 'webgpu-siamese/gallery';
export const GALLERY_DIR = 'gallery';

export async function saveGallery(checkpointDir: string, g: GalleryIndex, data: string): Promise<string> {
  const dir = join(checkpointDir, GALLERY_DIR);
  const values = new Float32Array(await g.embeddings.data());
  writeFileAtomic(join(dir, 'embeddings.bin'), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  writeJson(join(dir, 'index.json'), { format: FORMAT, formatVersion: 1, metric: g.metric, count: g.size, dim: g.dim, data, labels: Array.from(g.labels) });
  return dir;
}

export function hasGallery(checkpointDir: string): boolean {
  return existsSync(join(checkpointDir, GALLERY_DIR, 'index.json'));
}

/** Loads the saved index onto the GPU; checks it against the model's metric and embedding size. */
export function loadGallery(checkpointDir: string, metric: string, dim: number): { index: GalleryIndex; data: string } {
  const dir = join(checkpointDir, GALLERY_DIR);
  const file = join(dir, 'index.json');
  if (!existsSync(file)) throw new Error(`${checkpointDir}: no saved gallery (build one with --gallery DATA)`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (o.format !== FORMAT || o.formatVersion !== 1) throw new Error(`${file}: not a gallery index (format ${JSON.stringify(o.format)}, expected "${FORMAT}" version 1)`);
  const count = o.count as number;
  const labels = o.labels as number[];
  if (!Number.isInteger(count) || count < 1) throw new Error(`${file}: the gallery is empty (count ${JSON.stringify(o.count)})`);
  if (o.dim !== dim) throw new Error(`${file}: embeddings of size ${String(o.dim)}, the model makes ${dim}: rebuild the gallery`);
  if (o.metric !== metric) throw new Error(`${file}: built for the ${String(o.metric)} distance, the model uses ${metric}: rebuild the gallery`);
  if (!Array.isArray(labels) || labels.length !== count) throw new Error(`${file}: ${Array.isArray(labels) ? labels.length : 'no'} labels for ${count} items`);
  const raw = readFileSync(join(dir, 'embeddings.bin'));
  if (raw.length !== count * dim * 4) throw new Error(`${join(dir, 'embeddings.bin')}: ${raw.length} bytes, expected ${count * dim * 4} (${count} × ${dim} float32)`);
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const index = new GalleryIndex(fromArray(values, [count, dim]), Int32Array.from(labels), checkMetric(o.metric));
  return { index, data: String(o.data ?? '') };
}
