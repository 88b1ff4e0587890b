import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import * as ws from '../src/index.js';
import { Random } from '../src/engine/random.js';
import { checkOp } from './helpers/check-op.js';
import { expectAllClose } from './helpers/allclose.js';
import { contrastiveLoss, tripletLoss } from '../src/siamese/losses.js';
import { pairDistance } from '../src/siamese/distance.js';

/** Distances in [0.05, 1.6] kept 0.05 away from the margin 1 (the hinge's kink), and labels. */
function lossInputs(n: number, seed: number): { d: Float32Array; y: Float32Array } {
  const rng = new Random(seed);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    do v = rng.uniform(0.05, 1.6);
    while (Math.abs(v - 1) < 0.05);
    d[i] = v;
  }
  return { d, y: Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
}

function tfContrastive(tf: typeof tfjs, d: tfjs.Tensor, y: tfjs.Tensor, margin = 1): tfjs.Tensor {
  // Keras mnist_siamese's contrastive_loss, halved as the seed defines it.
  const sq = tf.square(d);
  const marginSq = tf.square(tf.maximum(tf.sub(margin, d), 0));
  return tf.div(tf.mean(tf.add(tf.mul(y, sq), tf.mul(tf.sub(1, y), marginSq))), 2);
}

describe('losses', () => {
  it('contrastive loss matches a float64 CPU formula', async () => {
    const { d, y } = lossInputs(37, 3);
    let s = 0;
    for (let i = 0; i < d.length; i++) s += y[i] * d[i] ** 2 + (1 - y[i]) * Math.max(1 - d[i], 0) ** 2;
    const want = s / d.length / 2;
    const got = (await contrastiveLoss(ws.tensor(d), ws.tensor(y)).data())[0];
    // 37 float32 terms of size ≤ 2.6: rounding ≲ 37 · 2.6 · 6e-8 ≈ 6e-6 relative to the sum.
    expect(Math.abs(got - want)).toBeLessThan(1e-6);
    // With margin 2, every different pair with d < 2 contributes.
    let s2 = 0;
    for (let i = 0; i < d.length; i++) s2 += y[i] * d[i] ** 2 + (1 - y[i]) * Math.max(2 - d[i], 0) ** 2;
    expect(Math.abs((await contrastiveLoss(ws.tensor(d), ws.tensor(y), 2).data())[0] - s2 / d.length / 2)).toBeLessThan(2e-6);
  });

  it('contrastive loss and its gradient match tfjs and finite differences', async () => {
    const { d, y } = lossInputs(16, 5);
    await checkOp({
      shapes: [[16], [16]],
      values: [d, y],
      ours: (a, b) => contrastiveLoss(a, b),
      ref: (tf, a, b) => tfContrastive(tf, a, b),
      noGradInputs: [1],
    });
  });

  it('triplet loss matches a CPU formula, tfjs and finite differences', async () => {
    const rng = new Random(9);
    // d(a,p) − d(a,n) + 1 kept 0.05 away from 0 (the hinge's kink) for finite differences.
    const dp = new Float32Array(12);
    const dn = new Float32Array(12);
    for (let i = 0; i < 12; i++) {
      do {
        dp[i] = rng.uniform(0, 2);
        dn[i] = rng.uniform(0, 2);
      } while (Math.abs(dp[i] - dn[i] + 1) < 0.05);
    }
    let s = 0;
    for (let i = 0; i < 12; i++) s += Math.max(dp[i] - dn[i] + 1, 0);
    expect(Math.abs((await tripletLoss(ws.tensor(dp), ws.tensor(dn)).data())[0] - s / 12)).toBeLessThan(1e-6);
    await checkOp({
      shapes: [[12], [12]],
      values: [dp, dn],
      ours: (a, b) => tripletLoss(a, b),
      ref: (tf, a, b) => tf.mean(tf.relu(tf.add(tf.sub(a, b), 1))),
    });
  });

  it('distances: euclidean as Keras (floor 1e-7 under the sqrt), cosine as 1 − cos', async () => {
    const a = [[3, 4, 0], [1, 0, 0], [1, 2, 3]];
    const b = [[0, 0, 0], [0, 1, 0], [1, 2, 3]];
    const e = await pairDistance(ws.tensor(a), ws.tensor(b), 'euclidean').data();
    // 5, √2, and sqrt(1e-7) for identical rows.
    expectAllClose(e, [5, Math.SQRT2, Math.sqrt(1e-7)], { atol: 1e-6, rtol: 1e-6 });
    const c = await pairDistance(ws.tensor([[1, 0], [1, 1], [2, 0]]), ws.tensor([[0, 1], [2, 2], [-1, 0]]), 'cosine').data();
    expectAllClose(c, [1, 0, 2], { atol: 1e-6, rtol: 0 });
    expect(() => contrastiveLoss(ws.tensor([1, 2]), ws.tensor([1]))).toThrow(/contrastiveLoss: distance and labels must both be \[batch\]/);
  });
});

