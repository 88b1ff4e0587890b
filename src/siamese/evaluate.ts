/**
 * Batches for the models and evaluation over many pairs. A batch is built on the CPU (copying
 * each image's pixels once) and uploaded as one tensor of the stacked branches.
 *
 * Evaluation never waits for the GPU inside its loop: each batch's distances are read back with
 * a promise that is only awaited after the last batch is encoded, so the GPU stays busy.
 */
import { fromArray, type Tensor } from '../engine/tensor.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/tape.js';
import { gatherImages, imageSize, type ImageSet } from './data/image-set.js';
import { pairCount, type PairSet, type TripletSet } from './pairs.js';
import type { SiameseModel, TripletModel } from './model.js';
import { pairMetrics, type PairMetrics, DEFAULT_THRESHOLD } from './metrics.js';
import type { RocAnalysis } from './roc.js';

/** The images of pairs [start, end) as one [2B, H, W, C] tensor: all left images, then all right. */
export function pairBatch(set: ImageSet, pairs: PairSet, start: number, end: number): Tensor {
  const b = end - start;
  const n = imageSize(set);
  const buf = new Float32Array(2 * b * n);
  gatherImages(set, pairs.left.subarray(start, end), buf.subarray(0, b * n));
  gatherImages(set, pairs.right.subarray(start, end), buf.subarray(b * n));
  return fromArray(buf, [2 * b, set.height, set.width, set.channels]);
}

/** Triplets [start, end) as one [3B, H, W, C] tensor: anchors, positives, negatives. */
export function tripletBatch(set: ImageSet, t: TripletSet, start: number, end: number): Tensor {
  const b = end - start;
  const n = imageSize(set);
  const buf = new Float32Array(3 * b * n);
  gatherImages(set, t.anchor.subarray(start, end), buf.subarray(0, b * n));
  gatherImages(set, t.positive.subarray(start, end), buf.subarray(b * n, 2 * b * n));
  gatherImages(set, t.negative.subarray(start, end), buf.subarray(2 * b * n));
  return fromArray(buf, [3 * b, set.height, set.width, set.channels]);
}

/** Checks that a model can take a set's images. */
export function checkInput(model: SiameseModel | TripletModel, set: ImageSet): void {
  const want = model.base.inputShape;
  const got = [set.height, set.width, set.channels];
  if (want.length !== 3 || want.some((d, i) => d !== got[i])) {
    throw new Error(`${set.source}: images are ${got.join('×')}, the model takes ${want.join('×')}`);
  }
}

/**
 * Distances of every pair, computed in batches without gradients; one readback per batch,
 * awaited together at the end.
 */
export async function pairDistances(
  model: SiameseModel | TripletModel,
  set: ImageSet,
  pairs: PairSet,
  { batchSize = 128 }: { batchSize?: number } = {},
): Promise<Float32Array> {
  checkInput(model, set);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`pairDistances: batchSize must be a positive integer, got ${batchSize}`);
  const n = pairCount(pairs);
  const reads: Promise<Float32Array | Int32Array>[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const d = noGrad(() => tidy(() => model.pairDistances(pairBatch(set, pairs, s, e))));
    reads.push(d.data()); // the copy is encoded now; the tensor can go at once
    d.dispose();
  }
  const out = new Float32Array(n);
  let off = 0;
  for (const part of await Promise.all(reads)) {
    out.set(part, off);
    off += part.length;
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) throw new Error(`pairDistances: pair ${i} has distance ${out[i]}: the model's weights hold NaN or Inf`);
  return out;
}

/** Test-pair metrics of a model: accuracy, FAR/FRR at `threshold`, ROC AUC, EER, mean distances. */
export async function evaluatePairs(
  model: SiameseModel | TripletModel,
  set: ImageSet,
  pairs: PairSet,
  { batchSize = 128, threshold = DEFAULT_THRESHOLD, distanceThreshold = 1 - threshold }: { batchSize?: number; threshold?: number; distanceThreshold?: number } = {},
): Promise<PairMetrics & { roc: RocAnalysis; distances: Float32Array }> {
  const distances = await pairDistances(model, set, pairs, { batchSize });
  return { ...(await pairMetrics(distances, pairs.labels, threshold, distanceThreshold)), distances };
}
