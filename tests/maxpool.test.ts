import { describe, it, expect } from 'vitest';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';
import { expectAllClose } from './helpers/allclose.js';
import { tfRef } from './helpers/reference.js';
import { setConv2dVariant } from '../src/kernels/conv2d.js';

// Max-pool picks one input per window, so the forward pass is exact: it must equal tfjs bit for
// bit (atol = rtol = 0). The gradient of sum(w * y) adds the weights w of the windows an element
// wins, at most ceil(3 / 1)^2 = 9 terms here, so float32 rounding differs from tfjs's summation
// order by a few ulps of |w| <= 1: 1e-6 absolute covers it. Inputs are `distinct` (0.05 apart),
// so a finite-difference step of 1e-2 never changes which element wins a window.
const EXACT = { atol: 0, rtol: 0 };
const GRAD = { atol: 1e-6, rtol: 1e-6 };

type Pad = 'valid' | 'same';

describe('maxPool vs tfjs and finite differences', () => {
  const cases: { shape: number[]; f: number | [number, number]; s: number | [number, number]; pad: Pad }[] = [];
  for (const size of [1, 7, 13, 28]) {
    for (const f of [2, 3]) {
      for (const s of [1, 2]) {
        for (const pad of ['valid', 'same'] as Pad[]) {
          if (pad === 'valid' && size < f) continue; // no whole window fits: an error case (errors.test.ts)
          // Keep the 28x28 cases to one image and channel: the finite differences read back 128 forwards.
          cases.push({ shape: size === 28 ? [1, 28, 28, 1] : [2, size, size, 3], f, s, pad });
        }
      }
    }
  }
  // The seed network's pools (after conv1 and conv2), small batch.
  cases.push({ shape: [2, 26, 26, 32], f: 2, s: 2, pad: 'valid' });
  cases.push({ shape: [2, 11, 11, 64], f: 2, s: 2, pad: 'valid' });
  // Rectangular windows and strides, and stride larger than the window (skipped inputs).
  cases.push({ shape: [2, 9, 11, 2], f: [2, 3], s: [1, 2], pad: 'same' });
  cases.push({ shape: [1, 10, 7, 2], f: [3, 2], s: [3, 1], pad: 'valid' });
  cases.push({ shape: [1, 9, 9, 2], f: 2, s: 3, pad: 'same' });
  // Each invocation takes a quad of 4 channels: partial last quads (5, 6 channels), and
  // non-overlapping windows (stride >= filter, one invocation per stride x stride cell) with
  // padding on top ('same', 10 = 3 * 4 - 2: one padded row and column above and left), with
  // uncovered trailing rows ('valid', 11 = 3 * 3 + 2) and with gaps between windows.
  cases.push({ shape: [2, 9, 7, 5], f: 2, s: 2, pad: 'valid' });
  cases.push({ shape: [2, 8, 9, 6], f: 3, s: 2, pad: 'same' });
  cases.push({ shape: [2, 10, 10, 5], f: 4, s: 4, pad: 'same' });
  cases.push({ shape: [2, 11, 11, 8], f: 3, s: 3, pad: 'valid' });
  cases.push({ shape: [2, 11, 10, 4], f: [2, 3], s: [3, 3], pad: 'valid' });

  for (const c of cases) {
    it(`[${c.shape}] filter ${c.f} stride ${c.s} ${c.pad}`, async () => {
      await checkOp({
        shapes: [c.shape],
        ours: (x) => ws.maxPool(x, c.f, c.s, c.pad),
        ref: (tf, x) => tf.maxPool(x as any, c.f, c.s, c.pad),
        distinct: true,
        fwd: EXACT,
        grad: GRAD,
        seed: c.shape.reduce((a, b) => a + b, 0),
      });
    });
  }

  it('rank-3 input [H, W, C] is one image', async () => {
    await checkOp({
      shapes: [[7, 6, 3]],
      ours: (x) => ws.maxPool(x, 3, 2, 'same'),
      ref: (tf, x) => tf.maxPool(x as any, 3, 2, 'same'),
      distinct: true,
      fwd: EXACT,
      grad: GRAD,
    });
  });
});

describe('maxPool ties: the first element in window order wins', () => {
  // One 4x4 image, one channel. Window (0,0) ties 5 at (0,0) and (1,1); window (0,1) ties 7 at
  // (0,3) and (1,2); window (1,0) is all 2s; window (1,1) has a single maximum 9 at (3,3).
  const x = [
    5, 1, 0, 7,
    0, 5, 7, 0,
    2, 2, 3, 3,
    2, 2, 3, 9,
  ];

  it('hand-computed forward and gradient, pool 2 stride 2', async () => {
    const t = ws.tensor(x, [1, 4, 4, 1]);
    const y = ws.maxPool(t, 2, 2, 'valid');
    expect(Array.from(await y.data())).toEqual([5, 7, 2, 9]);
    const dy = ws.tensor([10, 20, 30, 40], [1, 2, 2, 1]);
    const dx = ws.grad((v: ws.Tensor) => ws.maxPool(v, 2, 2, 'valid'))(t, dy);
    // Row-major window scan: (0,0) wins over (1,1); in window (0,1), (0,3) comes before (1,2)
    // because row 0 is scanned first; the all-2 window gives (2,0).
    expect(Array.from(await dx.data())).toEqual([
      10, 0, 0, 20,
      0, 0, 0, 0,
      30, 0, 0, 0,
      0, 0, 0, 40,
    ]);
  });

  it('overlapping windows (pool 2 stride 1) on a constant image: each window credits its top-left', async () => {
    const t = ws.fill([1, 3, 3, 1], 1);
    const dy = ws.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const dx = ws.grad((v: ws.Tensor) => ws.maxPool(v, 2, 1, 'valid'))(t, dy);
    expect(Array.from(await dx.data())).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });

  it('agrees with tfjs on ties: its CPU backend also scans with a strict > (maxPoolPositions)', async () => {
    // Checked against the tfjs CPU backend only; its WebGL/WebGPU kernels were not examined.
    const tf = await tfRef();
    const vals = Float32Array.from(x);
    const dyVals = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ours = ws.grad((v: ws.Tensor) => ws.maxPool(v, 2, 1, 'valid'))(ws.tensor(vals, [1, 4, 4, 1]), ws.tensor(dyVals, [1, 3, 3, 1]));
    const ref = tf.grad((v: any) => tf.maxPool(v, 2, 1, 'valid'))(tf.tensor(vals, [1, 4, 4, 1]), tf.tensor(dyVals, [1, 3, 3, 1]));
    expectAllClose(await ours.data(), await ref.data(), { ...EXACT, what: 'tie gradient vs tfjs' });
  });
});

describe('maxPool backward is deterministic', () => {
  it('two backward passes give identical bits (no atomics, fixed summation order)', async () => {
    const x = ws.randomNormal([2, 13, 13, 4], 0, 1, 5);
    const dy = ws.randomNormal([2, 11, 11, 4], 0, 1, 6);
    const f = (v: ws.Tensor) => ws.maxPool(v, 3, 1, 'valid');
    const a = await ws.grad(f)(x, dy).data();
    const b = await ws.grad(f)(x, dy).data();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});

describe('maxPool after a relu conv applies relu\'s gradient mask itself (src/autograd/relu-mask.ts)', () => {
  // y = fusedConv2d(x, w, relu) feeding the pool alone: the pool multiplies its dx by y > 0 (read
  // from its output) and the conv skips its reluGrad pass. Fed also to a second consumer, y's
  // gradient is a sum the conv masks itself, as without the shortcut. Both must agree to the
  // bit (the same products, once each), and with tfjs.
  for (const [f, s] of [[2, 2], [3, 1]] as const) {
    it(`pool ${f} stride ${s}: gradients of x, w and bias as with the conv's own mask, and as tfjs`, async () => {
      const x = ws.randomNormal([2, 9, 9, 4], 0, 1, 11);
      const w = ws.randomNormal([3, 3, 4, 8], 0, 0.5, 12);
      const b = ws.randomNormal([8], 0, 0.5, 13);
      const dy = ws.randomNormal([2, ...(s === 2 ? [3, 3] : [5, 5]), 8], 0, 1, 14);
      const conv = (xv: ws.Tensor, wv: ws.Tensor, bv: ws.Tensor) => ws.fusedConv2d({ x: xv, filter: wv, bias: bv, strides: 1, pad: 'valid', activation: 'relu' });
      const pooled = (xv: ws.Tensor, wv: ws.Tensor, bv: ws.Tensor) => ws.mul(ws.maxPool(conv(xv, wv, bv), f, s, 'valid'), dy);
      // The second consumer adds 0 · y: the same gradient values, reached through a sum.
      const shared = (xv: ws.Tensor, wv: ws.Tensor, bv: ws.Tensor) => {
        const y = conv(xv, wv, bv);
        return ws.add(ws.sum(ws.mul(ws.maxPool(y, f, s, 'valid'), dy)), ws.mul(ws.sum(y), 0));
      };
      const run = async (fn: typeof pooled) => {
        const p = await ws.profile(() => ws.grads((xv, wv, bv) => ws.sum(fn(xv, wv, bv)))([x, w, b]));
        const values = await Promise.all(p.result.map((t) => t.data()));
        p.result.forEach((t) => t.dispose());
        return { values, reluGrads: p.launches.filter((l) => l.name === 'binary.main' && l.pipeline.constants.OP === 8).length };
      };
      const fused = await run(pooled);
      const plain = await run(shared);
      expect(fused.reluGrads, 'the conv ran no reluGrad pass').toBe(0);
      expect(plain.reluGrads, 'with two consumers the conv masks the sum itself').toBe(1);
      for (let i = 0; i < 3; i++) {
        const a = Array.from(fused.values[i]);
        const d = a.reduce((m, v, j) => Math.max(m, Math.abs(v - plain.values[i][j])), 0);
        expect(d, `gradient ${i}: largest difference`).toBe(0);
      }
      const tf = await tfRef();
      const [xs, wsv, bs, dys] = await Promise.all([x, w, b, dy].map((t) => t.data()));
      const tdy = tf.tensor(dys, dy.shape as number[]);
      const ref = tf.grads((xv: any, wv: any, bv: any) => tf.sum(tf.mul(tf.maxPool(tf.relu(tf.add(tf.conv2d(xv, wv, 1, 'valid'), bv)) as any, f, s, 'valid'), tdy)))(
        [tf.tensor(xs, x.shape as number[]), tf.tensor(wsv, w.shape as number[]), tf.tensor(bs, b.shape as number[])],
      );
      // Sums of up to 9 · 8 · 3 · 3 products in another order than tfjs's: a few ulp of values near 10.
      for (let i = 0; i < 3; i++) expectAllClose(fused.values[i], await ref[i].data(), { atol: 1e-4, rtol: 1e-4, what: `gradient ${i} vs tfjs` });
      [x, w, b, dy].forEach((t) => t.dispose());
    });
  }
});

describe('conv backward skips what a floor-rounding maxPool never reads (src/autograd/live-extent.ts)', () => {
  // A 2x2 stride-2 pool over a 7x7 conv output reads its first 6x6 only: the pool's dx is zero in
  // the last row and column, and the conv's input and filter gradients skip them. Through a
  // second consumer (which adds 0 · y) the gradient is a sum with no mark and gets the full
  // computation. Batch 16 fills the input gradient's batch-major blocks, where the skipped rows
  // drop out of the tap loop.
  for (const batch of [2, 16]) {
    it(`batch ${batch}: gradients of x, w and bias as the full computation and as tfjs, with 36/49 of its filter-gradient work`, async () => {
      const x = ws.randomNormal([batch, 9, 9, 4], 0, 1, 21);
      const w = ws.randomNormal([3, 3, 4, 8], 0, 0.5, 22);
      const b = ws.randomNormal([8], 0, 0.5, 23);
      const dy = ws.randomNormal([batch, 3, 3, 8], 0, 1, 24);
      const conv = (xv: ws.Tensor, wv: ws.Tensor, bv: ws.Tensor) => ws.fusedConv2d({ x: xv, filter: wv, bias: bv, strides: 1, pad: 'valid', activation: 'relu' });
      const cropped = (xv: ws.Tensor, wv: ws.Tensor, bv: ws.Tensor) => ws.sum(ws.mul(ws.maxPool(conv(xv, wv, bv), 2, 2, 'valid'), dy));
      const full = (xv: ws.Tensor, wv: ws.Tensor, bv: ws.Tensor) => {
        const y = conv(xv, wv, bv);
        return ws.add(ws.sum(ws.mul(ws.maxPool(y, 2, 2, 'valid'), dy)), ws.mul(ws.sum(y), 0));
      };
      const run = async (fn: typeof cropped) => {
        // The 'direct' kernels (a hardware GPU's default input gradient, 'im2col', does it all).
        const before = setConv2dVariant('direct');
        const p = await ws.profile(() => ws.grads(fn)([x, w, b])).finally(() => setConv2dVariant(before));
        const values = await Promise.all(p.result.map((t) => t.data()));
        p.result.forEach((t) => t.dispose());
        const flops = (name: string) => p.launches.filter((l) => l.name === name).reduce((s, l) => s + l.flops, 0);
        return { values, filterFlops: flops('conv2d_filter_grad.main'), inputFlops: flops('conv2d_input_grad.main') };
      };
      const a = await run(cropped);
      const c = await run(full);
      // Counted from the shapes: the pool reads 6x6 of the 7x7 outputs.
      const kept = (6 * 6) / (7 * 7);
      expect(a.filterFlops / c.filterFlops).toBeCloseTo(kept, 12);
      expect(a.inputFlops / c.inputFlops).toBeCloseTo(kept, 12);
      // The same products, the zero ones left out; the filter gradient's split-K chunks follow the
      // pixel count, so its sums may be cut differently: a few ulp of values near 10.
      for (let i = 0; i < 3; i++) expectAllClose(a.values[i], c.values[i], { atol: 1e-5, rtol: 1e-5, what: `gradient ${i} vs the full computation` });
      const tf = await tfRef();
      const [xs, wsv, bs, dys] = await Promise.all([x, w, b, dy].map((t) => t.data()));
      const tdy = tf.tensor(dys, dy.shape as number[]);
      const ref = tf.grads((xv: any, wv: any, bv: any) => tf.sum(tf.mul(tf.maxPool(tf.relu(tf.add(tf.conv2d(xv, wv, 1, 'valid'), bv)) as any, 2, 2, 'valid'), tdy)))(
        [tf.tensor(xs, x.shape as number[]), tf.tensor(wsv, w.shape as number[]), tf.tensor(bs, b.shape as number[])],
      );
      // Sums of up to batch · 7 · 7 products (the filter's) in another order than tfjs's.
      for (let i = 0; i < 3; i++) expectAllClose(a.values[i], await ref[i].data(), { atol: 1e-4 * batch, rtol: 1e-4, what: `gradient ${i} vs tfjs` });
      [x, w, b, dy].forEach((t) => t.dispose());
    });
  }
});
