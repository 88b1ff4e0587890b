/**
 * Online triplet mining from P×K batches (P classes × K images each; Hermans et al. 2017, "In
 * Defense of the Triplet Loss"; Schroff et al. 2015, FaceNet). The batch is embedded once; its
 * [B, B] distance matrix is computed on the GPU (pairwiseDistances) and read back, the triplets
 * are chosen on the CPU (a few thousand comparisons), and the loss is taken on the GPU over
 * the chosen rows, with gradients through the embeddings. The readback is one wait per step.
 *
 * Which triplets (a, p, n): p ≠ a has a's label, n has another label; d = distance, m = margin.
 *  - 'batch-all': every triplet with a positive loss, d(a,p) − d(a,n) + m > 0 (the zero-loss
 *    ones would only dilute the mean).
 *  - 'batch-hard': per anchor, the farthest positive and the nearest negative (one triplet per
 *    anchor that has both).
 *  - 'semi-hard': per (a, p), the negatives with d(a,p) < d(a,n) < d(a,p) + m (farther than the
 *    positive, still inside the margin); the hardest such, i.e. the nearest. Fallback when the
 *    band is empty: if some negative is farther than d(a,p) + m, the pair is skipped (any such
 *    triplet has zero loss); if no negative is farther than the positive at all, the farthest
 *    negative (the easiest of the hard ones, TensorFlow Addons' `negatives_inside`).
 * Ties go to the lower batch index everywhere.
 */
import { fromArray, type Tensor } from '../../engine/tensor.js';
import { noGrad } from '../../autograd/tape.js';
import { gather, pairwiseDistances } from '../../autograd/ops.js';
import { Random } from '../../engine/random.js';
import { indicesByClass, type ImageSet } from '../data/image-set.js';
import { pairDistance, type DistanceMetric } from '../distance.js';
import { tripletLoss } from '../losses.js';
import type { TripletSet } from '../pairs.js';

export type MiningStrategy = 'batch-all' | 'batch-hard' | 'semi-hard';
export const MINING_STRATEGIES: readonly MiningStrategy[] = ['batch-all', 'batch-hard', 'semi-hard'];

/** Triplets (indices into the batch) chosen from a [B, B] distance matrix, row-major. */
export function mineTriplets(distances: ArrayLike<number>, labels: ArrayLike<number>, strategy: MiningStrategy, margin = 1): TripletSet {
  const b = labels.length;
  if (distances.length !== b * b) throw new Error(`mineTriplets: a batch of ${b} needs a ${b}×${b} distance matrix, got ${distances.length} values`);
  if (!(margin > 0)) throw new Error(`mineTriplets: margin must be positive, got ${margin}`);
  const d = (i: number, j: number) => distances[i * b + j];
  const a: number[] = [];
  const p: number[] = [];
  const n: number[] = [];
  const push = (i: number, j: number, k: number) => (a.push(i), p.push(j), n.push(k));
  for (let i = 0; i < b; i++) {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let j = 0; j < b; j++) if (j !== i) (labels[j] === labels[i] ? pos : neg).push(j);
    if (pos.length === 0 || neg.length === 0) continue;
    if (strategy === 'batch-hard') {
      let hp = pos[0];
      for (const j of pos) if (d(i, j) > d(i, hp)) hp = j;
      let hn = neg[0];
      for (const k of neg) if (d(i, k) < d(i, hn)) hn = k;
      push(i, hp, hn);
      continue;
    }
    for (const j of pos) {
      const dap = d(i, j);
      if (strategy === 'batch-all') {
        for (const k of neg) if (dap - d(i, k) + margin > 0) push(i, j, k);
        continue;
      }
      if (strategy !== 'semi-hard') throw new Error(`mineTriplets: strategy must be ${MINING_STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(strategy)}`);
      let best = -1;
      let farther = false;
      let farthest = neg[0];
      for (const k of neg) {
        const dan = d(i, k);
        if (dan > dap) farther = true;
        if (dan > dap && dan < dap + margin && (best < 0 || dan < d(i, best))) best = k;
        if (dan > d(i, farthest)) farthest = k;
      }
      if (best >= 0) push(i, j, best);
      else if (!farther) push(i, j, farthest);
    }
  }
  return { anchor: Int32Array.from(a), positive: Int32Array.from(p), negative: Int32Array.from(n) };
}

/**
 * A P×K batch: P classes drawn at random, K images of each, class after class. Every class
 * drawn needs K images (K ≥ 2, so that each anchor has a positive).
 */
export function sampleClassBatch(set: ImageSet, classes: number, perClass: number, rng: Random): { indices: Int32Array; labels: Int32Array } {
  if (!Number.isInteger(perClass) || perClass < 2) throw new Error(`sampleClassBatch: K (images per class) must be at least 2 for anchors to have positives, got ${perClass}`);
  const byClass = indicesByClass(set);
  const usable = byClass.map((idx, c) => (idx.length >= perClass ? c : -1)).filter((c) => c >= 0);
  const one = byClass.findIndex((idx) => idx.length === 1);
  if (usable.length < classes) {
    throw new Error(
      `sampleClassBatch: ${classes} classes with ${perClass} images each are needed, ${set.source} has ${usable.length}` +
        (one >= 0 ? ` (class ${one} has a single image)` : ''),
    );
  }
  const chosen = rng.shuffle([...usable]).slice(0, classes);
  const indices = new Int32Array(classes * perClass);
  const labels = new Int32Array(classes * perClass);
  chosen.forEach((c, ci) => {
    rng.shuffle(Array.from(byClass[c])).slice(0, perClass).forEach((i, k) => {
      indices[ci * perClass + k] = i;
      labels[ci * perClass + k] = c;
    });
  });
  return { indices, labels };
}

/** Mines the batch's triplets from its embeddings [B, D] (one readback of the [B, B] matrix). */
export async function mineBatch(embeddings: Tensor, labels: ArrayLike<number>, strategy: MiningStrategy, metric: DistanceMetric, margin = 1): Promise<TripletSet> {
  if (embeddings.rank !== 2 || embeddings.shape[0] !== labels.length) {
    throw new Error(`mineBatch: embeddings [${embeddings.shape.join(', ')}] do not match ${labels.length} labels`);
  }
  const dm = noGrad(() => pairwiseDistances(embeddings, embeddings, metric === 'cosine' ? 'cosine' : 'euclidean'));
  const v = await dm.data();
  dm.dispose();
  return mineTriplets(v, labels, strategy, margin);
}

/**
 * The triplet loss over mined triplets, differentiable in `embeddings` (gather + row distances);
 * null when mining found no triplet (nothing to learn from this batch).
 */
export function minedTripletLoss(embeddings: Tensor, t: TripletSet, metric: DistanceMetric, margin = 1): Tensor | null {
  const m = t.anchor.length;
  if (m === 0) return null;
  // No tidy() here: the intermediates are what the backward pass reads; call this inside the
  // training step's own tidy/variableGrads, as the other losses are.
  const rows = (idx: Int32Array) => gather(embeddings, fromArray(idx, [m], 'int32'));
  const a = rows(t.anchor);
  return tripletLoss(pairDistance(a, rows(t.positive), metric), pairDistance(a, rows(t.negative), metric), margin);
}
