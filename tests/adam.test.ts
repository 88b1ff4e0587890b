import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import * as ws from '../src/index.js';
import { backend } from '../src/index.js';
import { adamUpdate, float32Power, sgdUpdate } from '../src/kernels/adam.js';
import { expectAllClose } from './helpers/allclose.js';
import { seeded, tfRef } from './helpers/reference.js';

/**
 * The function both optimizers minimise, in tfjs: a weighted quadratic plus a quartic, so that
 * gradients change size and sign from step to step. Its gradients (computed by tfjs at tfjs's
 * current parameters) are fed to BOTH optimizers, so any difference comes from the update
 * arithmetic alone and the comparison can be step for step.
 */
function lossOf(tf: typeof tfjs, theta: tfjs.Tensor, target: tfjs.Tensor, w: tfjs.Tensor): tfjs.Scalar {
  return tf.add(tf.sum(tf.mul(w, tf.square(tf.sub(theta, target)))), tf.mul(0.25, tf.sum(tf.pow(theta, 4)))) as tfjs.Scalar;
}

// Tolerances. Parameters start in [-1, 1) and move by at most ~lr per step. tfjs rounds each of
// its ~10 float32 operations; our kernel does the same operations but the GPU may fuse a
// multiply-add and computes / and sqrt to within a few ulp (WGSL allows 2.5 ulp), so m and v
// agree to a few ulp relative and θ's update, ±lr·O(1), to a few ulp of lr. Over 10 steps that
// stays under 1e-6 absolute for θ ∈ [-2, 2] (ulp 2.4e-7).
// The moments m = β·m + (1−β)·g (and v with g²) can nearly cancel, so a bound relative to the
// result is wrong there: a GPU that contracts the update into one fma rounds once where tfjs
// rounds twice, and the difference is an ulp of the TERMS, not of their sum. `MomentBound`
// carries that per element: each side rounds at most four times per step (β·m, (1−β)·g or g²,
// the float32 constant 1−β, the sum), each within 2^-24 of the largest of |β·m|, |(1−β)·g|,
// |m_new|; both sides together add at most 8·2^-24 = 2^-21 of their sum per step, and earlier
// errors decay by β, as the recurrence carries them.
const THETA_TOL = { atol: 1e-6, rtol: 1e-6 };
const ULP_BUDGET = 2 ** -21;

class MomentBound {
  readonly bound: Float64Array;
  private readonly prev: Float64Array;
  constructor(n: number, private readonly beta: number) {
    this.bound = new Float64Array(n);
    this.prev = new Float64Array(n);
  }
  /** Advances with this step's term (g or g²) and the reference's new moment. */
  step(term: ArrayLike<number>, next: ArrayLike<number>): Float64Array {
    for (let i = 0; i < this.bound.length; i++) {
      const size = Math.abs(this.beta * this.prev[i]) + Math.abs((1 - this.beta) * term[i]) + Math.abs(next[i]);
      this.bound[i] = this.beta * this.bound[i] + ULP_BUDGET * size + 1e-30;
      this.prev[i] = next[i];
    }
    return this.bound;
  }
}

interface Case {
  shape: number[];
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

const cases: Case[] = [
  { shape: [7], lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  { shape: [13, 28], lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  { shape: [3, 3, 1, 32], lr: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-7 },
  // A large ε makes its placement matter: tfjs adds it to sqrt(v̂) (bias-corrected); Keras
  // adds it to sqrt(v). This case fails for the Keras formula.
  { shape: [64], lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 0.1 },
];

describe('adamUpdate vs tf.train.adam, step for step on the same gradients', () => {
  for (const c of cases) {
    it(`[${c.shape}] lr=${c.lr} β1=${c.beta1} β2=${c.beta2} ε=${c.epsilon}, 10 steps`, async () => {
      const tf = await tfRef();
      const n = c.shape.reduce((p, d) => p * d, 1);
      const init = seeded(c.shape, n);
      const target = tf.tensor(seeded(c.shape, n + 1), c.shape);
      const w = tf.tensor(seeded(c.shape, n + 2, 0.5, 2), c.shape);
      const name = `adam_test_${c.shape.join('x')}_${c.epsilon}`;
      const tfTheta = tf.variable(tf.tensor(init, c.shape), true, name);
      const opt = tf.train.adam(c.lr, c.beta1, c.beta2, c.epsilon);

      const theta = ws.tensor(init, c.shape);
      const m = ws.zeros(c.shape);
      const v = ws.zeros(c.shape);
      const mBound = new MomentBound(n, c.beta1);
      const vBound = new MomentBound(n, c.beta2);
      for (let step = 1; step <= 10; step++) {
        const g = tf.grad((x: tfjs.Tensor) => lossOf(tf, x, target, w))(tfTheta);
        const gValues = (await g.data()) as Float32Array;
        const gOurs = ws.tensor(gValues, c.shape);
        opt.applyGradients([{ name, tensor: g }]);
        adamUpdate(theta, gOurs, m, v, { lr: c.lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, step });
        gOurs.dispose();
        g.dispose();
        // tfjs's getWeights: [iterations, m (one per variable), v (one per variable)].
        const weights = await opt.getWeights();
        const what = (s: string) => `${s} after step ${step}`;
        expectAllClose(await theta.data(), await tfTheta.data(), { ...THETA_TOL, what: what('θ') });
        const mRef = await weights[1].tensor.data();
        const vRef = await weights[2].tensor.data();
        expectAllClose(await m.data(), mRef, { atol: mBound.step(gValues, mRef), rtol: 0, what: what('m') });
        expectAllClose(await v.data(), vRef, { atol: vBound.step(gValues.map((x) => x * x), vRef), rtol: 0, what: what('v') });
      }
      opt.dispose();
      tf.dispose([tfTheta, target, w]);
      ws.dispose([theta, m, v]);
    });
  }

  it('one step by hand (t = 1, so m̂ = g and v̂ = g²): θ − lr·g/(|g| + ε)', async () => {
    const theta = ws.tensor([1, -2, 0.5, 3]);
    const g = ws.tensor([0.5, -0.25, 0, 4]);
    const m = ws.zeros([4]);
    const v = ws.zeros([4]);
    adamUpdate(theta, g, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 0.5, step: 1 });
    // θ − 0.1·g/(|g| + 0.5): 1 − 0.05, −2 + 0.025/0.75, 0.5 − 0, 3 − 0.4/4.5
    expectAllClose(await theta.data(), [0.95, -2 + 0.025 / 0.75, 0.5, 3 - 0.4 / 4.5], { atol: 1e-6, rtol: 1e-6 });
    expectAllClose(await m.data(), [0.05, -0.025, 0, 0.4], { atol: 1e-7, rtol: 1e-6 });
    expectAllClose(await v.data(), [0.00025, 0.0000625, 0, 0.016], { atol: 1e-9, rtol: 1e-5 });
  });

  it('the bias corrections use β^t as a float32 running product, as tfjs does', () => {
    let acc = Math.fround(0.999);
    for (let t = 2; t <= 1000; t++) acc = Math.fround(acc * Math.fround(0.999));
    expect(float32Power(0.999, 1000)).toBe(acc);
    // Asking for an earlier step starts again rather than continuing.
    expect(float32Power(0.999, 1)).toBe(Math.fround(0.999));
    // The float32 product drifts from the exact power: it is not the same number.
    expect(Math.abs(float32Power(0.999, 1000) - 0.999 ** 1000)).toBeGreaterThan(0);
  });

  it('step and lr travel in uniforms: changing them compiles no new pipeline', async () => {
    const theta = ws.tensor([1, 2, 3]);
    const g = ws.tensor([0.1, 0.2, 0.3]);
    const m = ws.zeros([3]);
    const v = ws.zeros([3]);
    adamUpdate(theta, g, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 });
    sgdUpdate(theta, g, 0.1);
    const before = backend().pipelines.size;
    for (let step = 2; step < 6; step++) {
      adamUpdate(theta, g, m, v, { lr: 0.1 / step, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step });
      sgdUpdate(theta, g, 0.01 * step);
    }
    await theta.data();
    expect(backend().pipelines.size).toBe(before);
  });

  it('a parameter of more than 65,535 × 64 elements (grid folded into 2-D)', async () => {
    const n = 4_500_000;
    const p = new Float32Array(n);
    const gv = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = (i % 1000) / 1000;
      gv[i] = ((i * 7) % 13) / 13 - 0.5;
    }
    const theta = ws.tensor(p, [n]);
    const g = ws.tensor(gv, [n]);
    const m = ws.zeros([n]);
    const v = ws.zeros([n]);
    adamUpdate(theta, g, m, v, { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 });
    const out = await theta.data();
    // Step 1: θ − lr·g/(|g| + ε), i.e. θ − 0.01·sign(g) where g ≠ 0. Check every 997th element
    // and the last one (in the folded part of the grid).
    const sample = [...Array.from({ length: Math.ceil(n / 997) }, (_, k) => k * 997), n - 1];
    for (const i of sample) {
      const expected = p[i] - (gv[i] === 0 ? 0 : 0.01 * Math.sign(gv[i]));
      expect(Math.abs(out[i] - expected), `element ${i}`).toBeLessThan(1e-6);
    }
    ws.dispose([theta, g, m, v]);
  });

  it('errors name the op and the problem', () => {
    const t = ws.zeros([3]);
    const hp = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 };
    expect(() => adamUpdate(t, ws.zeros([4]), ws.zeros([3]), ws.zeros([3]), hp)).toThrow(/adamUpdate: grad has shape \[4\] but the parameter has \[3\]/);
    expect(() => adamUpdate(t, t, ws.zeros([3]), ws.zeros([3]), hp)).toThrow(/adamUpdate: grad shares its storage with the parameter/);
    expect(() => adamUpdate(t, ws.zeros([3]), ws.zeros([3]), ws.zeros([3]), { ...hp, step: 0 })).toThrow(/adamUpdate: step must be an integer >= 1, got 0/);
    expect(() => adamUpdate(t, ws.zeros([3]), ws.zeros([3]), ws.zeros([3]), { ...hp, beta2: 1 })).toThrow(/adamUpdate: beta2 must be in \[0, 1\), got 1/);
    expect(() => sgdUpdate(t, ws.zeros([3]), NaN)).toThrow(/sgdUpdate: lr must be a finite number, got NaN/);
  });
});

describe('sgdUpdate vs tf.train.sgd, step for step on the same gradients', () => {
  for (const shape of [[7], [13, 28], [3, 3, 1, 32]]) {
    it(`[${shape}], 10 steps`, async () => {
      const tf = await tfRef();
      const n = shape.reduce((p, d) => p * d, 1);
      const init = seeded(shape, 5 * n);
      const target = tf.tensor(seeded(shape, 5 * n + 1), shape);
      const w = tf.tensor(seeded(shape, 5 * n + 2, 0.5, 2), shape);
      const name = `sgd_test_${shape.join('x')}`;
      const tfTheta = tf.variable(tf.tensor(init, shape), true, name);
      const lr = 0.05;
      const opt = tf.train.sgd(lr);
      const theta = ws.tensor(init, shape);
      for (let step = 1; step <= 10; step++) {
        const g = tf.grad((x: tfjs.Tensor) => lossOf(tf, x, target, w))(tfTheta);
        const gOurs = ws.tensor((await g.data()) as Float32Array, shape);
        opt.applyGradients([{ name, tensor: g }]);
        sgdUpdate(theta, gOurs, lr);
        gOurs.dispose();
        g.dispose();
        // θ + g·(−lr): one multiply and one add, each rounded (possibly fused on the GPU).
        expectAllClose(await theta.data(), await tfTheta.data(), { atol: 1e-6, rtol: 1e-6, what: `θ after step ${step}` });
      }
      opt.dispose();
      tf.dispose([tfTheta, target, w]);
      theta.dispose();
    });
  }
});

describe('Adam through our own gradients follows tfjs minimising the same function', () => {
  it('[5, 4] for 10 steps: the gradients come from our engine, so agreement is to rounding', async () => {
    const tf = await tfRef();
    const shape = [5, 4];
    const init = seeded(shape, 77);
    const tv = seeded(shape, 78);
    const wv = seeded(shape, 79, 0.5, 2);
    const name = 'adam_own_grads';
    const tfTheta = tf.variable(tf.tensor(init, shape), true, name);
    const target = tf.tensor(tv, shape);
    const w = tf.tensor(wv, shape);
    const opt = tf.train.adam(0.02, 0.9, 0.999, 1e-7);
    const theta = ws.tensor(init, shape);
    const m = ws.zeros(shape);
    const v = ws.zeros(shape);
    const t = ws.tensor(tv, shape);
    const wt = ws.tensor(wv, shape);
    for (let step = 1; step <= 10; step++) {
      opt.minimize(() => lossOf(tf, tfTheta, target, w), false, [tfTheta]);
      const g = ws.grad((x) => ws.add(ws.sum(ws.mul(wt, ws.square(ws.sub(x, t)))), ws.mul(0.25, ws.sum(ws.square(ws.square(x))))))(theta);
      adamUpdate(theta, g, m, v, { lr: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step });
      g.dispose();
    }
    // Gradients differ by float32 rounding (~1e-7); Adam divides by sqrt(v̂) ~ |g|, so a
    // relative gradient difference δ moves each step by ~lr·δ; after 10 steps ≪ 1e-5.
    expectAllClose(await theta.data(), await tfTheta.data(), { atol: 1e-5, rtol: 1e-5, what: 'θ after 10 steps' });
    opt.dispose();
    tf.dispose([tfTheta, target, w]);
  });
});
