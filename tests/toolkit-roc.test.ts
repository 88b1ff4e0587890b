/**
 * GPU ROC metrics (shaders/roc.wgsl, src/siamese/roc.ts) against independent CPU computations:
 * exact equality of every count, on random and tie-heavy inputs larger than one workgroup;
 * AUC against the Mann-Whitney rank statistic; thresholds that are not float32 values; errors.
 */
import { describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { Random } from '../src/engine/random.js';
import { rocAnalysis, ratesAtThresholds, cutFor } from '../src/siamese/roc.js';
import { countBelowCpu, mannWhitneyAuc } from './helpers/roc-reference.js';

function randomPairs(n: number, seed: number, grid?: number): { d: Float32Array; l: number[] } {
  const r = new Random(seed);
  // Same pairs lean to small distances, so the curve is not trivial; `grid` forces many ties.
  const l = Array.from({ length: n }, () => (r.next() < 0.45 ? 1 : 0));
  const d = Float32Array.from(l, (y) => {
    const v = (y ? 0.6 : 1.0) * r.next() * 1.5;
    return grid ? Math.round(v * grid) / grid : v;
  });
  return { d, l };
}

describe('countBelow kernel vs a direct CPU count', () => {
  const cases: [string, number, number, number | undefined][] = [
    ['random, 1000 pairs × 301 cuts (76 invocations: two workgroups, a partial group of 4)', 1000, 301, undefined],
    ['tie-heavy: 700 pairs on 9 values, 259 cuts at those values', 700, 259, 8],
    ['one pair, one cut', 1, 1, undefined],
  ];
  for (const [name, n, t, grid] of cases) {
    it(name, async () => {
      const { d, l } = randomPairs(n, n + t, grid);
      const r = new Random(t);
      // Cuts: data values themselves (ties at the cut: strict <), and values in between.
      const cuts = Float32Array.from({ length: t }, (_, k) => (k % 2 ? d[Math.floor(r.next() * n)] : r.next() * 1.6 - 0.05));
      const c = ws.countBelow(ws.tensor(d, [n]), ws.tensor(Int32Array.from(l), [n], 'int32'), ws.tensor(cuts, [t]));
      expect(c.shape).toEqual([t, 2]);
      expect(c.dtype).toBe('int32');
      const got = Array.from(await c.data());
      const want = Array.from(cuts).flatMap((x) => countBelowCpu(d, l, x));
      expect(got).toEqual(want);
      c.dispose();
    });
  }

  it('bad input: shapes, dtypes, empty, and no gradient', () => {
    const d = ws.tensor(new Float32Array([0.1, 0.2]), [2]);
    const l = ws.tensor(new Int32Array([1, 0]), [2], 'int32');
    const c = ws.tensor(new Float32Array([0.5]), [1]);
    expect(() => ws.countBelow(d, ws.tensor(new Int32Array([1]), [1], 'int32'), c)).toThrow(/countBelow: 2 distances but 1 labels/);
    expect(() => ws.countBelow(d, ws.tensor(new Float32Array([1, 0]), [2]), c)).toThrow(/labels must be an int32 vector \[n\], got \[2\] float32/);
    expect(() => ws.countBelow(ws.tensor(new Float32Array(0), [0]), ws.tensor(new Int32Array(0), [0], 'int32'), c)).toThrow(/no pairs/);
    expect(() => ws.countBelow(d, l, ws.tensor(new Float32Array(0), [0]))).toThrow(/no cuts/);
    expect(() => ws.countBelow(ws.tensor(new Float32Array(4), [2, 2]), l, c)).toThrow(/distances must be a float32 vector \[n\], got \[2, 2\]/);
    const dv = ws.variable(d);
    expect(() => ws.grad((x: ws.Tensor) => ws.sum(ws.countBelow(x, l, c)))(dv)).toThrow(/countBelow: integer counts have no gradient/);
  });
});

describe('rocAnalysis vs the CPU', () => {
  const cases: [string, number, number | undefined][] = [
    ['3000 random pairs', 3000, undefined],
    ['2000 tie-heavy pairs on 21 values', 2000, 20],
  ];
  for (const [name, n, grid] of cases) {
    it(`${name}: every count equal, AUC within 1e-6 of Mann-Whitney, EER and rates at thresholds`, async () => {
      const { d, l } = randomPairs(n, 11 + n, grid);
      const thresholds = [0.1, 0.5, 1 / 3, 2];
      const a = await rocAnalysis(d, l, thresholds);
      const pos = l.filter((y) => y === 1).length;
      const neg = n - pos;
      expect([a.pairs, a.positives, a.negatives]).toEqual([n, pos, neg]);
      const distinct = new Set(d).size;
      expect(a.curve).toHaveLength(distinct + 1);
      // The CPU compares each float32 distance with the float64 threshold directly (no cuts).
      for (const p of a.curve) {
        const [s, f] = countBelowCpu(d, l, p.threshold);
        expect([pos - p.falseRejects, p.falseAccepts]).toEqual([s, f]);
        expect([p.far, p.frr]).toEqual([f / neg, (pos - s) / pos]);
      }
      expect(a.curve[0]).toMatchObject({ far: 0, tar: 0 });
      expect(a.curve[a.curve.length - 1]).toMatchObject({ far: 1, tar: 1 });
      expect(Math.abs(a.auc - mannWhitneyAuc(Array.from(d, (x) => 1 - x), l))).toBeLessThanOrEqual(1e-6);
      // EER: the candidate with the smallest |FAR − FRR|, computed here from CPU counts.
      let best = Infinity;
      let bestAt = NaN;
      for (const p of a.curve) {
        const [s, f] = countBelowCpu(d, l, p.threshold);
        const gap = Math.abs(f / neg - (pos - s) / pos);
        if (gap < best) [best, bestAt] = [gap, p.threshold];
      }
      expect(a.eerPoint.threshold).toBe(bestAt);
      expect(a.eer).toBe((a.eerPoint.far + a.eerPoint.frr) / 2);
      thresholds.forEach((t, k) => {
        const [s, f] = countBelowCpu(d, l, t);
        expect(a.at[k]).toMatchObject({ threshold: t, falseAccepts: f, falseRejects: pos - s, accuracy: (s + neg - f) / n });
      });
    });
  }

  it('a distances tensor on the GPU gives the same analysis as the values', async () => {
    const { d, l } = randomPairs(300, 5);
    const t = ws.tensor(d, [300]);
    expect(await rocAnalysis(t, l, [0.4])).toEqual(await rocAnalysis(d, l, [0.4]));
    t.dispose();
  });

  it('thresholds between float32 values: d < τ exactly, for the float32 just below and above τ', async () => {
    const above = Math.fround(0.1); // 0.10000000149… > 0.1
    const f = new Float32Array([above]);
    new Uint32Array(f.buffer)[0] -= 1;
    const below = f[0]; // the float32 below 0.1
    const [p] = await ratesAtThresholds([below, above, below, above], [1, 1, 0, 0], [0.1]);
    expect([p.falseAccepts, p.falseRejects]).toEqual([1, 1]);
    expect(cutFor(0.1)).toBe(above);
    expect(cutFor(above)).toBe(above);
    expect(cutFor(-0.1)).toBe(-below); // fround(−0.1) is below −0.1: the next float32 up
    expect(() => cutFor(1e39, 'x')).toThrow(/x: threshold 1e\+39 is outside float32's finite range/);
  });

  it('bad input: clear errors', async () => {
    await expect(rocAnalysis([], [])).rejects.toThrow(/rocAnalysis: no pairs/);
    await expect(rocAnalysis([0.1], [1, 0])).rejects.toThrow(/1 distances but 2 labels/);
    await expect(rocAnalysis([0.1, 0.2], [1, 2])).rejects.toThrow(/label 1 is 2/);
    await expect(rocAnalysis([0.1, NaN], [1, 0])).rejects.toThrow(/distance 1 is NaN/);
    await expect(rocAnalysis([0.1, 0.2], [1, 1])).rejects.toThrow(/needs both same and different pairs, got 2 same and 0 different/);
    await expect(ratesAtThresholds([0.1, 0.2], [1, 0], [])).rejects.toThrow(/ratesAt: no thresholds given/);
  });
});
