/**
 * Online triplet mining: WHICH triplets each strategy chooses, pinned on hand-made distance
 * matrices (worked out in the comments), then the GPU path (mineBatch + minedTripletLoss)
 * against a CPU computation and finite differences, and P×K batches.
 */
import { describe, expect, it } from 'vitest';
import { mineBatch, minedTripletLoss, mineTriplets, sampleClassBatch } from '../src/siamese/toolkit/mining.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { fromArray } from '../src/engine/tensor.js';
import { makeImageSet } from '../src/siamese/data/image-set.js';
import { Random } from '../src/engine/random.js';
import type { TripletSet } from '../src/siamese/pairs.js';
import { HAND_WORKED, sym } from './helpers/mining-matrix.js';

const list = (t: TripletSet) => Array.from(t.anchor, (a, i) => [a, t.positive[i], t.negative[i]]);

// Batch of 4, labels 0 0 1 1, margin 0.5:
//   d(0,1) = .5  d(0,2) = .3  d(0,3) = .95  d(1,2) = 1.2  d(1,3) = .6  d(2,3) = .4
// anchor 0: positive 1 (.5); negatives 2 (.3), 3 (.95)
// anchor 1: positive 0 (.5); negatives 2 (1.2), 3 (.6)
// anchor 2: positive 3 (.4); negatives 0 (.3), 1 (1.2)
// anchor 3: positive 2 (.4); negatives 0 (.95), 1 (.6)
const L = HAND_WORKED.labels;
const D = HAND_WORKED.distances;

describe('which triplets are chosen', () => {
  it('batch-hard: farthest positive, nearest negative, per anchor', () => {
    expect(list(mineTriplets(D, L, 'batch-hard', 0.5))).toEqual([[0, 1, 2], [1, 0, 3], [2, 3, 0], [3, 2, 1]]);
  });
  it('batch-all: every triplet with d(a,p) − d(a,n) + m > 0', () => {
    // (0,1,2) .5−.3+.5 = .7 ✓   (0,1,3) .5−.95+.5 = .05 ✓   (1,0,2) .5−1.2+.5 < 0 ✗
    // (1,0,3) .5−.6+.5 = .4 ✓   (2,3,0) .4−.3+.5 = .6 ✓    (2,3,1) .4−1.2+.5 < 0 ✗
    // (3,2,0) .4−.95+.5 < 0 ✗   (3,2,1) .4−.6+.5 = .3 ✓
    expect(list(mineTriplets(D, L, 'batch-all', 0.5))).toEqual([[0, 1, 2], [0, 1, 3], [1, 0, 3], [2, 3, 0], [3, 2, 1]]);
  });
  it('semi-hard: nearest negative with d(a,p) < d(a,n) < d(a,p) + m; a pair with only easier ones is skipped', () => {
    // (0,1): band (.5, 1.0): 3 (.95) is in it; 2 (.3) is harder than the positive → n = 3.
    // (1,0): band (.5, 1.0): 3 (.6) in; 2 (1.2) beyond → n = 3.
    // (2,3): band (.4, .9): 0 (.3) is nearer than the positive, 1 (1.2) beyond the margin:
    //        none in the band, and one is farther → skipped (its loss would be 0).
    // (3,2): band (.4, .9): 1 (.6) in; 0 (.95) beyond → n = 1.
    expect(list(mineTriplets(D, L, 'semi-hard', 0.5))).toEqual([[0, 1, 3], [1, 0, 3], [3, 2, 1]]);
  });
  it('semi-hard picks the NEAREST negative in the band, not the first or the farthest', () => {
    // labels 0 0 1 1 1; anchor 0, positive 1 at .2; negatives at .6, .3, .5 with margin 1 → all
    // in (.2, 1.2); the nearest is item 3 (.3).
    const d = sym(5, { '0,1': 0.2, '0,2': 0.6, '0,3': 0.3, '0,4': 0.5, '1,2': 9, '1,3': 9, '1,4': 9, '2,3': 1, '2,4': 1, '3,4': 1 });
    expect(list(mineTriplets(d, [0, 0, 1, 1, 1], 'semi-hard', 1)).filter(([a]) => a === 0)).toEqual([[0, 1, 3]]);
  });
  it('semi-hard fallback: when every negative is nearer than the positive, the farthest negative', () => {
    // labels 0 0 1 2: d(0,1) = 1; negatives of 0 at .2 (item 2) and .7 (item 3), both < 1 → 3.
    const d = sym(4, { '0,1': 1, '0,2': 0.2, '0,3': 0.7, '1,2': 0.3, '1,3': 0.4, '2,3': 5 });
    const chosen = list(mineTriplets(d, [0, 0, 1, 2], 'semi-hard', 0.5));
    expect(chosen).toEqual([[0, 1, 3], [1, 0, 3]]);
  });
  it('ties go to the lower index; anchors without a positive are skipped', () => {
    const d = sym(4, { '0,1': 0.5, '0,2': 0.5, '0,3': 0.3, '1,2': 0.5, '1,3': 0.3, '2,3': 0.3 });
    // labels 0 0 0 1: anchor 0's positives 1 and 2 tie at .5 → 1; anchor 3 has no positive.
    expect(list(mineTriplets(d, [0, 0, 0, 1], 'batch-hard', 1))).toEqual([[0, 1, 3], [1, 0, 3], [2, 0, 3]]);
  });
  it('errors', () => {
    expect(() => mineTriplets([0, 1, 1], [0, 1], 'batch-all')).toThrow(/a batch of 2 needs a 2×2 distance matrix, got 3/);
    expect(() => mineTriplets(D, L, 'hardest' as never)).toThrow(/strategy must be/);
  });
});

describe('P×K batches', () => {
  it('P classes × K images, each labelled; a class with one image is named when too few remain', () => {
    const set = makeImageSet({ images: new Float32Array(9 * 4), labels: [0, 0, 0, 1, 1, 1, 2, 2, 3], height: 2, width: 2, source: 'toy' });
    const { indices, labels } = sampleClassBatch(set, 3, 2, new Random(1));
    expect(indices.length).toBe(6);
    for (let i = 0; i < 6; i++) expect(set.labels[indices[i]]).toBe(labels[i]);
    expect(new Set(labels).size).toBe(3);
    expect(() => sampleClassBatch(set, 4, 2, new Random(1))).toThrow(/4 classes with 2 images each are needed, toy has 3 \(class 3 has a single image\)/);
    expect(() => sampleClassBatch(set, 2, 1, new Random(1))).toThrow(/K \(images per class\) must be at least 2/);
  });
});

describe('mining on the GPU', () => {
  it('mineBatch reads the distances back and chooses as on the CPU; the loss matches the formula', async () => {
    const r = new Random(5);
    const e = Float32Array.from({ length: 8 * 3 }, () => r.next() * 2 - 1);
    const labels = [0, 0, 1, 1, 2, 2, 0, 1];
    const t = fromArray(e, [8, 3]);
    const cpu: number[] = [];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) cpu.push(Math.sqrt(Math.max([0, 1, 2].reduce((s, k) => s + (e[i * 3 + k] - e[j * 3 + k]) ** 2, 0), 1e-7)));
    for (const s of ['batch-all', 'batch-hard', 'semi-hard'] as const) {
      const got = await mineBatch(t, labels, s, 'euclidean', 0.5);
      expect(list(got), s).toEqual(list(mineTriplets(cpu, labels, s, 0.5)));
      const loss = minedTripletLoss(t, got, 'euclidean', 0.5)!;
      const want = list(got).reduce((acc, [a, p, n]) => acc + Math.max(cpu[a * 8 + p] - cpu[a * 8 + n] + 0.5, 0), 0) / got.anchor.length;
      // float32 distances of 3-D points vs float64: 1e-6 absolute on a loss of order 1.
      expect(Math.abs((await loss.data())[0] - want)).toBeLessThan(1e-6);
      loss.dispose();
    }
    // Gradient through gather and the row distances, by finite differences (step 1e-2; the
    // chosen triplets are fixed, so the loss is smooth away from the hinge).
    const chosen = await mineBatch(t, labels, 'batch-hard', 'euclidean', 0.5);
    const g = await gradcheck((x) => minedTripletLoss(x, chosen, 'euclidean', 0.5)!, [t], { h: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(g.ok, JSON.stringify(g.worst)).toBe(true);
    expect(minedTripletLoss(t, { anchor: new Int32Array(0), positive: new Int32Array(0), negative: new Int32Array(0) }, 'euclidean')).toBeNull();
    t.dispose();
  });
});
