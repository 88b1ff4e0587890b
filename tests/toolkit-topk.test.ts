/**
 * The GPU top-k: kSmallest against a CPU stable sort and against tfjs's topk on negated
 * values, ties by lower index, its gradient against tfjs and finite differences, and errors.
 */
import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';
import { tfRef } from './helpers/reference.js';
import { Random } from '../src/engine/random.js';

/** The k smallest of each row by a stable sort on the CPU: [values, indices]. */
function cpuKSmallest(x: ArrayLike<number>, rows: number, cols: number, k: number): [number[], number[]] {
  const v: number[] = [];
  const i: number[] = [];
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: cols }, (_, c) => c).sort((a, b) => x[r * cols + a] - x[r * cols + b] || a - b);
    for (const c of order.slice(0, k)) v.push(x[r * cols + c]), i.push(c);
  }
  return [v, i];
}

describe('kSmallest vs a CPU stable sort and tfjs topk(−x)', () => {
  const cases: [number, number, number, boolean][] = [
    [1, 1, 1, false],
    [3, 10, 4, false],
    [70, 33, 5, false], // more rows than one workgroup
    [5, 200, 32, false], // the largest k
    [6, 40, 8, true], // values on a coarse grid: many ties
  ];
  for (const [rows, cols, k, ties] of cases) {
    it(`[${rows}, ${cols}], k = ${k}${ties ? ', with ties' : ''}`, async () => {
      const r = new Random(rows * 7 + cols);
      const x = Float32Array.from({ length: rows * cols }, () => (ties ? Math.floor(r.next() * 5) / 4 : r.next() * 4 - 2));
      const { values, indices } = ws.kSmallest(ws.tensor(x, [rows, cols]), k);
      expect(values.shape).toEqual([rows, k]);
      expect(indices.dtype).toBe('int32');
      const [wantV, wantI] = cpuKSmallest(x, rows, cols, k);
      // The kernel copies values, never computes them: exact equality.
      expect(Array.from(await values.data())).toEqual(wantV);
      expect(Array.from(await indices.data())).toEqual(wantI);
      const tf = await tfRef();
      const ref = tf.topk(tf.neg(tf.tensor2d(x, [rows, cols])), k, true);
      expect(Array.from(await indices.data())).toEqual(Array.from(await ref.indices.data()));
      expect(Array.from(await values.data())).toEqual(Array.from(await ref.values.data(), (v) => -v + 0));
      const top = ws.topk(ws.tensor(x, [rows, cols]), k);
      const refTop = tf.topk(tf.tensor2d(x, [rows, cols]), k, true);
      expect(Array.from(await top.indices.data())).toEqual(Array.from(await refTop.indices.data()));
    });
  }
});

describe('kSmallest gradient', () => {
  for (const [rows, cols, k] of [[2, 5, 2], [4, 9, 3]]) {
    it(`[${rows}, ${cols}], k = ${k}: vs tfjs and finite differences`, async () => {
      await checkOp({
        shapes: [[rows, cols]],
        ours: (x) => ws.kSmallest(x, k).values,
        // tfjs has no TopK gradient: pick the entries a CPU stable sort chooses as a one-hot
        // product, which tfjs does differentiate.
        ref: (tf: typeof tfjs, x) => {
          const idx = tf.tensor2d(cpuKSmallest(x.dataSync(), rows, cols, k)[1], [rows, k], 'int32');
          return tf.sum(tf.mul(tf.expandDims(x, 1), tf.oneHot(idx, cols)), 2);
        },
        // Distinct values 0.05 apart: a finite-difference step cannot reorder them.
        distinct: true,
        // Values are copied and gradients are sums of at most one term: exact up to float32 I/O.
        fwd: { atol: 0, rtol: 0 },
        grad: { atol: 1e-6, rtol: 1e-6 },
        seed: rows + cols,
      });
    });
  }
});

describe('kSmallest errors', () => {
  it('k larger than the row, k = 0, k above 32, empty rows, wrong rank', () => {
    const x = ws.tensor(new Float32Array(6), [2, 3]);
    expect(() => ws.kSmallest(x, 4)).toThrow(/kSmallest: k = 4 is larger than the 3 entries of each row/);
    expect(() => ws.kSmallest(x, 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => ws.kSmallest(ws.tensor(new Float32Array(40), [1, 40]), 33)).toThrow(/limit of 32/);
    expect(() => ws.kSmallest(ws.tensor(new Float32Array(0), [2, 0]), 1)).toThrow(/rows are empty/);
    expect(() => ws.kSmallest(ws.tensor(new Float32Array(3), [3]), 1)).toThrow(/must be \[rows, cols\]/);
  });
});
