import { describe, expect, it } from 'vitest';
import { bestThreshold, pairAccuracy, pairMetrics, rocAuc } from '../src/siamese/metrics.js';

describe('pair metrics', () => {
  it('ROC AUC of a hand-computed case', () => {
    // Scores of 3 positives: 0.9, 0.6, 0.4; of 3 negatives: 0.7, 0.3, 0.1. Of the 9
    // (positive, negative) pairs the positive ranks higher in: 0.9 > all 3; 0.6 > 0.3, 0.1;
    // 0.4 > 0.3, 0.1 → 7 of 9.
    expect(rocAuc([0.9, 0.7, 0.6, 0.4, 0.3, 0.1], [1, 0, 1, 1, 0, 0])).toBeCloseTo(7 / 9, 12);
    // A tie between a positive and a negative counts one half: positives {0.5, 0.8}, negatives
    // {0.5, 0.2}: 0.8 beats both (2), 0.5 ties 0.5 (½) and beats 0.2 (1) → 3.5 / 4.
    expect(rocAuc([0.5, 0.8, 0.5, 0.2], [1, 1, 0, 0])).toBeCloseTo(3.5 / 4, 12);
    expect(rocAuc([1, 2, 3], [0, 0, 1])).toBe(1);
    expect(rocAuc([1, 2, 3], [1, 0, 0])).toBe(0);
    expect(() => rocAuc([1, 2], [1, 1])).toThrow(/needs both same and different pairs/);
  });

  it('accuracy at a threshold on 1 − distance, as the seed computes it', () => {
    // Distances 0.2 (same), 0.7 (same), 0.4 (different), 0.9 (different): scores 0.8, 0.3, 0.6,
    // 0.1; with threshold 0.5 the predictions are same, diff, same, diff → 2 of 4 right.
    const m = pairMetrics([0.2, 0.7, 0.4, 0.9], [1, 1, 0, 0]);
    expect(m.accuracy).toBe(0.5);
    expect(m.threshold).toBe(0.5);
    expect(m.meanPositiveDistance).toBeCloseTo(0.45, 12);
    expect(m.meanNegativeDistance).toBeCloseTo(0.65, 12);
    expect(pairMetrics([0.2, 0.7, 0.4, 0.9], [1, 1, 0, 0], 0.25).accuracy).toBe(0.75);
    // A score exactly at the threshold is "different" (strictly greater is "same").
    expect(pairAccuracy([0.5], [1])).toBe(0);
  });

  it('best threshold maximises accuracy on the given pairs', () => {
    const b = bestThreshold([0.8, 0.3, 0.6, 0.1], [1, 1, 0, 0]);
    // Thresholds between 0.1 and 0.3 call 0.8, 0.3, 0.6 same: 3 of 4 (the best possible here).
    expect(b.accuracy).toBe(0.75);
    expect(b.threshold).toBeGreaterThan(0.1);
    expect(b.threshold).toBeLessThan(0.3);
    expect(pairAccuracy([0.8, 0.3, 0.6, 0.1], [1, 1, 0, 0], b.threshold)).toBe(0.75);
  });
});
