import { describe, expect, it } from 'vitest';
import { Random } from '../src/engine/random.js';
import { makeImageSet, type ImageSet } from '../src/siamese/data/image-set.js';
import { balancedPairs, sampleTriplets, seedPairs } from '../src/siamese/pairs.js';

/** A set whose labels are given; every image is 1×1 holding its own index (so pixels identify images). */
function labelled(labels: number[], numClasses?: number): ImageSet {
  return makeImageSet({ images: Float32Array.from(labels, (_, i) => i), labels, height: 1, width: 1, numClasses, source: 'test set' });
}

// Class c holds images in a known order: 4 of class 0, 3 of class 1, 5 of class 2, interleaved.
const LABELS = [0, 1, 2, 0, 2, 1, 0, 2, 2, 1, 0, 2];
const BY_CLASS = [[0, 3, 6, 10], [1, 5, 9], [2, 4, 7, 8, 11]];

describe("the seed's pair builder", () => {
  it('pairs consecutive images of each class, and image i with the i-th of another class', () => {
    const p = seedPairs(labelled(LABELS), new Random(7));
    const n = 2; // the smallest class has 3 images: n = 3 − 1, as Keras's create_pairs
    expect(p.labels.length).toBe(2 * 3 * n);
    let k = 0;
    for (let d = 0; d < 3; d++) {
      for (let i = 0; i < n; i++) {
        expect([p.left[k], p.right[k], p.labels[k]]).toEqual([BY_CLASS[d][i], BY_CLASS[d][i + 1], 1]);
        k++;
        expect(p.left[k]).toBe(BY_CLASS[d][i]);
        const other = LABELS[p.right[k]];
        expect(other).not.toBe(d);
        expect(p.right[k]).toBe(BY_CLASS[other][i]);
        expect(p.labels[k]).toBe(0);
        k++;
      }
    }
  });

  it('is deterministic for a seed, caps pairs per class, and skips classes under 2 images', () => {
    const set = labelled(LABELS);
    expect(seedPairs(set, new Random(3))).toEqual(seedPairs(set, new Random(3)));
    expect(seedPairs(set, new Random(3), { perClass: 1 }).labels.length).toBe(6);
    // Class 3 has one image and class 4 none (as EMNIST letters' class 0): both left out.
    const sparse = labelled([...LABELS, 3], 5);
    const p = seedPairs(sparse, new Random(1));
    expect(p.labels.length).toBe(12);
    expect([...p.left, ...p.right].every((i) => LABELS[i] !== undefined)).toBe(true);
    expect(() => seedPairs(labelled([0, 0, 1]), new Random(1))).toThrow(/needs at least 2 classes with 2 or more images each, found 1/);
  });
});

describe('balanced pair sampler', () => {
  it('draws half positives, labels that match the classes, and every class pair', () => {
    // 10 classes × 30 images.
    const labels = Array.from({ length: 300 }, (_, i) => i % 10);
    const set = labelled(labels);
    const p = balancedPairs(set, 9000, new Random(11));
    expect(p.labels.length).toBe(9000);
    expect(p.labels.reduce((a, b) => a + b, 0)).toBe(4500);
    const counts = new Map<string, number>();
    for (let k = 0; k < 9000; k++) {
      const a = labels[p.left[k]];
      const b = labels[p.right[k]];
      expect(p.labels[k]).toBe(a === b ? 1 : 0);
      if (a === b) expect(p.left[k]).not.toBe(p.right[k]);
      else counts.set(`${a}-${b}`, (counts.get(`${a}-${b}`) ?? 0) + 1);
    }
    // Negatives spread over all 90 ordered class pairs: 4500 / 90 = 50 each on average; with
    // binomial sd ≈ 7, every count within 50 ± 35 (5 sd) unless the sampler is biased.
    expect(counts.size).toBe(90);
    for (const c of counts.values()) expect(Math.abs(c - 50)).toBeLessThan(35);
    // Positives and negatives are interleaved, not blocked: the first half holds both kinds.
    const firstHalf = p.labels.subarray(0, 4500).reduce((a, b) => a + b, 0);
    expect(firstHalf).toBeGreaterThan(2000);
    expect(firstHalf).toBeLessThan(2500);
  });

  it('repeats for a seed and differs from epoch to epoch; odd counts round positives down', () => {
    const set = labelled(LABELS);
    expect(balancedPairs(set, 64, new Random(5))).toEqual(balancedPairs(set, 64, new Random(5)));
    const rng = new Random(5);
    const e1 = balancedPairs(set, 64, rng);
    const e2 = balancedPairs(set, 64, rng);
    expect(e1.left).not.toEqual(e2.left);
    expect(balancedPairs(set, 7, rng).labels.reduce((a, b) => a + b, 0)).toBe(3);
    expect(() => balancedPairs(set, 1, rng)).toThrow(/count must be an integer >= 2/);
  });
});

describe('triplet sampler', () => {
  it('draws anchor and positive from one class (distinct images) and a negative from another', () => {
    const set = labelled(LABELS);
    const t = sampleTriplets(set, 500, new Random(2));
    for (let k = 0; k < 500; k++) {
      expect(LABELS[t.anchor[k]]).toBe(LABELS[t.positive[k]]);
      expect(t.anchor[k]).not.toBe(t.positive[k]);
      expect(LABELS[t.negative[k]]).not.toBe(LABELS[t.anchor[k]]);
    }
    expect(new Set(Array.from(t.anchor, (i) => LABELS[i])).size).toBe(3);
    expect(sampleTriplets(set, 20, new Random(2))).toEqual(sampleTriplets(set, 20, new Random(2)));
  });
});
