import { describe, it, expect } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { tensor, tidy, Random } from '../src/index.js';
import { nn } from '../src/index.js';
import { expectAllClose } from './helpers/allclose.js';
import { seeded, tfRef } from './helpers/reference.js';
import { liveStats } from '../src/engine/tensor.js';

const { Sequential, Conv2D, MaxPooling2D, Flatten, Dense, ReLU } = nn;

/** The seed project's base (embedding) network on 28×28×1 digits. */
function seedNetwork(seed: number): InstanceType<typeof Sequential> {
  return new Sequential(
    [
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 64, activation: 'relu' }),
    ],
    { inputShape: [28, 28, 1], seed },
  );
}

function tfSeedNetwork(tf: typeof tfjs): tfjs.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
    ],
  });
}

describe('the seed network vs Keras/TensorFlow.js', () => {
  it('has the same parameter count and layer output shapes as tfjs', async () => {
    const tf = await tfRef();
    const model = seedNetwork(1);
    const ref = tfSeedNetwork(tf);
    expect(model.countParams()).toBe(ref.countParams());
    // Per layer too: shapes as tfjs reports them, with its null batch dimension.
    let shape = [28, 28, 1];
    model.layers.forEach((l, i) => {
      shape = l.outputShape(shape);
      expect([null, ...shape], `layer ${i} output shape`).toEqual(ref.layers[i].outputShape);
      expect(l.countParams(), `layer ${i} params`).toBe(ref.layers[i].countParams());
    });
    expect(model.outputShape).toEqual([64]);
    ref.dispose();
    model.dispose();
  });

  it('names its weights <layer>/<kernel|bias> with the shapes tfjs uses', async () => {
    const tf = await tfRef();
    const model = seedNetwork(1);
    const ref = tfSeedNetwork(tf);
    expect(model.weights.map((w) => w.name)).toEqual([
      'conv2d_1/kernel', 'conv2d_1/bias', 'conv2d_2/kernel', 'conv2d_2/bias',
      'dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias',
    ]);
    expect(model.weights.map((w) => [...w.shape])).toEqual(ref.weights.map((w) => w.shape));
    expect(model.trainableWeights).toHaveLength(8);
    ref.dispose();
    model.dispose();
  });

  it('gives the same outputs as tfjs with our initial weights copied in', async () => {
    const tf = await tfRef();
    const model = seedNetwork(7);
    const ref = tfSeedNetwork(tf);
    const ws = await model.getWeights();
    ref.setWeights(ws.map((a, i) => tf.tensor(a, [...model.weights[i].shape])));
    const x = seeded([3, 28, 28, 1], 5, 0, 1);
    const ours = model.predict(tensor(x, [3, 28, 28, 1]));
    const want = ref.predict(tf.tensor(x, [3, 28, 28, 1])) as tfjs.Tensor;
    expect([...ours.shape]).toEqual(want.shape);
    const got = (await ours.data()) as Float32Array;
    // The longest float32 dot product here has K = 1600 terms (dense_1), which tfjs and our
    // kernels add in different orders. Rounding errors of such a sum grow like sqrt(K)·eps32
    // times the sum of |terms| (O(1) here: inputs in [0, 1), glorot weights), about
    // 40 · 6e-8 ≈ 2.4e-6; atol = 1e-5 leaves a factor of 4 for the three layers before it.
    // (Measured on SwiftShader: 1.3e-7 at most, outputs up to 0.19.)
    expectAllClose(got, await want.data(), { atol: 1e-5, rtol: 1e-5, what: 'seed network output' });
    // ReLU on the last layer zeroes some outputs; make sure the comparison is not vacuous.
    expect(got.filter((v) => v > 1e-3).length).toBeGreaterThan(got.length / 4);
    ours.dispose();
    model.dispose();
    ref.dispose();
  });
});

describe('initialisation', () => {
  /** Checks n uniform samples on [-limit, limit]: range, mean and variance within 5 standard errors. */
  function expectGlorot(a: Float32Array, limit: number, what: string): void {
    const n = a.length;
    let min = Infinity, max = -Infinity, sum = 0, sumSq = 0;
    for (const v of a) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      sumSq += v * v;
    }
    expect(min, `${what} min`).toBeGreaterThanOrEqual(-limit);
    expect(max, `${what} max`).toBeLessThanOrEqual(limit);
    // With n ≥ 18k samples the extremes come within limit·(1 − 1e-3) except with probability e^-18.
    expect(min, `${what} min reaches the limit`).toBeLessThan(-limit * 0.999);
    expect(max, `${what} max reaches the limit`).toBeGreaterThan(limit * 0.999);
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    // Uniform on [-a, a]: variance a²/3; the sample mean has s.e. a/sqrt(3n), the sample
    // variance s.e. sqrt(4/45)·a²/sqrt(n) (Var X² = a⁴/5 − a⁴/9).
    expect(Math.abs(mean), `${what} mean`).toBeLessThan((5 * limit) / Math.sqrt(3 * n));
    expect(Math.abs(variance - (limit * limit) / 3), `${what} variance`).toBeLessThan((5 * Math.sqrt(4 / 45) * limit * limit) / Math.sqrt(n));
  }

  it('draws kernels from glorot-uniform with Keras fans and starts biases at zero', async () => {
    const model = seedNetwork(3);
    const ws = await model.getWeights();
    // Keras fans: conv fanIn = kh·kw·Cin, fanOut = kh·kw·Cout; dense fanIn = inputs, fanOut = units.
    expectGlorot(ws[2], Math.sqrt(6 / (3 * 3 * 32 + 3 * 3 * 64)), 'conv2d_2/kernel');
    expectGlorot(ws[4], Math.sqrt(6 / (1600 + 128)), 'dense_1/kernel');
    expectGlorot(ws[6], Math.sqrt(6 / (128 + 64)), 'dense_2/kernel');
    // conv2d_1 has only 288 values: check the range only.
    const l1 = Math.sqrt(6 / (9 + 9 * 32));
    expect(ws[0].every((v) => Math.abs(v) <= l1)).toBe(true);
    expect(Math.max(...ws[0].map(Math.abs))).toBeGreaterThan(l1 * 0.9);
    for (const i of [1, 3, 5, 7]) expect(ws[i].every((v) => v === 0), `${model.weights[i].name} is zero`).toBe(true);
    model.dispose();
  });

  it('repeats exactly for a seed and differs for another', async () => {
    const [a, b, c] = [seedNetwork(42), seedNetwork(42), seedNetwork(43)];
    const [wa, wb, wc] = await Promise.all([a.getWeights(), b.getWeights(), c.getWeights()]);
    wa.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(wb[i].buffer)), `weight ${i} repeats`).toBe(true));
    expect(Buffer.from(wa[2].buffer).equals(Buffer.from(wc[2].buffer))).toBe(false);
    // The same weights give the same outputs, bit for bit.
    const x = tensor(seeded([2, 28, 28, 1], 9, 0, 1), [2, 28, 28, 1]);
    const [ya, yb] = [a.predict(x), b.predict(x)];
    expect(Array.from(await ya.data())).toEqual(Array.from(await yb.data()));
    for (const t of [x, ya, yb]) t.dispose();
    for (const m of [a, b, c]) m.dispose();
  });
});

describe('Sequential', () => {
  it('prints a Keras-style summary', () => {
    const model = seedNetwork(1);
    const s = model.summary();
    expect(s).toContain('Model: "sequential"');
    expect(s).toMatch(/conv2d_1 \(Conv2D\)\s+\(None, 26, 26, 32\)\s+320\n/);
    expect(s).toMatch(/max_pooling2d_2 \(MaxPooling2D\)\s+\(None, 5, 5, 64\)\s+0\n/);
    expect(s).toMatch(/flatten_1 \(Flatten\)\s+\(None, 1600\)\s+0\n/);
    expect(s).toMatch(/dense_1 \(Dense\)\s+\(None, 128\)\s+204,928\n/);
    // 320 + 18,496 + 204,928 + 8,256, by hand from the layer shapes.
    expect(s).toContain('Total params: 232,000');
    expect(s).toContain('Trainable params: 232,000');
    expect(s).toContain('Non-trainable params: 0');
    model.dispose();
  });

  it('predict frees its intermediates and records no gradient', async () => {
    const model = seedNetwork(1);
    const x = tensor(seeded([1, 28, 28, 1], 2, 0, 1), [1, 28, 28, 1]);
    const before = liveStats().tensors;
    const y = model.predict(x);
    const after = liveStats().tensors;
    expect(after - before).toBe(1); // only the output
    y.dispose();
    x.dispose();
    model.dispose();
  });

  it('setWeights replaces values and checks counts and sizes', async () => {
    const model = new Sequential([new Dense({ units: 2 })], { inputShape: [3], seed: 1 });
    model.setWeights([new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([0.5, -0.5])]);
    const x = tensor([[1, 1, 1]]);
    const y = model.predict(x);
    // [1 1 1]·[[1 2] [3 4] [5 6]] + [0.5 −0.5] = [9.5, 11.5]
    expect(Array.from(await y.data())).toEqual([9.5, 11.5]);
    expect(() => model.setWeights([new Float32Array(6)])).toThrow(/expected 2 arrays/);
    expect(() => model.setWeights([new Float32Array(5), new Float32Array(2)])).toThrow(/'dense_1\/kernel' \[3, 2\] needs 6 values, got 5/);
    for (const t of [x, y]) t.dispose();
    model.dispose();
  });

  it('rejects inputs of the wrong shape, naming what it expected', () => {
    const model = seedNetwork(1);
    const x = tensor(new Float32Array(2 * 28 * 28 * 3), [2, 28, 28, 3]);
    expect(() => model.predict(x)).toThrow(/expected input \[batch, 28, 28, 1\], got \[2, 28, 28, 3\]/);
    x.dispose();
    model.dispose();
  });

  it('rejects layers that do not fit the input shape, and bad options', () => {
    expect(() => new Sequential([new Conv2D({ filters: 4, kernelSize: 5 })], { inputShape: [3, 3, 1] })).toThrow(
      /'conv2d_1' \(Conv2D\): a 5x5 'valid' kernel does not fit input \[3, 3, 1\]/,
    );
    expect(() => new Sequential([new Conv2D({ filters: 4, kernelSize: 3 })], { inputShape: [784] })).toThrow(/\[height, width, channels\]/);
    expect(() => new Conv2D({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer, got 0/);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 0] as [number, number] })).toThrow(/kernelSize/);
    expect(() => new Dense({ units: 4, activation: 'tanh' as 'relu' })).toThrow(/activation must be 'linear' or 'relu', got "tanh"/);
    expect(() => new MaxPooling2D({ padding: 'full' as 'same' })).toThrow(/padding must be 'valid' or 'same'/);
    expect(() => new Sequential([], { inputShape: [2] })).toThrow(/at least one layer/);
    expect(() => new Sequential([new Dense({ units: 1 })], { inputShape: [0] })).toThrow(/inputShape/);
    const d = new Dense({ units: 1 });
    const m = new Sequential([d], { inputShape: [2] });
    expect(() => new Sequential([d], { inputShape: [2] })).toThrow(/already built/);
    expect(() => new Sequential([new ReLU({ name: 'a' }), new ReLU({ name: 'a' })], { inputShape: [2] })).toThrow(/two layers are named 'a'/);
    m.dispose();
  });
});

describe('layers vs tfjs layers', () => {
  it("Conv2D 'same' padding, stride 2, no bias, linear", async () => {
    const tf = await tfRef();
    const model = new Sequential([new Conv2D({ filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false })], {
      inputShape: [7, 6, 3],
      seed: 4,
    });
    const ref = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [7, 6, 3], filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false })],
    });
    expect(model.weights).toHaveLength(1);
    ref.setWeights((await model.getWeights()).map((a, i) => tf.tensor(a, [...model.weights[i].shape])));
    const x = seeded([2, 7, 6, 3], 8);
    const y = model.predict(tensor(x, [2, 7, 6, 3]));
    const want = ref.predict(tf.tensor(x, [2, 7, 6, 3])) as tfjs.Tensor;
    expect([...y.shape]).toEqual(want.shape);
    // K = 3·2·3 = 18 terms per output: float32 rounding, 1e-5.
    expectAllClose(await y.data(), await want.data(), { atol: 1e-5, rtol: 1e-5, what: 'conv same' });
    y.dispose();
    model.dispose();
    ref.dispose();
  });

  it('Dense acts on the last axis of [N, H, W, C] batches; ReLU; MaxPooling2D stride 1', async () => {
    const tf = await tfRef();
    const model = new Sequential([new MaxPooling2D({ poolSize: 2, strides: 1 }), new Dense({ units: 3 }), new ReLU()], {
      inputShape: [4, 5, 2],
      seed: 6,
    });
    const ref = tf.sequential({
      layers: [
        tf.layers.maxPooling2d({ inputShape: [4, 5, 2], poolSize: 2, strides: 1 }),
        tf.layers.dense({ units: 3 }),
        tf.layers.reLU(),
      ],
    });
    ref.setWeights((await model.getWeights()).map((a, i) => tf.tensor(a, [...model.weights[i].shape])));
    const x = seeded([2, 4, 5, 2], 11);
    const y = model.predict(tensor(x, [2, 4, 5, 2]));
    const want = ref.predict(tf.tensor(x, [2, 4, 5, 2])) as tfjs.Tensor;
    expect([...y.shape]).toEqual(want.shape);
    // Two-term dot products: float32 rounding, 1e-6.
    expectAllClose(await y.data(), await want.data(), { atol: 1e-6, rtol: 1e-6, what: 'dense rank 3' });
    y.dispose();
    model.dispose();
    ref.dispose();
  });

  it('a single Layer can be built and applied on its own, with a seeded Random', async () => {
    const a = new Dense({ units: 3, name: 'emb' });
    const b = new Dense({ units: 3, name: 'emb' });
    a.build([4], new Random(5));
    b.build([4], new Random(5));
    expect(a.weights.map((w) => w.name)).toEqual(['emb/kernel', 'emb/bias']);
    expect(Array.from(await a.weights[0].data())).toEqual(Array.from(await b.weights[0].data()));
    expect(a.countParams()).toBe(15);
    const y = tidy(() => a.apply(tensor(seeded([2, 4], 1), [2, 4])));
    expect([...y.shape]).toEqual([2, 3]);
    expect(() => new Dense({ units: 1 }).apply(y)).toThrow(/not built yet/);
    y.dispose();
    a.dispose();
    b.dispose();
  });
});
