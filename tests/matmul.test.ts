import { afterAll, describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { setMatMulVariant, type MatMulVariant } from '../src/kernels/matmul.js';
import { checkOp } from './helpers/check-op.js';
import { expectAllClose } from './helpers/allclose.js';
import { seeded, tfRef } from './helpers/reference.js';

/**
 * Tolerance for values that are K-long float32 dot products of inputs in [-1, 1) (products
 * have standard deviation 1/3). We accumulate in float32 in k order; tfjs's CPU backend
 * accumulates in float64 within blocks of 48, so the difference is essentially our rounding:
 * each of K additions rounds at 2^-24 of a partial sum of size ~sqrt(k)/3. Those errors add
 * up to well under 2e-7·K even if they all had the same sign for K ≤ 2000 (0.22·2^-24·K^1.5).
 * Gradients are dot products too, over N (for A) or M (for B), so use the longest dim.
 */
function dotTol(len: number): { atol: number; rtol: number } {
  return { atol: Math.max(1e-5, 2e-7 * len), rtol: 1e-5 };
}

/** Shape of an operand that holds rows × cols, stored transposed when `t`. */
const stored = (rows: number, cols: number, t: boolean): number[] => (t ? [cols, rows] : [rows, cols]);

const variants: MatMulVariant[] = ['registers', 'tiled'];

afterAll(() => {
  setMatMulVariant('auto');
});

for (const variant of variants) {
  describe(`matMul (${variant} kernel) vs tfjs and finite differences`, () => {
    // Finite differences check the backward rules, which do not depend on the kernel variant:
    // run them once, with the default software kernel, and only compare with tfjs for the other.
    const fd = variant === 'registers';
    // M, N, K: 1, 7, 13, 28, 64, and odd or prime K that is not a multiple of 4 or 8.
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [7, 13, 5],
      [13, 7, 28],
      [28, 64, 13],
      [64, 28, 64],
      [9, 17, 33],
    ];
    for (const [m, n, k] of sizes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        it(`[${m}x${k}]·[${k}x${n}] transposeA=${ta} transposeB=${tb}`, async () => {
          setMatMulVariant(variant);
          await checkOp({
            shapes: [stored(m, k, ta), stored(k, n, tb)],
            ours: (a, b) => ws.matMul(a, b, ta, tb),
            ref: (tf, a, b) => tf.matMul(a as any, b as any, ta, tb),
            seed: m * 31 + n * 7 + k + (ta ? 1000 : 0) + (tb ? 2000 : 0),
            fwd: dotTol(k),
            grad: dotTol(Math.max(m, n, k)),
            finiteDifferences: fd,
            // Linear in each input, so a difference quotient is exact but for rounding; 12
            // elements per input, spread evenly, keep the file fast.
            fd: { maxPerInput: 12 },
          });
        });
      }
    }

    const batched: [number[], number[], boolean, boolean][] = [
      [[3, 7, 5], [3, 5, 6], false, false],
      [[3, 5, 7], [3, 6, 5], true, true],
      [[1, 7, 5], [4, 5, 6], false, false], // batch 1 broadcast over 4
      [[4, 7, 5], [1, 6, 5], false, true],
      [[7, 5], [3, 5, 6], false, false], // rank 2 against rank 3
      [[2, 5, 7], [5, 6], true, false],
    ];
    for (const [sa, sb, ta, tb] of batched) {
      it(`batched [${sa}]·[${sb}] transposeA=${ta} transposeB=${tb}`, async () => {
        setMatMulVariant(variant);
        const batch = Math.max(sa.length === 3 ? sa[0] : 1, sb.length === 3 ? sb[0] : 1);
        // tfjs 4.22's BatchMatMul gradient does not sum over a broadcast batch (it returns the
        // broadcast shape and its tape rejects it), so the reference broadcasts explicitly with
        // broadcastTo, whose gradient does the sum.
        const full = (tf: any, x: any) => tf.broadcastTo(x, [batch, ...x.shape.slice(-2)]);
        await checkOp({
          shapes: [sa, sb],
          ours: (a, b) => ws.matMul(a, b, ta, tb),
          ref: (tf, a, b) => tf.matMul(full(tf, a), full(tf, b), ta, tb),
          seed: sa.length * 100 + sb[0] * 10 + (ta ? 1 : 0) + (tb ? 2 : 0),
          // The broadcast operand's gradient sums over the batch too (up to 4 more terms).
          fwd: dotTol(7),
          grad: dotTol(4 * 7),
          finiteDifferences: fd,
          fd: { maxPerInput: 12 },
        });
      });
    }
  });
}

describe('matMul on the seed network dense shapes (forward and both gradients vs tfjs)', () => {
  // [128,1600]·[1600,128] and [128,128]·[128,64] with batch 128; gradients reduce over 128.
  for (const variant of variants) {
    for (const [m, k, n] of [[128, 1600, 128], [128, 128, 64]]) {
      it(`[${m}x${k}]·[${k}x${n}] (${variant})`, async () => {
        setMatMulVariant(variant);
        await checkOp({
          shapes: [[m, k], [k, n]],
          ours: (a, b) => ws.matMul(a, b),
          ref: (tf, a, b) => tf.matMul(a as any, b as any),
          seed: k + n,
          fwd: dotTol(k),
          grad: dotTol(Math.max(m, n)),
          finiteDifferences: false,
        });
      });
    }
  }
});

/**
 * Seeded [m,k]·[k,n] + bias inputs whose pre-activations all lie at least `margin` from 0, so
 * that no finite-difference step (h = 1e-2 times an input of size ≤ 1) crosses relu's kink.
 * Computed in float64 on the CPU; the first seed from `start` that qualifies is used.
 */
function awayFromKink(m: number, k: number, n: number, start: number, margin = 0.05): Float32Array[] {
  for (let seed = start; seed < start + 1000; seed++) {
    const a = seeded([m, k], seed);
    const b = seeded([k, n], seed + 1);
    const bias = seeded([n], seed + 2);
    let ok = true;
    for (let i = 0; i < m && ok; i++) {
      for (let j = 0; j < n && ok; j++) {
        let z = bias[j];
        for (let q = 0; q < k; q++) z += a[i * k + q] * b[q * n + j];
        if (Math.abs(z) < margin) ok = false;
      }
    }
    if (ok) return [a, b, bias];
  }
  throw new Error('no seed found with pre-activations away from 0');
}

describe('fusedMatMul (bias and relu in the output write) vs tfjs.fused.matMul', () => {
  for (const variant of variants) {
    it(`bias, linear (${variant})`, async () => {
      setMatMulVariant(variant);
      await checkOp({
        shapes: [[13, 9], [9, 7], [7]],
        ours: (a, b, bias) => ws.fusedMatMul({ a, b, bias }),
        ref: (tf, a, b, bias) => tf.fused.matMul({ a: a as any, b: b as any, bias }),
        fwd: dotTol(9),
        grad: dotTol(13),
        finiteDifferences: variant === 'registers',
        fd: { maxPerInput: 16 },
      });
    });
    for (const [ta, tb] of [[false, false], [true, true], [false, true]] as const) {
      it(`bias + relu, transposeA=${ta} transposeB=${tb}, values away from the kink (${variant})`, async () => {
        setMatMulVariant(variant);
        const [m, k, n] = [6, 3, 5];
        const [a, b, bias] = awayFromKink(m, k, n, 10 + (ta ? 1 : 0) + (tb ? 2 : 0));
        // awayFromKink makes plain [m,k] and [k,n]; store them transposed where asked.
        const tr = (v: Float32Array, r: number, c: number) => Float32Array.from({ length: r * c }, (_, i) => v[(i % r) * c + Math.floor(i / r)]);
        await checkOp({
          shapes: [stored(m, k, ta), stored(k, n, tb), [n]],
          values: [ta ? tr(a, m, k) : a, tb ? tr(b, k, n) : b, bias],
          ours: (x, y, z) => ws.fusedMatMul({ a: x, b: y, bias: z, transposeA: ta, transposeB: tb, activation: 'relu' }),
          ref: (tf, x, y, z) => tf.fused.matMul({ a: x as any, b: y as any, bias: z, transposeA: ta, transposeB: tb, activation: 'relu' }),
          fwd: dotTol(k),
          grad: dotTol(m),
          finiteDifferences: variant === 'registers',
        });
      });
    }
  }
  it('relu exactly at the kink: gradient 0 there, as tfjs (mask from the output, step(0) = 0)', async () => {
    setMatMulVariant('auto');
    // Row 0 gives pre-activations [0, 2]; row 1 gives [-1, 0.5].
    const a = new Float32Array([1, -1, 0.5, -1]);
    const b = new Float32Array([1, 1, 1, -1]);
    await checkOp({
      shapes: [[2, 2], [2, 2]],
      values: [a, b],
      ours: (x, y) => ws.fusedMatMul({ a: x, b: y, activation: 'relu' }),
      ref: (tf, x, y) => tf.fused.matMul({ a: x as any, b: y as any, activation: 'relu' }),
      finiteDifferences: false,
    });
  });
  it('batched with bias + relu (bias gradient sums over batch and rows)', async () => {
    setMatMulVariant('auto');
    await checkOp({
      shapes: [[2, 5, 4], [2, 4, 3], [3]],
      ours: (a, b, bias) => ws.fusedMatMul({ a, b, bias, activation: 'relu' }),
      ref: (tf, a, b, bias) => tf.fused.matMul({ a: a as any, b: b as any, bias, activation: 'relu' }),
      fwd: dotTol(4),
      grad: dotTol(10),
      finiteDifferences: false,
    });
  });
});

describe('matMul edge cases and errors', () => {
  it('K = 0 gives zeros (plus the bias), as tfjs', async () => {
    setMatMulVariant('auto');
    const tf = await tfRef();
    const y = ws.fusedMatMul({ a: ws.zeros([3, 0]), b: ws.zeros([0, 2]), bias: ws.tensor([1.5, -2]), activation: 'relu' });
    const ref = tf.fused.matMul({ a: tf.zeros([3, 0]), b: tf.zeros([0, 2]), bias: tf.tensor([1.5, -2]), activation: 'relu' });
    expect([...y.shape]).toEqual([3, 2]);
    expectAllClose(await y.data(), await ref.data(), { atol: 0, rtol: 0 });
    // Written by hand too: relu([1.5, -2]) in every row.
    expectAllClose(await y.data(), [1.5, 0, 1.5, 0, 1.5, 0], { atol: 0, rtol: 0 });
  });
  it('a tiny hand-computed product', async () => {
    const y = ws.matMul(ws.tensor([[1, 2], [3, 4]]), ws.tensor([[5, 6], [7, 8]]));
    expectAllClose(await y.data(), [19, 22, 43, 50], { atol: 0, rtol: 0 });
  });
  it('errors name the op and the shapes', () => {
    expect(() => ws.matMul(ws.zeros([2, 3]), ws.zeros([4, 5]))).toThrow(/matMul: inner dimensions differ: a \[2, 3\] has 3 columns, b \[4, 5\] has 4 rows/);
    expect(() => ws.matMul(ws.zeros([2, 3]), ws.zeros([2, 5]), true)).not.toThrow();
    expect(() => ws.matMul(ws.zeros([3]), ws.zeros([3, 5]))).toThrow(/matMul: a must have rank 2 or 3, got shape \[3\]/);
    expect(() => ws.matMul(ws.zeros([2, 3, 4]), ws.zeros([3, 4, 5]))).toThrow(/matMul: batch sizes 2 and 3/);
    expect(() => ws.fusedMatMul({ a: ws.zeros([2, 3]), b: ws.zeros([3, 5]), bias: ws.zeros([3]) })).toThrow(
      /fusedMatMul: bias must have shape \[5\]/,
    );
    expect(() => ws.fusedMatMul({ a: ws.zeros([2, 3]), b: ws.zeros([3, 5]), activation: 'tanh' as any })).toThrow(
      /fusedMatMul: activation must be 'linear' or 'relu', got 'tanh'/,
    );
  });
});
