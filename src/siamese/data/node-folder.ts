/**
 * Node-only: `folder:DIR`, your own images, one subfolder of PNG files per identity:
 *
 *   DIR/alice/1.png, DIR/alice/2.png, DIR/bob/scan.png, ...          (split 80/20 here), or
 *   DIR/train/alice/*.png ... and DIR/test/alice/*.png ...            (split as given)
 *
 * Identities are sorted by name (code-point order, so every machine agrees) and numbered
 * 0..C−1; the names are kept for display. Each picture goes through the same preprocessing
 * `verify` and `search` apply to a query PNG (toolkit/preprocess.ts via node-png.ts): grayscale,
 * light-on-dark, the content box scaled and centred into the model's square input (already
 * input-sized pictures are taken as they are), values in [0, 1]. Training on a folder and then
 * verifying a PNG from it therefore sees identical inputs.
 *
 * Without train/ and test/, each identity is split on its own with a fixed seed
 * (splitPerClass: round(20%) of its images to the test set), so every command that loads the
 * folder sees the same split. Hidden files (a leading '.', e.g. .DS_Store) are skipped; any
 * other non-PNG entry is an error naming it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { readPngInput } from '../toolkit/node-png.js';
import { makeImageSet, splitPerClass, type ImageSet } from './image-set.js';

/** Seeds the per-identity 80/20 split of a folder without train/ and test/. */
export const FOLDER_SPLIT_SEED = 20261128;
/** The input a folder is resized to when no model says otherwise (the seed network's). */
export const DEFAULT_FOLDER_INPUT: readonly number[] = [28, 28, 1];

export interface FolderData {
  train: ImageSet;
  test: ImageSet;
  /** Identity names; label i is classNames[i]. */
  classNames: string[];
  description: string;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** Visible entries of a folder, sorted by code point. */
function entries(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** identity name → its PNG files, for one folder of identity subfolders. */
function scanIdentities(dir: string, spec: string): Map<string, string[]> {
  const names = entries(dir);
  if (names.length === 0) throw new Error(`${spec}: the folder is empty (expected one subfolder of PNG images per identity)`);
  const out = new Map<string, string[]>();
  for (const name of names) {
    const sub = join(dir, name);
    if (!isDir(sub)) throw new Error(`${sub}: not a folder (${spec} holds one subfolder of PNG images per identity, nothing else)`);
    const files: string[] = [];
    for (const f of entries(sub)) {
      const file = join(sub, f);
      if (isDir(file)) throw new Error(`${file}: a folder inside identity '${name}' (an identity folder holds only .png files)`);
      if (extname(f).toLowerCase() !== '.png') throw new Error(`${file}: not a PNG file (only .png images are read)`);
      files.push(file);
    }
    if (files.length === 0) throw new Error(`${sub}: no PNG images in identity '${name}'`);
    out.set(name, files);
  }
  return out;
}

/** Reads the pictures of `identities` into one set, labelled by `labelOf`. */
function readSet(identities: Map<string, string[]>, labelOf: Map<string, number>, numClasses: number, inputShape: readonly number[], source: string): ImageSet {
  const [h, w, c] = inputShape;
  const per = h * w * c;
  const total = [...identities.values()].reduce((n, f) => n + f.length, 0);
  const images = new Float32Array(total * per);
  const labels = new Int32Array(total);
  let k = 0;
  for (const [name, files] of identities) {
    for (const file of files) {
      images.set(readPngInput(file, inputShape), k * per);
      labels[k++] = labelOf.get(name)!;
    }
  }
  return makeImageSet({ images, labels, height: h, width: w, channels: c, numClasses, source });
}

/** Every training identity needs two images: a positive pair, and an anchor with a positive. */
function checkTrainCounts(identities: Map<string, number>, spec: string, where: string): void {
  for (const [name, n] of identities) {
    if (n < 2) throw new Error(`${spec}: identity '${name}' has ${n} image${n === 1 ? '' : 's'}${where}; training needs at least 2 per identity (a positive pair)`);
  }
}

/** Loads `folder:DIR`, each picture resized to `inputShape` (square, one channel). */
export function loadImageFolder(dir: string, { inputShape = DEFAULT_FOLDER_INPUT }: { inputShape?: readonly number[] } = {}): FolderData {
  const spec = `folder:${dir}`;
  const root = resolve(dir);
  if (!isDir(root)) throw new Error(`${spec}: no such folder`);
  if (inputShape.length !== 3 || inputShape[0] !== inputShape[1] || inputShape[2] !== 1) {
    throw new Error(`${spec}: PNG folders feed square one-channel models (H×W×1); this model takes ${inputShape.join('×')}`);
  }
  const hasTrain = isDir(join(root, 'train'));
  const hasTest = isDir(join(root, 'test'));
  if (hasTrain !== hasTest) {
    throw new Error(`${spec}: has ${hasTrain ? 'train/' : 'test/'} but no ${hasTrain ? 'test/' : 'train/'} (give both, or only identity folders to split 80/20)`);
  }
  const size = `${inputShape[0]}×${inputShape[1]}`;
  if (hasTrain) {
    const trainIds = scanIdentities(join(root, 'train'), `${spec}/train`);
    const testIds = scanIdentities(join(root, 'test'), `${spec}/test`);
    checkTrainCounts(new Map([...trainIds].map(([k, f]) => [k, f.length])), spec, ' in train/');
    // Identities only in test/ are allowed: they are the unseen ones a one-shot test wants.
    const classNames = [...new Set([...trainIds.keys(), ...testIds.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const labelOf = new Map(classNames.map((n, i) => [n, i]));
    const train = readSet(trainIds, labelOf, classNames.length, inputShape, `${spec}/train`);
    const test = readSet(testIds, labelOf, classNames.length, inputShape, `${spec}/test`);
    return {
      train,
      test,
      classNames,
      description: `${spec} (${classNames.length} identities; ${train.count} train, ${test.count} test from train/ and test/; PNGs as ${size} grayscale)`,
    };
  }
  const ids = scanIdentities(root, spec);
  checkTrainCounts(new Map([...ids].map(([k, f]) => [k, f.length])), spec, '');
  const classNames = [...ids.keys()];
  const all = readSet(ids, new Map(classNames.map((n, i) => [n, i])), classNames.length, inputShape, spec);
  const { train, test } = splitPerClass(all, { testFraction: 0.2, seed: FOLDER_SPLIT_SEED });
  if (test.count === 0) {
    throw new Error(`${spec}: the 20% test split is empty (every identity has 2 images); add images, or give DIR/train and DIR/test`);
  }
  return {
    train,
    test,
    classNames,
    description: `${spec} (${classNames.length} identities; ${train.count} train, ${test.count} test, per-identity 80/20 split; PNGs as ${size} grayscale)`,
  };
}
