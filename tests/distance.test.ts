import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';
import { expectAllClose } from './helpers/allclose.js';
import { seeded } from './helpers/reference.js';

// Tolerances. Each value is a D-long float32 sum of squares or products of inputs in [-1, 1),
// followed by a sqrt or a division; float32 sums of D ≤ 64 terms are good to ~D·2^-24 ≈ 4e-6
// relative, so 1e-5 (absolute and relative) covers forward values. Gradients chain three or
// four more float32 operations (and, for pairwise, a matMul over M ≤ 17 terms): 1e-4.
const FWD = { atol: 1e-5, rtol: 1e-5 };
const GRAD = { atol: 1e-4, rtol: 1e-4 };
const EPS = 1e-7;

/** tfjs compositions of the same formulas (the reference for values and gradients). */
const tfEuclid = (tf: typeof tfjs, a: tfjs.Tensor, b: tfjs.Tensor) => tf.sqrt(tf.maximum(tf.sum(tf.squaredDifference(a, b), 1), EPS));
/** tfjs-layers' l2Normalize: x / sqrt(max(Σ x², ε)) along the last axis. */
const tfL2n = (tf: typeof tfjs, x: tfjs.Tensor) => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), EPS)));
const tfCosine = (tf: typeof tfjs, a: tfjs.Tensor, b: tfjs.Tensor) => tf.sum(tf.mul(tfL2n(tf, a), tfL2n(tf, b)), 1);
const tfPairSq = (tf: typeof tfjs, a: tfjs.Tensor, b: tfjs.Tensor) => tf.sum(tf.square(tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0))), 2);
const tfPairwise = {
  squaredEuclidean: tfPairSq,
  euclidean: (tf: typeof tfjs, a: tfjs.Tensor, b: tfjs.Tensor) => tf.sqrt(tf.maximum(tfPairSq(tf, a, b), EPS)),
  cosine: (tf: typeof tfjs, a: tfjs.Tensor, b: tfjs.Tensor) =>
    tf.sub(1, tf.matMul(tfL2n(tf, a) as tfjs.Tensor2D, tfL2n(tf, b) as tfjs.Tensor2D, false, true)),
};

describe('euclideanDistance = sqrt(max(Σ (a − b)², 1e-7)) vs tfjs and finite differences', () => {
  for (const [n, d] of [[1, 1], [5, 7], [13, 64]]) {
    it(`[${n}, ${d}]`, async () => {
      await checkOp({ shapes: [[n, d], [n, d]], ours: ws.euclideanDistance, ref: tfEuclid, fwd: FWD, grad: GRAD, seed: n + d });
    });
  }
  it('zero distance and distance under the floor: gradient finite, 0, and equal to tfjs', async () => {
    // Row 0: a generic pair. Row 1: identical rows (s = 0). Row 2: s = 1e-12 < 1e-7 (floored).
    const a = new Float32Array([0.3, -0.2, 0.9, 0.1, 0.5, -0.7, 0.25, -0.5, 0.125]);
    const b = new Float32Array([-0.4, 0.6, 0.2, 0.1, 0.5, -0.7, 0.25, -0.5, 0.125 + 1e-6]);
    await checkOp({ shapes: [[3, 3], [3, 3]], values: [a, b], ours: ws.euclideanDistance, ref: tfEuclid, fwd: FWD, grad: GRAD });
    const [ga, gb] = ws.grads((x, y) => ws.sum(ws.euclideanDistance(x, y)))([ws.tensor(a, [3, 3]), ws.tensor(b, [3, 3])]);
    const gav = await ga.data();
    const gbv = await gb.data();
    // Written out: rows 1 and 2 get exactly 0 (not NaN; abs because 0·(a − b) may be −0);
    // row 0 gets ±(a − b)/|a − b|.
    expect(Array.from(gav.slice(3)).map(Math.abs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(gbv.slice(3)).map(Math.abs)).toEqual([0, 0, 0, 0, 0, 0]);
    const diff = [0.7, -0.8, 0.7];
    const len = Math.hypot(...diff);
    expectAllClose(gav.slice(0, 3), diff.map((x) => x / len), FWD);
    expectAllClose(gbv.slice(0, 3), diff.map((x) => -x / len), FWD);
  });
});

describe('cosineSimilarity = Σ a·b / (|a|′·|b|′), |x|′ = sqrt(max(Σ x², 1e-7)) (tfjs-layers convention)', () => {
  for (const [n, d] of [[1, 1], [5, 7], [13, 64]]) {
    it(`[${n}, ${d}]`, async () => {
      // [1, 1]: cosine of two scalars is ±1 with zero gradient; keep it away from 0 so the
      // finite-difference step cannot flip a sign.
      await checkOp({
        shapes: [[n, d], [n, d]],
        ours: ws.cosineSimilarity,
        ref: tfCosine,
        fwd: FWD,
        grad: GRAD,
        seed: 3 * n + d,
        range: d === 1 ? [0.2, 1] : [-1, 1],
      });
    });
  }
  it('a zero row (norm floored): similarity 0 and the gradient tfjs gives (finite)', async () => {
    const a = new Float32Array([0, 0, 0, 0.5, -0.25, 1]);
    const b = new Float32Array([0.3, -0.6, 0.2, 0.5, 0.5, -0.5]);
    // No finite differences: within 3e-4 of the zero row the floored norm is constant, so a
    // 1e-2 step leaves the region where the gradient holds.
    await checkOp({ shapes: [[2, 3], [2, 3]], values: [a, b], ours: ws.cosineSimilarity, ref: tfCosine, fwd: FWD, grad: GRAD, finiteDifferences: false });
    const y = await ws.cosineSimilarity(ws.tensor(a, [2, 3]), ws.tensor(b, [2, 3])).data();
    expect(y[0]).toBe(0);
  });
});

/** The distance matrix in float64 on the CPU, written from the definitions. */
function cpuPairwise(metric: 'euclidean' | 'squaredEuclidean' | 'cosine', a: Float32Array, b: Float32Array, n: number, m: number, d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      let dot = 0;
      let sa = 0;
      let sb = 0;
      for (let k = 0; k < d; k++) {
        const x = a[i * d + k];
        const y = b[j * d + k];
        s += (x - y) * (x - y);
        dot += x * y;
        sa += x * x;
        sb += y * y;
      }
      if (metric === 'squaredEuclidean') out.push(s);
      else if (metric === 'euclidean') out.push(Math.sqrt(Math.max(s, EPS)));
      else out.push(1 - dot / (Math.sqrt(Math.max(sa, EPS)) * Math.sqrt(Math.max(sb, EPS))));
    }
  }
  return out;
}

describe('pairwiseDistances (one fused kernel) vs a float64 CPU computation', () => {
  for (const metric of ['euclidean', 'squaredEuclidean', 'cosine'] as const) {
    for (const [n, m, d] of [[1, 1, 1], [7, 9, 5], [33, 17, 16], [64, 128, 64]]) {
      it(`${metric} [${n}, ${d}] × [${m}, ${d}]`, async () => {
        const a = seeded([n, d], n + d);
        const b = seeded([m, d], m + d + 1);
        const y = ws.pairwiseDistances(ws.tensor(a, [n, d]), ws.tensor(b, [m, d]), metric);
        expect([...y.shape]).toEqual([n, m]);
        expectAllClose(await y.data(), cpuPairwise(metric, a, b, n, m, d), { ...FWD, what: metric });
      });
    }
  }
});

describe('pairwiseDistances vs tfjs compositions (values and gradients) and finite differences', () => {
  for (const metric of ['euclidean', 'squaredEuclidean', 'cosine'] as const) {
    for (const [n, m, d] of [[7, 9, 5], [13, 6, 8]]) {
      it(`${metric} [${n}, ${d}] × [${m}, ${d}]`, async () => {
        await checkOp({
          shapes: [[n, d], [m, d]],
          ours: (a, b) => ws.pairwiseDistances(a, b, metric),
          ref: tfPairwise[metric],
          fwd: FWD,
          grad: GRAD,
          seed: n * m + d,
          fd: { maxPerInput: 24 },
        });
      });
    }
    it(`${metric} with a zero-distance pair (a row of a equals a row of b)`, async () => {
      const a = seeded([4, 3], 21);
      const b = seeded([5, 3], 22);
      b.set(a.subarray(3, 6), 6); // b[2] = a[1]
      await checkOp({ shapes: [[4, 3], [5, 3]], values: [a, b], ours: (x, y) => ws.pairwiseDistances(x, y, metric), ref: tfPairwise[metric], fwd: FWD, grad: GRAD });
    });
  }
  it('the zero-distance pair contributes exactly 0 to the euclidean gradient', async () => {
    // One pair only, identical rows: the floor is active, so both gradients are 0, not NaN.
    const v = new Float32Array([0.5, -0.25, 0.75]);
    const [ga, gb] = ws.grads((x, y) => ws.sum(ws.pairwiseDistances(x, y)))([ws.tensor(v, [1, 3]), ws.tensor(v, [1, 3])]);
    expect(Array.from(await ga.data()).map(Math.abs)).toEqual([0, 0, 0]);
    expect(Array.from(await gb.data()).map(Math.abs)).toEqual([0, 0, 0]);
  });
});

describe('distance errors', () => {
  it('name the op and the shapes', () => {
    expect(() => ws.euclideanDistance(ws.zeros([2, 3]), ws.zeros([2, 4]))).toThrow(
      /euclideanDistance: a and b must have the same shape \[N, D\], got \[2, 3\] and \[2, 4\]/,
    );
    expect(() => ws.cosineSimilarity(ws.zeros([3]), ws.zeros([3]))).toThrow(/cosineSimilarity: a must have rank 2/);
    expect(() => ws.pairwiseDistances(ws.zeros([2, 3]), ws.zeros([4, 5]))).toThrow(
      /pairwiseDistances: a \[2, 3\] and b \[4, 5\] must have the same number of columns/,
    );
    expect(() => ws.pairwiseDistances(ws.zeros([2, 3]), ws.zeros([4, 3]), 'manhattan' as any)).toThrow(
      /pairwiseDistances: metric must be 'euclidean', 'squaredEuclidean' or 'cosine', got 'manhattan'/,
    );
  });
});
