import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';
import { seeded } from './helpers/reference.js';
import { expectAllClose } from './helpers/allclose.js';
import { Random } from '../src/engine/random.js';
import { conv2dBackpropFilter, convGeometry, setConv2dVariant } from '../src/kernels/conv2d.js';
import {
  conv2dFilterGradDirect,
  filterGradSplits,
  groupedFilterGrad,
  setConv2dDirectBlock,
  setConv2dFilterGradVariant,
} from '../src/kernels/conv2d-direct.js';
import { setKernelTuning, type KernelTuning } from '../src/engine/tuning.js';
import { setMatMulVariant } from '../src/kernels/matmul.js';

// Tolerances. A conv output sums K = kh*kw*Cin products of values in [-1, 1). Each float32 add
// rounds by at most 6e-8 of the running sum, and our summation order differs from tfjs's (split-K
// changes it again for the filter gradient), so the difference grows with K: 2e-7 * K absolute
// (1e-5 at least) covers K up to 800 with a wide margin while still catching any wrong tap (which
// moves a result by ~0.1). Gradients sum over the batch and spatial positions too (up to
// N*H*W*kh*kw*Cin terms for the filter), hence 5e-7 * that (1e-4 at least).
// Finite differences use gradcheck's defaults (h = 1e-2, atol 1e-3, rtol 1e-2): conv is linear in
// each input, so central differences are exact up to float32 rounding of the loss.

interface Case {
  x: number[];
  f: number[];
  s: number | [number, number];
  pad: 'valid' | 'same';
}

// H/W of 1, 7, 13, 28 and uneven; Cin/Cout of 1, 3, 4, 5, 8, 12, 32, 36, 40; 1x1, 2x2, 3x3, 5x5 kernels;
// strides 1 and 2; both paddings; batch <= 4 (tfjs's CPU backprop is slow), larger only on small images.
const cases: Case[] = [
  { x: [1, 7, 7, 1], f: [3, 3, 1, 1], s: 1, pad: 'valid' },
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [2, 13, 13, 4], f: [3, 3, 4, 5], s: 2, pad: 'valid' },
  { x: [1, 13, 13, 5], f: [5, 5, 5, 8], s: 2, pad: 'same' },
  { x: [2, 28, 28, 1], f: [3, 3, 1, 8], s: 1, pad: 'valid' },
  { x: [1, 1, 1, 3], f: [1, 1, 3, 4], s: 1, pad: 'valid' },
  { x: [3, 7, 13, 2], f: [1, 1, 2, 3], s: [2, 1], pad: 'same' },
  { x: [1, 8, 8, 32], f: [3, 3, 32, 4], s: 1, pad: 'valid' },
  { x: [2, 6, 6, 3], f: [2, 2, 3, 1], s: 2, pad: 'same' },
  { x: [2, 7, 7, 5], f: [1, 1, 5, 32], s: 2, pad: 'valid' },
  { x: [1, 13, 13, 8], f: [5, 5, 8, 3], s: 1, pad: 'same' },
  // The software adapter's large register blocks (16 pixels x up to 8 channel quads): 40 output
  // channels fill one block of 32 and part of a second, 126 pixels end in a partial block; 36
  // input channels do the same for the input gradient, at stride 2 (phases).
  { x: [2, 9, 7, 8], f: [3, 3, 8, 40], s: 1, pad: 'same' },
  { x: [1, 6, 5, 36], f: [2, 2, 36, 12], s: 2, pad: 'valid' },
  // Batches that fill the input gradient's batch-major blocks (16 or 8 images at one pixel, exact
  // tap bounds at the borders): padding, stride phases, and a batch of 13 whose last block is
  // partly padding.
  { x: [16, 7, 7, 4], f: [3, 3, 4, 8], s: 1, pad: 'same' },
  { x: [16, 9, 8, 8], f: [3, 3, 8, 4], s: 2, pad: 'same' },
  { x: [13, 6, 6, 4], f: [3, 3, 4, 4], s: 1, pad: 'valid' },
];

// The filter gradient as the forward kernel over groups of 4 images (filterGradGrouped in
// conv2d-direct.ts): stride 1, batches of whole groups, cin * kh * kw a multiple of the block's
// 16 pixels; 'same' 2x2 pads only after, 1x1 reads no neighbour, 12 and 40 output channels end
// in partial channel blocks.
const groupedCases: Case[] = [
  { x: [4, 5, 7, 4], f: [2, 2, 4, 3], s: 1, pad: 'same' },
  { x: [4, 9, 8, 16], f: [3, 3, 16, 12], s: 1, pad: 'same' },
  { x: [8, 6, 6, 32], f: [3, 3, 32, 40], s: 1, pad: 'valid' },
  { x: [4, 5, 5, 16], f: [1, 1, 16, 8], s: 1, pad: 'valid' },
];

function tol(c: Case) {
  const k = c.f[0] * c.f[1] * c.f[2];
  const outs = c.x[0] * c.x[1] * c.x[2] * k;
  return { fwd: { atol: Math.max(1e-5, 2e-7 * k), rtol: 1e-5 }, grad: { atol: Math.max(1e-4, 5e-7 * outs), rtol: 1e-4 } };
}

// 'direct' (implicit GEMM, the software adapter's default) is checked on every case against tfjs
// and by finite differences; 'im2col' (the hardware default, here with the matmul kernel's
// shared-memory tiled variant as a hardware GPU runs it) against tfjs on a subset that still
// covers strides, both paddings, 1x1 and 5x5 filters and odd channel counts, to keep the file fast.
// 'direct' also runs with the register block a hardware GPU takes (8 x 16, setConv2dDirectBlock
// 'small'), against tfjs, on the cases whose channels would take the large block here.
const variants = [
  { name: 'direct', conv: 'direct', block: 'auto', matmul: 'auto', fd: true, cases },
  { name: 'direct, hardware block', conv: 'direct', block: 'small', matmul: 'auto', fd: false, cases: [2, 3, 7, 9, 11, 12, 13, 14, 15].map((i) => cases[i]) },
  { name: 'im2col + tiled matmul', conv: 'im2col', block: 'auto', matmul: 'tiled', fd: false, cases: [0, 2, 3, 6, 8, 9].map((i) => cases[i]) },
  { name: 'direct, grouped filter gradient', conv: 'direct', block: 'auto', matmul: 'auto', fd: false, filterGrad: 'grouped', cases: groupedCases },
] as const;

// The kernels the engine picks for long runs (tests/helpers/setup.ts tunes the other files for
// fast compiles): on a software adapter 'auto' is then the large block.
let tuningBefore: KernelTuning;
beforeAll(() => {
  tuningBefore = setKernelTuning('throughput');
});

afterAll(() => {
  setKernelTuning(tuningBefore);
  setConv2dVariant('auto');
  setConv2dDirectBlock('auto');
  setConv2dFilterGradVariant('auto');
  setMatMulVariant('auto');
});

for (const v of variants) {
  describe(`conv2d (${v.name}) vs tfjs${v.fd ? ' and finite differences' : ''}`, () => {
    const use = () => {
      setConv2dVariant(v.conv);
      setConv2dDirectBlock(v.block);
      setMatMulVariant(v.matmul);
      setConv2dFilterGradVariant('filterGrad' in v ? v.filterGrad : 'auto');
    };
    for (const c of v.cases) {
      it(`x [${c.x}] filter [${c.f}] strides ${JSON.stringify(c.s)} ${c.pad}`, async () => {
        use();
        await checkOp({
          shapes: [c.x, c.f],
          ours: (x, f) => ws.conv2d(x, f, c.s, c.pad),
          ref: (tf, x, f) => tf.conv2d(x as any, f as any, c.s, c.pad),
          ...tol(c),
          finiteDifferences: v.fd,
          fd: { maxPerInput: 12 },
        });
      });
    }
    it('the seed network\'s second conv for one image ([1,13,13,32] * [3,3,32,64])', async () => {
      use();
      const c: Case = { x: [1, 13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid' };
      await checkOp({
        shapes: [c.x, c.f],
        ours: (x, f) => ws.conv2d(x, f, 1, 'valid'),
        ref: (tf, x, f) => tf.conv2d(x as any, f as any, 1, 'valid'),
        ...tol(c),
        finiteDifferences: false,
      });
    });
    it('rank-3 input (no batch) like tfjs', async () => {
      use();
      await checkOp({
        shapes: [[7, 7, 2], [3, 3, 2, 3]],
        ours: (x, f) => ws.conv2d(x, f, 1, 'same'),
        ref: (tf, x, f) => tf.conv2d(x as any, f as any, 1, 'same'),
        finiteDifferences: v.fd,
        fd: { maxPerInput: 8 },
      });
    });
    it('fusedConv2d linear with bias vs tfjs.fused.conv2d', async () => {
      use();
      await checkOp({
        shapes: [[2, 9, 9, 3], [3, 3, 3, 4], [4]],
        ours: (x, f, b) => ws.fusedConv2d({ x, filter: f, strides: 1, pad: 'same', bias: b }),
        ref: (tf, x, f, b) => tf.fused.conv2d({ x: x as any, filter: f as any, strides: 1, pad: 'same', bias: b }),
        finiteDifferences: v.fd,
        fd: { maxPerInput: 12 },
      });
    });
    it('fusedConv2d relu with bias, outputs on both sides of 0 (seeded, tfjs only)', async () => {
      use();
      await checkOp({
        shapes: [[2, 9, 9, 3], [3, 3, 3, 4], [4]],
        ours: (x, f, b) => ws.fusedConv2d({ x, filter: f, strides: 2, pad: 'valid', bias: b, activation: 'relu' }),
        ref: (tf, x, f, b) => tf.fused.conv2d({ x: x as any, filter: f as any, strides: 2, pad: 'valid', bias: b, activation: 'relu' }),
        finiteDifferences: false,
      });
    });
    it('fusedConv2d relu with bias, every output far from the kink (finite differences too)', async () => {
      use();
      // x in [0.5, 1), filter positive for even output channels and negative for odd ones
      // (|w| in [0.5, 1)), bias in [-0.1, 0.1): every pre-activation sums at least 4 taps * 3
      // channels of same-signed products >= 0.25, so |z| >= 2.9, far beyond the <= 1e-2 that a
      // finite-difference step can move it: relu's kink is never crossed. Half of the channels
      // are dead (gradient 0), half pass the gradient through.
      const xs = [2, 7, 7, 3];
      const fs = [3, 3, 3, 4];
      const rng = new Random(5);
      const f = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => (i % 4 % 2 === 0 ? 1 : -1) * rng.uniform(0.5, 1));
      await checkOp({
        shapes: [xs, fs, [4]],
        values: [seeded(xs, 6, 0.5, 1), f, seeded([4], 7, -0.1, 0.1)],
        ours: (x, w, b) => ws.fusedConv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' }),
        ref: (tf, x, w, b) => tf.fused.conv2d({ x: x as any, filter: w as any, strides: 1, pad: 'same', bias: b, activation: 'relu' }),
        finiteDifferences: v.fd,
        fd: { maxPerInput: 12 },
      });
    });
  });
}

describe('conv2d filter gradient (split-K)', () => {
  it('is split over several chunks at batch 4 and repeats bit for bit', async () => {
    setConv2dVariant('direct');
    const xs = [4, 13, 13, 8];
    const fs = [3, 3, 8, 16];
    const g = convGeometry(xs, fs, [1, 1], 'same');
    expect(filterGradSplits(g), 'the reduction is really split').toBeGreaterThan(4);
    const x = ws.tensor(seeded(xs, 11), xs);
    const dy = ws.tensor(seeded([4, 13, 13, 16], 12), [4, 13, 13, 16]);
    const a = conv2dBackpropFilter(x, dy, g);
    const b = conv2dBackpropFilter(x, dy, g);
    const [da, db] = [await a.data(), await b.data()];
    expect(da.some((v) => v !== 0), 'a non-trivial result').toBe(true);
    expect(Array.from(da)).toEqual(Array.from(db));
    for (const t of [x, dy, a, b]) t.dispose();
    setConv2dVariant('auto');
  });
});

describe('conv2d filter gradient (grouped)', () => {
  const geometry = (c: Case) => convGeometry(c.x, c.f, typeof c.s === 'number' ? [c.s, c.s] : c.s, c.pad);

  it('is what the grouped variant tests run, and what throughput picks for the seed conv on a software adapter', () => {
    setConv2dVariant('direct');
    setConv2dDirectBlock('auto');
    setConv2dFilterGradVariant('grouped');
    for (const c of groupedCases) expect(groupedFilterGrad(geometry(c)), `x [${c.x}] filter [${c.f}]`).toBe(true);
    // A stride (a dilation there), a batch of 6 (not whole groups of 4), a first conv (9 filter
    // rows per image: blocks of 16 pixels would straddle groups): the split-K kernel.
    expect(groupedFilterGrad(convGeometry([4, 13, 13, 8], [3, 3, 8, 16], [2, 2], 'same'))).toBe(false);
    expect(groupedFilterGrad(convGeometry([6, 13, 13, 16], [3, 3, 16, 16], [1, 1], 'same'))).toBe(false);
    setConv2dFilterGradVariant('auto');
    const seedConv2 = convGeometry([128, 13, 13, 32], [3, 3, 32, 64], [1, 1], 'valid');
    expect(groupedFilterGrad(seedConv2)).toBe(ws.backend().software);
    expect(groupedFilterGrad(convGeometry([128, 28, 28, 1], [3, 3, 1, 32], [1, 1], 'valid'))).toBe(false);
    const prev = setKernelTuning('fast-startup');
    expect(groupedFilterGrad(seedConv2), 'fast-startup keeps the quick-compiling kernel').toBe(false);
    setKernelTuning(prev);
    setConv2dFilterGradVariant('split');
    expect(groupedFilterGrad(seedConv2)).toBe(false);
    setConv2dFilterGradVariant('auto');
    setConv2dVariant('auto');
  });

  it('equals the split-K sums for the seed conv with a bias and a live corner, and repeats bit for bit', async () => {
    setConv2dVariant('direct');
    const g = convGeometry([8, 13, 13, 32], [3, 3, 32, 64], [1, 1], 'valid');
    const live = { h: 10, w: 10 };
    const x = ws.tensor(seeded([8, 13, 13, 32], 21), [8, 13, 13, 32]);
    // dy as a floor-rounding 2x2 max-pool's backward leaves it: zero past the live corner.
    const dyValues = seeded([8, 11, 11, 64], 22);
    dyValues.forEach((_, i) => {
      const col = Math.floor(i / 64) % 11;
      const row = Math.floor(i / (64 * 11)) % 11;
      if (row >= live.h || col >= live.w) dyValues[i] = 0;
    });
    const dy = ws.tensor(dyValues, [8, 11, 11, 64]);
    const run = async (v: 'grouped' | 'split') => {
      setConv2dFilterGradVariant(v);
      const { dw, db } = conv2dFilterGradDirect(x, dy, g, true, live);
      const out = { dw: Array.from(await dw.data()), db: Array.from(await db.data()), shapes: [dw.shape, db.shape] };
      dw.dispose();
      db.dispose();
      return out;
    };
    const grouped = await run('grouped');
    const again = await run('grouped');
    const split = await run('split');
    setConv2dFilterGradVariant('auto');
    setConv2dVariant('auto');
    expect(grouped.shapes).toEqual([[3, 3, 32, 64], [64]]);
    expect(grouped.dw).toEqual(again.dw);
    expect(grouped.db).toEqual(again.db);
    // Sums of 8 * 10 * 10 = 800 products of values in [-1, 1), in two orders.
    expectAllClose(grouped.dw, split.dw, { atol: 1e-4, rtol: 1e-5, what: 'dw, grouped vs split-K' });
    expectAllClose(grouped.db, split.db, { atol: 1e-4, rtol: 1e-5, what: 'db, grouped vs split-K' });
    x.dispose();
    dy.dispose();
  });
});

describe('conv2d gradients only where they are needed', () => {
  it('skips the input gradient of a first layer, and the filter and bias gradients are unchanged', async () => {
    // A first layer's input (the images) leads to no trainable weight: its input gradient, a
    // launch as costly as the forward pass, must not run. Filter and bias gradients (computed in
    // one launch, the bias as one more filter row) must equal those of the full gradient.
    setConv2dVariant('direct'); // the launches' names below are the direct kernels'
    const x = ws.tensor(seeded([2, 9, 9, 3], 31), [2, 9, 9, 3]);
    const w = ws.tensor(seeded([3, 3, 3, 8], 32), [3, 3, 3, 8]);
    const b = ws.tensor(seeded([8], 33), [8]);
    const loss = (xx: ws.Tensor, ww: ws.Tensor, bb: ws.Tensor) =>
      ws.sum(ws.square(ws.fusedConv2d({ x: xx, filter: ww, strides: 1, pad: 'same', bias: bb, activation: 'relu' })));
    ws.backend().startProfile();
    const [dw, db] = ws.grads((ww, bb) => loss(x, ww, bb))([w, b]);
    const some = (await ws.backend().stopProfile()).map((l) => l.name);
    ws.backend().startProfile();
    const [dxAll, dwAll, dbAll] = ws.grads(loss)([x, w, b]);
    const all = (await ws.backend().stopProfile()).map((l) => l.name);
    expect(some.filter((n) => n === 'conv2d_input_grad.main'), 'input-gradient launches').toEqual([]);
    expect(all.filter((n) => n === 'conv2d_input_grad.main'), 'the full gradient has one').toEqual(['conv2d_input_grad.main']);
    expect(Array.from(await dw.data())).toEqual(Array.from(await dwAll.data()));
    expect(Array.from(await db.data())).toEqual(Array.from(await dbAll.data()));
    expect(dxAll.shape).toEqual([2, 9, 9, 3]);
    ws.dispose([x, w, b, dw, db, dxAll, dwAll, dbAll]);
    setConv2dVariant('auto');
  });
});

describe('conv2d errors', () => {
  it('names the op, the value and what was expected', () => {
    const x = ws.zeros([1, 5, 5, 3]);
    const f = ws.zeros([3, 3, 3, 4]);
    expect(() => ws.conv2d(x, ws.zeros([3, 3, 2, 4]), 1, 'valid')).toThrow(/conv2d: x has 3 input channels .* filter expects 2/);
    expect(() => ws.conv2d(x, f, 1, 'full' as any)).toThrow(/conv2d: pad must be 'valid' or 'same', got "full"/);
    expect(() => ws.conv2d(x, f, 0, 'valid')).toThrow(/conv2d: strides must be a positive integer .* got 0/);
    expect(() => ws.conv2d(x, f, [1, -2], 'valid')).toThrow(/conv2d: strides must be a positive integer .* got \[1,-2\]/);
    expect(() => ws.conv2d(ws.zeros([5, 5]), f, 1, 'valid')).toThrow(/conv2d: x must be rank 4 .* or rank 3 .* got shape \[5, 5\]/);
    expect(() => ws.conv2d(x, ws.zeros([3, 3, 3]), 1, 'valid')).toThrow(/conv2d: filter must be rank 4 .* got shape \[3, 3, 3\]/);
    expect(() => ws.conv2d(x, ws.zeros([7, 7, 3, 4]), 1, 'valid')).toThrow(/does not fit the 5x5 input/);
    expect(() => ws.conv2d(x, f, 1, 'valid', 'NHWC', 2)).toThrow(/conv2d: dilations other than 1 are not supported, got 2/);
    expect(() => ws.conv2d(x, f, 1, 'valid', 'NCHW' as any)).toThrow(/conv2d: only dataFormat 'NHWC' is supported/);
    expect(() => ws.fusedConv2d({ x, filter: f, strides: 1, pad: 'valid', bias: ws.zeros([3]) })).toThrow(
      /fusedConv2d: bias must have shape \[4\]/,
    );
    expect(() => ws.fusedConv2d({ x, filter: f, strides: 1, pad: 'valid', dilations: [1, 2] })).toThrow(
      /fusedConv2d: dilations other than 1 are not supported, got \[1,2\]/,
    );
    expect(() => ws.fusedConv2d({ x, filter: f, strides: 1, pad: 'valid', activation: 'elu' as any })).toThrow(
      /fusedConv2d: activation must be 'linear' or 'relu', got 'elu'/,
    );
    expect(() => setConv2dVariant('winograd' as any)).toThrow(/setConv2dVariant: expected 'auto', 'direct' or 'im2col'/);
    expect(() => setKernelTuning('fastest' as any)).toThrow(`setKernelTuning: expected 'throughput' or 'fast-startup', got "fastest"`);
  });

  it('kernel tuning: throughput takes the large block on a software adapter, fast-startup the small one; same values', async () => {
    setConv2dVariant('direct');
    setConv2dDirectBlock('auto');
    const x = ws.tensor(seeded([2, 9, 9, 32], 3), [2, 9, 9, 32]);
    const f = ws.tensor(seeded([3, 3, 32, 40], 4), [3, 3, 32, 40]);
    const run = async (t: KernelTuning) => {
      const prev = setKernelTuning(t);
      try {
        const p = await ws.profile(() => ws.conv2d(x, f, 1, 'valid'));
        const launch = p.kernels.find((k) => k.name === 'conv2d_forward.main')!;
        const values = Array.from(await p.result.data());
        p.result.dispose();
        return { px: launch.pipelines[0].constants.PX, values };
      } finally {
        setKernelTuning(prev);
      }
    };
    const fast = await run('fast-startup');
    const throughput = await run('throughput');
    expect(fast.px).toBe(8);
    expect(throughput.px).toBe(ws.backend().software ? 16 : 8);
    // The same sums in the same order over K; only the register block differs. A compiler may
    // contract multiply-adds differently per variant: a few ulp of sums of 288 products.
    expectAllClose(throughput.values, fast.values, { atol: 1e-5, rtol: 1e-5, what: 'large vs small block' });
    x.dispose();
    f.dispose();
  });
});
