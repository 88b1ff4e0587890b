import { describe, it, expect } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { mean, squaredDifference, tensor, variable, type Tensor } from '../src/index.js';
import { nn } from '../src/index.js';
import * as ws from '../src/index.js';
import { expectAllClose } from './helpers/allclose.js';
import { seeded, tfRef } from './helpers/reference.js';
import { liveStats } from '../src/engine/tensor.js';

const { Sequential, Conv2D, MaxPooling2D, Flatten, Dense, Adam, SGD } = nn;
type Model = InstanceType<typeof Sequential>;
type Opt = InstanceType<typeof Adam> | InstanceType<typeof SGD>;

/** Runs `steps` minimize() calls of the mean squared error; returns the loss of each step. */
async function train(model: Model, opt: Opt, x: Tensor, y: Tensor, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => mean(squaredDifference(model.apply(x), y)), model.trainableWeights);
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  return losses;
}

/** The same in tfjs, on a tfjs model holding `weights`. */
function trainRef(tf: typeof tfjs, ref: tfjs.Sequential, opt: tfjs.Optimizer, x: tfjs.Tensor, y: tfjs.Tensor, steps: number): number[] {
  const vars = ref.trainableWeights.map((w) => w.read() as tfjs.Variable);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => tf.mean(tf.squaredDifference(ref.apply(x) as tfjs.Tensor, y)), true, vars)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  return losses;
}

async function copyInto(tf: typeof tfjs, model: Model, ref: tfjs.Sequential): Promise<void> {
  ref.setWeights((await model.getWeights()).map((a, i) => tf.tensor(a, [...model.weights[i].shape])));
}

async function expectSameWeights(model: Model, ref: tfjs.Sequential, tol: { atol: number; rtol: number }): Promise<void> {
  const ours = await model.getWeights();
  const want = ref.getWeights();
  for (let i = 0; i < ours.length; i++) {
    expectAllClose(ours[i], await want[i].data(), { ...tol, what: `final ${model.weights[i].name}` });
  }
}

// Tolerances. Each step's forward and backward are short float32 sums (K ≤ 16 here) that tfjs
// adds in another order, so gradients agree to ~1e-7 relative. Adam's update lr·m̂/(sqrt(v̂)+ε)
// depends on the ratio of gradients, so a relative gradient error ε_g moves a weight by about
// lr·ε_g per step; over 20 steps the weights should agree to ~1e-7 and the losses likewise.
// atol = rtol = 1e-5 leaves two orders of magnitude for the growth of these differences
// through training. (Measured on SwiftShader: losses within 9e-8, weights within 1.8e-7.)
const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('optimizers vs tf.train on a small Dense regression', () => {
  const x = seeded([16, 4], 21);
  const y = seeded([16, 2], 22);
  const dense = () => new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 2 })], { inputShape: [4], seed: 3 });
  const tfDense = (tf: typeof tfjs) =>
    tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.dense({ units: 2 })] });

  for (const [name, ours, theirs] of [
    ['Adam lr 0.01', () => new Adam({ learningRate: 0.01 }), (tf: typeof tfjs) => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
    ['Adam lr 0.05, beta1 0.8, beta2 0.99, epsilon 1e-4', () => new Adam({ learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-4 }), (tf: typeof tfjs) => tf.train.adam(0.05, 0.8, 0.99, 1e-4)],
    ['SGD lr 0.1', () => new SGD({ learningRate: 0.1 }), (tf: typeof tfjs) => tf.train.sgd(0.1)],
  ] as const) {
    it(`${name}: 20 steps give the same loss curve and final weights`, async () => {
      const tf = await tfRef();
      const model = dense();
      const ref = tfDense(tf);
      await copyInto(tf, model, ref);
      const [xs, ys] = [tensor(x, [16, 4]), tensor(y, [16, 2])];
      const opt = ours();
      const losses = await train(model, opt, xs, ys, 20);
      const want = trainRef(tf, ref, theirs(tf), tf.tensor(x, [16, 4]), tf.tensor(y, [16, 2]), 20);
      expectAllClose(losses, want, { ...TOL, what: 'loss curve' });
      expect(losses[19], 'training made progress').toBeLessThan(losses[0] * 0.9);
      await expectSameWeights(model, ref, TOL);
      expect(opt.iterations).toBe(20);
      for (const t of [xs, ys]) t.dispose();
      opt.dispose();
      model.dispose();
      ref.dispose();
    });
  }

  it('Adam through Conv2D, MaxPooling2D and Flatten: 5 steps match tfjs', async () => {
    const tf = await tfRef();
    const model = new Sequential(
      [new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new MaxPooling2D(), new Flatten(), new Dense({ units: 3 })],
      { inputShape: [6, 6, 2], seed: 9 },
    );
    const ref = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    await copyInto(tf, model, ref);
    const xv = seeded([3, 6, 6, 2], 31);
    const yv = seeded([3, 3], 32);
    const opt = new Adam({ learningRate: 0.01 });
    const losses = await train(model, opt, tensor(xv, [3, 6, 6, 2]), tensor(yv, [3, 3]), 5);
    const want = trainRef(tf, ref, tf.train.adam(0.01, 0.9, 0.999, 1e-7), tf.tensor(xv, [3, 6, 6, 2]), tf.tensor(yv, [3, 3]), 5);
    // The conv filter gradient sums 3·4·4 = 48 products: still float32 rounding, same tolerance.
    expectAllClose(losses, want, { ...TOL, what: 'loss curve' });
    await expectSameWeights(model, ref, TOL);
    opt.dispose();
    model.dispose();
    ref.dispose();
  });
});

describe('optimizer mechanics', () => {
  it('applyGradients takes a Map<Variable, Tensor>; one step matches the update rule by hand', async () => {
    const w = variable(tensor([1, 2]), true, 'w');
    const u = variable(tensor([1, 2]), true, 'u');
    const g = tensor([0.5, -1]);
    new SGD({ learningRate: 0.1 }).applyGradients(new Map([[w, g]]));
    // w − 0.1·g
    expectAllClose(await w.data(), [0.95, 2.1], { atol: 1e-7, rtol: 1e-7, what: 'sgd' });
    const adam = new Adam({ learningRate: 0.1 });
    adam.applyGradients({ u: g }, [u]);
    // Step 1 in exact arithmetic: m̂ = g, v̂ = g², so u − 0.1·g/(|g| + ε). But like tfjs the
    // kernel holds β, 1 − β and 1 − β^t in float32, and fround(0.999) is 1.3e-8 off, which is
    // 1.3e-5 of 1 − β2: the step is ~6e-6 smaller than lr. So replay tfjs's float32 constants.
    const f = Math.fround;
    const adamStep = (g: number) => {
      const m = f(f(1 - 0.9) * g);
      const v = f(f(1 - 0.999) * f(g * g));
      return (0.1 * f(m / f(1 - f(0.9)))) / (Math.sqrt(f(v / f(1 - f(0.999)))) + 1e-7);
    };
    // Left: rounding of the kernel's own float32 arithmetic, a few ulps of values below 4 (2.4e-7 each).
    expectAllClose(await u.data(), [1 - adamStep(0.5), 2 - adamStep(-1)], { atol: 5e-7, rtol: 0, what: 'adam' });
    // And the step is the sign of g times lr, to the 1e-5 that the float32 β rounding allows.
    expectAllClose(await u.data(), [0.9, 2.1], { atol: 1e-5, rtol: 0, what: 'adam vs lr·sign(g)' });
    expect(adam.iterations).toBe(1);
    expect(() => adam.applyGradients({ nope: g }, [u])).toThrow(/gradient is named 'nope' but no variable in the list has that name/);
    expect(() => adam.applyGradients(new Map([[u, tensor([1, 2, 3])]]))).toThrow(/gradient for 'u' has shape \[3\], variable has \[2\]/);
    expect(() => new Adam({ learningRate: -1 })).toThrow(/learningRate must be a positive number/);
    expect(() => new Adam({ beta1: 1 })).toThrow(/beta1 must be in \[0, 1\)/);
    for (const t of [w, u, g]) t.dispose();
    adam.dispose();
  });

  it('minimize frees its gradients and intermediates: memory is flat across steps', async () => {
    const model = new Sequential([new Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }), new Flatten(), new Dense({ units: 1 })], {
      inputShape: [5, 5, 1],
      seed: 1,
    });
    const x = tensor(seeded([2, 5, 5, 1], 1), [2, 5, 5, 1]);
    const y = tensor([[0.5], [-0.5]]);
    const opt = new Adam();
    await train(model, opt, x, y, 2); // the first step creates Adam's moments
    const before = liveStats();
    await train(model, opt, x, y, 3);
    expect(liveStats()).toEqual(before);
    for (const t of [x, y]) t.dispose();
    opt.dispose();
    model.dispose();
  });

  it('getState/setState resume Adam exactly where it stopped', async () => {
    const x = tensor(seeded([8, 3], 41), [8, 3]);
    const y = tensor(seeded([8, 1], 42), [8, 1]);
    const make = () => new Sequential([new Dense({ units: 4, activation: 'relu' }), new Dense({ units: 1 })], { inputShape: [3], seed: 5 });
    // A: 10 steps, checkpoint, 10 more.
    const a = make();
    const optA = new Adam({ learningRate: 0.02 });
    await train(a, optA, x, y, 10);
    const weights = await a.getWeights();
    const state = await optA.getState();
    expect(state.iterations).toBe(10);
    expect(Object.keys(state.moments).sort()).toEqual(['dense_1/bias', 'dense_1/kernel', 'dense_2/bias', 'dense_2/kernel']);
    const tailA = await train(a, optA, x, y, 10);
    // B: a fresh model and optimizer restored from the checkpoint, 10 steps.
    const b = make();
    b.setWeights(weights);
    const optB = new Adam({ learningRate: 0.02 });
    optB.setState(state);
    expect(optB.iterations).toBe(10);
    // The restored moments are part of B's state even before B's first step.
    expect((await optB.getState()).moments['dense_1/kernel'].m).toEqual(state.moments['dense_1/kernel'].m);
    const tailB = await train(b, optB, x, y, 10);
    // Same kernels, same inputs, same order: bit-identical.
    expect(tailB).toEqual(tailA);
    const [wa, wb] = [await a.getWeights(), await b.getWeights()];
    wa.forEach((w, i) => expect(Array.from(wb[i]), `weight ${i}`).toEqual(Array.from(w)));
    expect(() => optB.setState({ ...state, className: 'SGD' })).toThrow(/state is for "SGD", not Adam/);
    for (const t of [x, y]) t.dispose();
    for (const o of [optA, optB]) o.dispose();
    for (const m of [a, b]) m.dispose();
  });
});

describe('Adam inside tidy()', () => {
  it('keeps its moments alive across steps taken inside tidy scopes', async () => {
    const w = ws.variable(ws.tensor([1, -2, 3]), true, 'tidy_w');
    const opt = new nn.Adam({ learningRate: 0.1 });
    for (let i = 0; i < 3; i++) ws.tidy(() => opt.minimize(() => ws.sum(ws.square(w)), [w]));
    const v = await w.data();
    // Three Adam steps of lr 0.1 move each weight by about 0.1 toward 0 (|m̂/√v̂| ≈ 1 for a
    // steady gradient sign), so every magnitude shrinks by 0.3 ± 0.01.
    [1, 2, 3].forEach((x, i) => expect(Math.abs(Math.abs(v[i]) - (x - 0.3))).toBeLessThan(0.01));
    w.dispose();
  });
});
