/**
 * Pair and triplet sampling over an ImageSet. Samplers return image indices, not pixels, so an
 * epoch's pairs cost a few kilobytes; `gatherImages` copies a batch's pixels when it is trained.
 * Every sampler takes a seeded `Random`, so a run repeats exactly. Browser-safe.
 *
 * Labels follow the seed: 1 = same class, 0 = different.
 */
import { Random } from '../engine/random.js';
import { classesWithAtLeast, indicesByClass, type ImageSet } from './data/image-set.js';

export interface PairSet {
  left: Int32Array;
  right: Int32Array;
  /** 1 = same class, 0 = different. */
  labels: Float32Array;
}

export interface TripletSet {
  anchor: Int32Array;
  positive: Int32Array;
  negative: Int32Array;
}

export function pairCount(p: PairSet): number {
  return p.labels.length;
}

function usableClasses(set: ImageSet, what: string): { classes: number[]; byClass: Int32Array[] } {
  const classes = classesWithAtLeast(set, 2);
  if (classes.length < 2) {
    throw new Error(`${what}: ${set.source} needs at least 2 classes with 2 or more images each, found ${classes.length}`);
  }
  return { classes, byClass: indicesByClass(set) };
}

/**
 * The seed's pair builder (Keras's mnist_siamese `create_pairs`): for each class d and each
 * i < n, a positive (d's i-th, d's (i+1)-th image) and a negative (d's i-th image, the i-th
 * image of class (d + inc) mod C, inc drawn uniformly from 1..C−1 for each pair), labels 1, 0.
 * n is the smallest class's size − 1, as in Keras, or `perClass` if smaller. Classes with fewer
 * than 2 images are left out (EMNIST letters has an empty class 0).
 */
export function seedPairs(set: ImageSet, rng: Random, { perClass }: { perClass?: number } = {}): PairSet {
  const { classes, byClass } = usableClasses(set, 'seedPairs');
  let n = Math.min(...classes.map((c) => byClass[c].length)) - 1;
  if (perClass !== undefined) {
    if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`seedPairs: perClass must be a positive integer, got ${perClass}`);
    n = Math.min(n, perClass);
  }
  const C = classes.length;
  const total = 2 * C * n;
  const out: PairSet = { left: new Int32Array(total), right: new Int32Array(total), labels: new Float32Array(total) };
  let k = 0;
  for (let ci = 0; ci < C; ci++) {
    const own = byClass[classes[ci]];
    for (let i = 0; i < n; i++) {
      out.left[k] = own[i];
      out.right[k] = own[i + 1];
      out.labels[k++] = 1;
      const inc = 1 + rng.int(C - 1);
      out.left[k] = own[i];
      out.right[k] = byClass[classes[(ci + inc) % C]][i];
      out.labels[k++] = 0;
    }
  }
  return out;
}

function twoDistinct(rng: Random, n: number): [number, number] {
  const a = rng.int(n);
  let b = rng.int(n - 1);
  if (b >= a) b++;
  return [a, b];
}

/**
 * Balanced random pairs, drawn afresh each call (each epoch): floor(count / 2) positives (a
 * class uniformly, then two distinct images of it) and the rest negatives (an ordered pair of
 * distinct classes uniformly over all C·(C−1), then one image of each), shuffled together.
 * Every class meets every other class, unlike the seed's builder.
 */
export function balancedPairs(set: ImageSet, count: number, rng: Random): PairSet {
  if (!Number.isInteger(count) || count < 2) throw new Error(`balancedPairs: count must be an integer >= 2, got ${count}`);
  const { classes, byClass } = usableClasses(set, 'balancedPairs');
  const C = classes.length;
  const nPos = Math.floor(count / 2);
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const out: PairSet = { left: new Int32Array(count), right: new Int32Array(count), labels: new Float32Array(count) };
  for (let j = 0; j < count; j++) {
    const k = order[j];
    if (j < nPos) {
      const own = byClass[classes[rng.int(C)]];
      const [a, b] = twoDistinct(rng, own.length);
      out.left[k] = own[a];
      out.right[k] = own[b];
      out.labels[k] = 1;
    } else {
      const [ca, cb] = twoDistinct(rng, C);
      const A = byClass[classes[ca]];
      const B = byClass[classes[cb]];
      out.left[k] = A[rng.int(A.length)];
      out.right[k] = B[rng.int(B.length)];
      out.labels[k] = 0;
    }
  }
  return out;
}

/**
 * Random triplets: an anchor class uniformly, anchor and positive two distinct images of it,
 * the negative one image of another class chosen uniformly.
 */
export function sampleTriplets(set: ImageSet, count: number, rng: Random): TripletSet {
  if (!Number.isInteger(count) || count < 1) throw new Error(`sampleTriplets: count must be a positive integer, got ${count}`);
  const { classes, byClass } = usableClasses(set, 'sampleTriplets');
  const C = classes.length;
  const out: TripletSet = { anchor: new Int32Array(count), positive: new Int32Array(count), negative: new Int32Array(count) };
  for (let k = 0; k < count; k++) {
    const [ca, cn] = twoDistinct(rng, C);
    const own = byClass[classes[ca]];
    const [a, p] = twoDistinct(rng, own.length);
    const other = byClass[classes[cn]];
    out.anchor[k] = own[a];
    out.positive[k] = own[p];
    out.negative[k] = other[rng.int(other.length)];
  }
  return out;
}

/** Pairs [start, end) of a set (a batch). */
export function slicePairs(p: PairSet, start: number, end: number): PairSet {
  return { left: p.left.subarray(start, end), right: p.right.subarray(start, end), labels: p.labels.subarray(start, end) };
}

export function sliceTriplets(t: TripletSet, start: number, end: number): TripletSet {
  return { anchor: t.anchor.subarray(start, end), positive: t.positive.subarray(start, end), negative: t.negative.subarray(start, end) };
}
