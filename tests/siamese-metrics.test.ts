import { describe, expect, it } from 'vitest';
import { pairAccuracy, pairMetrics } from '../src/siamese/metrics.js';

describe('pair metrics (counted on the GPU)', () => {
  it('ROC AUC of hand-computed cases', async () => {
    // Distances of 3 positives: 0.1, 0.4, 0.6; of 3 negatives: 0.3, 0.7, 0.9 (scores 1 − d:
    // 0.9, 0.6, 0.4 and 0.7, 0.3, 0.1). Of the 9 (positive, negative) pairs the positive is
    // nearer in: 0.1 < all 3; 0.4 < 0.7, 0.9; 0.6 < 0.7, 0.9 → 7 of 9.
    expect((await pairMetrics([0.1, 0.3, 0.4, 0.6, 0.7, 0.9], [1, 0, 1, 1, 0, 0])).rocAuc).toBeCloseTo(7 / 9, 12);
    // A tie between a positive and a negative counts one half: positives {0.5, 0.25}, negatives
    // {0.5, 0.75}: 0.25 beats both (2), 0.5 ties 0.5 (½) and beats 0.75 (1) → 3.5 / 4.
    expect((await pairMetrics([0.5, 0.25, 0.5, 0.75], [1, 1, 0, 0])).rocAuc).toBe(3.5 / 4);
    expect((await pairMetrics([3, 2, 1], [0, 0, 1])).rocAuc).toBe(1);
    expect((await pairMetrics([3, 2, 1], [1, 0, 0])).rocAuc).toBe(0);
    await expect(pairMetrics([1, 2], [1, 1])).rejects.toThrow(/needs both same and different pairs/);
  });

  it('accuracy, FAR and FRR at a threshold on 1 − distance, as the seed computes it; EER', async () => {
    // Distances 0.25 (same), 0.75 (same), 0.375 (different), 0.875 (different): with threshold
    // 0.5 (same when d < 0.5) the predictions are same, diff, same, diff → 2 of 4 right,
    // FAR 1/2, FRR 1/2. (Values exact in float32, so the hand answers are exact too.)
    const m = await pairMetrics([0.25, 0.75, 0.375, 0.875], [1, 1, 0, 0]);
    expect(m).toMatchObject({ accuracy: 0.5, threshold: 0.5, far: 0.5, frr: 0.5, pairs: 4, positives: 2 });
    expect(m.meanPositiveDistance).toBe(0.5);
    expect(m.meanNegativeDistance).toBe(0.625);
    // Threshold 0.25: same when d < 0.75: 0.25 and 0.375 accepted, 0.75 rejected → 2 of 4
    // right, FAR 1/2, FRR 1/2.
    expect(await pairMetrics([0.25, 0.75, 0.375, 0.875], [1, 1, 0, 0], 0.25)).toMatchObject({ accuracy: 0.5, far: 0.5, frr: 0.5 });
    // Threshold 0.2: same when d < 0.8: accepts 0.25, 0.75, 0.375 → FAR 1/2, FRR 0, 3 of 4.
    expect(await pairMetrics([0.25, 0.75, 0.375, 0.875], [1, 1, 0, 0], 0.2)).toMatchObject({ accuracy: 0.75, far: 0.5, frr: 0 });
    // EER: accepting {0.25} gives FAR 0, FRR 1/2; {0.25, 0.375} gives 1/2, 1/2 (gap 0): EER 1/2
    // at the midpoint between 0.375 and 0.75, 0.5625.
    expect(m.eer).toBe(0.5);
    expect(m.eerDistanceThreshold).toBe(0.5625);
    expect(m.roc.curve.map((p) => [p.far, p.tar])).toEqual([[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]);
  });

  it('pairAccuracy (the trainer’s per-epoch count): a score exactly at the threshold is "different"', () => {
    expect(pairAccuracy([0.5], [1])).toBe(0);
    expect(pairAccuracy([0.8, 0.3, 0.6, 0.1], [1, 1, 0, 0], 0.2)).toBe(0.75);
    expect(() => pairAccuracy([0.5], [1, 0])).toThrow(/1 scores but 2 labels/);
  });
});
