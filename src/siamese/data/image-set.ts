/**
 * A labelled set of small images held on the CPU, the input to every pair and triplet sampler.
 * Browser-safe: no `node:` imports (file reading lives in node-loaders.ts).
 *
 * Images are stored back to back as NHWC float32 (values in [0, 1] for the digits), the layout
 * the engine's conv2d takes, so a batch is a plain copy of rows.
 */
import { Random } from '../../engine/random.js';

export interface ImageSet {
  /** count × height × width × channels values, image after image. */
  readonly images: Float32Array;
  /** One class index per image, 0 ≤ label < numClasses. */
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Number of classes the labels range over (some may be empty, e.g. EMNIST letters' 0). */
  readonly numClasses: number;
  /** Where the set came from, for error messages ("bundled digits (train)", a file name). */
  readonly source: string;
}

export interface ImageSetInit {
  images: Float32Array;
  labels: Int32Array | ArrayLike<number>;
  height: number;
  width: number;
  channels?: number;
  numClasses?: number;
  source: string;
}

/**
 * Checks and wraps raw arrays: sizes agree, labels are integers in range, values are finite.
 * Every problem is reported once, naming the source and the first bad element.
 */
export function makeImageSet(init: ImageSetInit): ImageSet {
  const { images, height, width, source } = init;
  const channels = init.channels ?? 1;
  for (const [k, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${source}: image ${k} must be a positive integer, got ${v}`);
  }
  const per = height * width * channels;
  if (images.length % per !== 0) {
    throw new Error(`${source}: ${images.length} values is not a whole number of ${height}×${width}×${channels} images`);
  }
  const count = images.length / per;
  if (init.labels.length !== count) {
    throw new Error(`${source}: ${count} images but ${init.labels.length} labels`);
  }
  if (count === 0) throw new Error(`${source}: the data set is empty`);
  const labels = init.labels instanceof Int32Array ? init.labels : Int32Array.from(init.labels);
  let maxLabel = -1;
  for (let i = 0; i < count; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0) throw new Error(`${source}: label ${i} is ${l}; labels must be integers >= 0`);
    if (l > maxLabel) maxLabel = l;
  }
  const numClasses = init.numClasses ?? maxLabel + 1;
  if (maxLabel >= numClasses) {
    const at = labels.findIndex((l) => l >= numClasses);
    throw new Error(`${source}: label ${at} is ${labels[at]}, out of range for ${numClasses} classes (0–${numClasses - 1})`);
  }
  for (let i = 0; i < images.length; i++) {
    if (!Number.isFinite(images[i])) {
      throw new Error(`${source}: image ${Math.floor(i / per)} holds ${images[i]} at value ${i % per}; pixels must be finite`);
    }
  }
  return { images, labels, count, height, width, channels, numClasses, source };
}

/** Values per image. */
export function imageSize(set: ImageSet): number {
  return set.height * set.width * set.channels;
}

/** A view of image `i` (no copy). */
export function imageAt(set: ImageSet, i: number): Float32Array {
  const n = imageSize(set);
  return set.images.subarray(i * n, (i + 1) * n);
}

/** Copies the images at `indices`, in order, into one NHWC batch. */
export function gatherImages(set: ImageSet, indices: ArrayLike<number>, out?: Float32Array): Float32Array {
  const n = imageSize(set);
  const dst = out ?? new Float32Array(indices.length * n);
  if (dst.length < indices.length * n) throw new Error(`gatherImages: output holds ${dst.length} values, needs ${indices.length * n}`);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < set.count)) throw new Error(`gatherImages: index ${i} out of range for ${set.count} images of ${set.source}`);
    dst.set(set.images.subarray(i * n, (i + 1) * n), k * n);
  }
  return dst;
}

/** The indices of each class's images, in their order in the set. */
export function indicesByClass(set: ImageSet): Int32Array[] {
  const counts = new Int32Array(set.numClasses);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]]++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(set.numClasses);
  for (let i = 0; i < set.count; i++) {
    const l = set.labels[i];
    out[l][fill[l]++] = i;
  }
  return out;
}

/** A new set holding the images at `indices` (copied), keeping numClasses. */
export function subset(set: ImageSet, indices: ArrayLike<number>, source = `${set.source} (subset)`): ImageSet {
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) labels[k] = set.labels[indices[k]];
  return { ...set, images: gatherImages(set, indices), labels, count: indices.length, source };
}

/**
 * Splits each class on its own: a seeded shuffle picks round(n · testFraction) of its images
 * for the test set, so both sets keep the class balance and the same seed gives the same split
 * everywhere. Images keep their original order inside each set (the seed's pair builder pairs
 * consecutive images of a class, as Keras's does on MNIST's order).
 */
export function splitPerClass(set: ImageSet, { testFraction = 0.2, seed = 0 }: { testFraction?: number; seed?: number } = {}): {
  train: ImageSet;
  test: ImageSet;
} {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`splitPerClass: testFraction must be in (0, 1), got ${testFraction}`);
  const rng = new Random(seed);
  const isTest = new Uint8Array(set.count);
  for (const idx of indicesByClass(set)) {
    const order = rng.shuffle(Array.from(idx));
    const nTest = Math.round(order.length * testFraction);
    for (let k = 0; k < nTest; k++) isTest[order[k]] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < set.count; i++) (isTest[i] ? test : train).push(i);
  return {
    train: subset(set, train, `${set.source} (train split)`),
    test: subset(set, test, `${set.source} (test split)`),
  };
}

/** Classes with at least `min` images (the samplers need 2 for a positive pair). */
export function classesWithAtLeast(set: ImageSet, min: number): number[] {
  return indicesByClass(set)
    .map((idx, c) => (idx.length >= min ? c : -1))
    .filter((c) => c >= 0);
}
