import { describe, it, expect } from 'vitest';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';
import { expectAllClose } from './helpers/allclose.js';

// Layout ops move values without arithmetic, so forward results must equal tfjs exactly
// (atol = rtol = 0). Their gradients are moves too, except where one input element feeds
// several outputs (gather with repeated indices), which adds at most a handful of weights
// |w| <= 1: 1e-6 absolute covers float32 rounding in a different summation order.
const EXACT = { atol: 0, rtol: 0 };
const GRAD = { atol: 1e-6, rtol: 1e-6 };

describe('transpose vs tfjs and finite differences', () => {
  const cases: [number[], number[] | undefined][] = [
    [[7, 13], undefined],
    [[28], undefined],
    [[2, 3, 4], [2, 0, 1]],
    [[2, 3, 4], [1, 0, 2]],
    [[2, 5, 7, 3], [0, 3, 1, 2]], // NHWC -> NCHW
    [[3, 1, 4, 2, 2], [4, 2, 0, 3, 1]],
  ];
  for (const [shape, perm] of cases) {
    it(`[${shape}] perm ${JSON.stringify(perm)}`, async () => {
      await checkOp({
        shapes: [shape],
        ours: (x) => ws.transpose(x, perm),
        ref: (tf, x) => tf.transpose(x, perm),
        fwd: EXACT,
        grad: EXACT,
      });
    });
  }
  it('moves int32 values unchanged', async () => {
    const x = ws.tensor(Int32Array.from([1, -2, 3, 2147483647, -2147483648, 6]), [2, 3], 'int32');
    const y = ws.transpose(x);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.data())).toEqual([1, 2147483647, -2, -2147483648, 3, 6]);
  });
});

describe('slice and pad vs tfjs and finite differences', () => {
  const slices: [number[], number | number[], (number | number[])?][] = [
    [[13, 28], [2, 5], [7, -1]],
    [[13, 28], [0, 27], [13, 1]],
    [[2, 7, 5], 1],
    [[2, 7, 5], [0, 2], [2, 3]],
    [[2, 6, 6, 4], [1, 1, 2, 0], [1, 4, 3, -1]],
  ];
  for (const [shape, begin, size] of slices) {
    it(`slice [${shape}] begin ${JSON.stringify(begin)} size ${JSON.stringify(size)}`, async () => {
      await checkOp({
        shapes: [shape],
        ours: (x) => ws.slice(x, begin, size),
        ref: (tf, x) => tf.slice(x, begin, size),
        fwd: EXACT,
        grad: EXACT,
      });
    });
  }
  it('an empty slice has shape [0] and joins a concat as nothing', async () => {
    // Not through checkOp: sum() over an empty tensor throws in the reduce kernel (see report).
    const x = ws.tensor([1, 2, 3, 4, 5, 6, 7]);
    const e = ws.slice(x, [3], [0]);
    expect(e.shape).toEqual([0]);
    expect((await e.data()).length).toBe(0);
    expect(Array.from(await ws.concat([e, x, e]).data())).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
  const pads: [number[], [number, number][], number][] = [
    [[7], [[2, 3]], 0],
    [[13, 5], [[1, 2], [0, 3]], 0],
    [[2, 5, 5, 3], [[0, 0], [1, 1], [2, 0], [0, 1]], 1.5],
  ];
  for (const [shape, paddings, value] of pads) {
    it(`pad [${shape}] ${JSON.stringify(paddings)} value ${value}`, async () => {
      await checkOp({
        shapes: [shape],
        ours: (x) => ws.pad(x, paddings, value),
        ref: (tf, x) => tf.pad(x, paddings, value),
        fwd: EXACT,
        grad: EXACT,
      });
    });
  }
});

describe('concat and stack vs tfjs and finite differences', () => {
  const concats: [number[][], number][] = [
    [[[3, 4], [5, 4]], 0],
    [[[3, 4], [3, 1], [3, 7]], 1],
    [[[2, 3, 4], [2, 5, 4]], -2],
    [[[2, 3, 4], [2, 3, 4], [2, 3, 1]], 2],
    [[[13]], 0],
  ];
  for (const [shapes, axis] of concats) {
    it(`concat ${JSON.stringify(shapes)} axis ${axis}`, async () => {
      await checkOp({
        shapes,
        ours: (...xs) => ws.concat(xs, axis),
        ref: (tf, ...xs) => tf.concat(xs, axis),
        fwd: EXACT,
        grad: EXACT,
      });
    });
  }
  for (const axis of [0, 1, 2, -1]) {
    it(`stack three [3, 4] axis ${axis}`, async () => {
      await checkOp({
        shapes: [[3, 4], [3, 4], [3, 4]],
        ours: (...xs) => ws.stack(xs, axis),
        ref: (tf, ...xs) => tf.stack(xs, axis),
        fwd: EXACT,
        grad: EXACT,
      });
    });
  }
});

describe('gather vs tfjs and finite differences', () => {
  const cases: [number[], number[], number[], number][] = [
    // [x shape, indices, indices shape, axis]; repeated indices exercise the scatter-add.
    [[5, 4], [2, 0, 2, 1, 2], [5], 0],
    [[3, 6], [5, 0, 5], [3], 1],
    [[2, 7, 3], [6, 6, 1, 0, 3, 6], [2, 3], 1],
    [[4, 3, 2], [1], [1], -1],
    [[9], [8, 0, 8, 8], [4], 0],
  ];
  for (const [shape, idx, idxShape, axis] of cases) {
    it(`gather [${shape}] at ${JSON.stringify(idx)} (shape [${idxShape}]) axis ${axis}, indices as int32 tensor`, async () => {
      const indices = ws.tensor(Int32Array.from(idx), idxShape, 'int32');
      await checkOp({
        shapes: [shape],
        ours: (x) => ws.gather(x, indices, axis),
        ref: (tf, x) => tf.gather(x, tf.tensor(idx, idxShape, 'int32'), axis),
        fwd: EXACT,
        grad: GRAD,
      });
      indices.dispose();
    });
    if (idxShape.length === 1) {
      it(`gather [${shape}] at ${JSON.stringify(idx)} axis ${axis}, indices as numbers`, async () => {
        await checkOp({
          shapes: [shape],
          ours: (x) => ws.gather(x, idx, axis),
          ref: (tf, x) => tf.gather(x, idx, axis),
          fwd: EXACT,
          grad: GRAD,
        });
      });
    }
  }
  it('hand-computed scatter-add: row 1 is gathered three times', async () => {
    const x = ws.tensor([[1, 2], [3, 4], [5, 6]]);
    const dy = ws.tensor([[1, 10], [100, 1000], [2, 20], [3, 30]]);
    const f = (v: ws.Tensor) => ws.gather(v, [1, 2, 1, 1]);
    expect(await f(x).array()).toEqual([[3, 4], [5, 6], [3, 4], [3, 4]]);
    // Row 0 is never taken, row 2 once (dy row 1), row 1 three times (dy rows 0, 2, 3).
    expect(await ws.grad(f)(x, dy).array()).toEqual([[0, 0], [6, 60], [100, 1000]]);
  });
  it('gathers int32 values', async () => {
    const x = ws.tensor(Int32Array.from([7, -8, 9, 2147483647]), [4], 'int32');
    const y = ws.gather(x, [3, 1, 1]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.data())).toEqual([2147483647, -8, -8]);
  });
});

describe('layout ops compose', () => {
  it('slice of a transpose of a concat equals the CPU computation', async () => {
    // [2, 3] and [2, 2] joined on axis 1 -> [2, 5], transposed -> [5, 2], rows 1..3 taken.
    const a = ws.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = ws.tensor([[7, 8], [9, 10]]);
    const y = ws.slice(ws.transpose(ws.concat([a, b], 1)), [1, 0], [3, 2]);
    expectAllClose(await y.data(), [2, 5, 3, 6, 7, 9], EXACT);
  });
});
