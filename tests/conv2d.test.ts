import { describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';

// A conv output sums K = kh*kw*Cin products of values in [-1, 1). Each float32 add rounds by
// at most 6e-8 of the running sum, and our summation order (ky, kx, ci) differs from tfjs's,
// so the difference grows with K: 2e-7 * K absolute (1e-5 at least) covers K up to 800 with a
// wide margin while still catching any wrong tap (which moves a result by ~0.1). Gradients sum
// over the batch and spatial positions too (up to N*OH*OW*kh*kw terms), hence 5e-7 * that.

interface Case {
  x: number[];
  f: number[];
  s: number | [number, number];
  pad: 'valid' | 'same';
}

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
];

function tol(c: Case) {
  const k = c.f[0] * c.f[1] * c.f[2];
  const outs = c.x[0] * c.x[1] * c.x[2] * k;
  return { fwd: { atol: Math.max(1e-5, 2e-7 * k), rtol: 1e-5 }, grad: { atol: Math.max(1e-4, 5e-7 * outs), rtol: 1e-4 } };
}

describe('conv2d vs tfjs and finite differences', () => {
  for (const c of cases) {
    it(`x [${c.x}] filter [${c.f}] strides ${JSON.stringify(c.s)} ${c.pad}`, async () => {
      await checkOp({
        shapes: [c.x, c.f],
        ours: (x, f) => ws.conv2d(x, f, c.s, c.pad),
        ref: (tf, x, f) => tf.conv2d(x as any, f as any, c.s, c.pad),
        ...tol(c),
        fd: { maxPerInput: 24 },
      });
    });
  }
  it('rank-3 input (no batch) like tfjs', async () => {
    await checkOp({
      shapes: [[7, 7, 2], [3, 3, 2, 3]],
      ours: (x, f) => ws.conv2d(x, f, 1, 'same'),
      ref: (tf, x, f) => tf.conv2d(x as any, f as any, 1, 'same'),
      fd: { maxPerInput: 16 },
    });
  });
});

describe('fusedConv2d (bias + relu in the kernel) vs tfjs.fused.conv2d', () => {
  const shapes = [
    [2, 9, 9, 3],
    [3, 3, 3, 4],
    [4],
  ];
  it('linear with bias', async () => {
    await checkOp({
      shapes,
      ours: (x, f, b) => ws.fusedConv2d({ x, filter: f, strides: 1, pad: 'same', bias: b }),
      ref: (tf, x, f, b) => tf.fused.conv2d({ x: x as any, filter: f as any, strides: 1, pad: 'same', bias: b }),
      fd: { maxPerInput: 16 },
    });
  });
  it('relu with bias (finite differences skip the kink by a large bias offset)', async () => {
    // Bias values in [-1, 1) keep many outputs on each side of 0; tfjs's gradient is compared
    // everywhere, finite differences only where no output sits within the step of 0 (gradcheck
    // would otherwise see the kink), which the seeded data here satisfies.
    await checkOp({
      shapes,
      ours: (x, f, b) => ws.fusedConv2d({ x, filter: f, strides: 2, pad: 'valid', bias: b, activation: 'relu' }),
      ref: (tf, x, f, b) => tf.fused.conv2d({ x: x as any, filter: f as any, strides: 2, pad: 'valid', bias: b, activation: 'relu' }),
      finiteDifferences: false,
    });
  });
});

describe('conv2d errors', () => {
  it('names the op, the shapes and what was expected', () => {
    const x = ws.zeros([1, 5, 5, 3]);
    expect(() => ws.conv2d(x, ws.zeros([3, 3, 2, 4]), 1, 'valid')).toThrow(/conv2d: x has 3 input channels .* filter expects 2/);
    expect(() => ws.conv2d(x, ws.zeros([3, 3, 3, 4]), 1, 'full' as any)).toThrow(/pad must be 'valid' or 'same', got "full"/);
    expect(() => ws.conv2d(x, ws.zeros([3, 3, 3, 4]), 0, 'valid')).toThrow(/strides must be a positive integer/);
    expect(() => ws.conv2d(ws.zeros([5, 5]), ws.zeros([3, 3, 3, 4]), 1, 'valid')).toThrow(/x must be rank 4/);
    expect(() => ws.conv2d(x, ws.zeros([7, 7, 3, 4]), 1, 'valid')).toThrow(/does not fit the 5x5 input/);
    expect(() => ws.fusedConv2d({ x, filter: ws.zeros([3, 3, 3, 4]), strides: 1, pad: 'valid', bias: ws.zeros([3]) })).toThrow(
      /bias must have shape \[4\]/,
    );
    expect(() => ws.fusedConv2d({ x, filter: ws.zeros([3, 3, 3, 4]), strides: 1, pad: 'valid', dilations: 2 })).toThrow(
      /dilations other than 1 are not supported/,
    );
  });
});
