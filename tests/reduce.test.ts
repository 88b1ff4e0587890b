import { describe, it } from 'vitest';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';

// Sums over up to a few hundred float32 values: each partial sum rounds at ~6e-8 relative, so
// 1e-5 absolute on values in [-1, 1) leaves margin for a reduction length of ~100.

describe('reductions vs tfjs and finite differences', () => {
  const cases: [number[], number | number[] | undefined, boolean][] = [
    [[7], undefined, false],
    [[13, 28], 0, false],
    [[13, 28], 1, true],
    [[13, 28], -1, false],
    [[2, 7, 5], [0, 2], false],
    [[2, 7, 5], [1], true],
    [[4, 3, 3, 2], [0, 1, 2], false],
    [[1, 13], undefined, true],
  ];
  for (const name of ['sum', 'mean', 'max', 'min'] as const) {
    for (const [shape, axis, keepDims] of cases) {
      it(`${name} [${shape}] axis=${JSON.stringify(axis)} keepDims=${keepDims}`, async () => {
        await checkOp({
          shapes: [shape],
          ours: (x) => ws[name](x, axis, keepDims),
          ref: (tf, x) => tf[name](x, axis, keepDims),
          seed: shape.length * 7 + (keepDims ? 1 : 0),
          // max/min: distinct values so that neither tfjs's tie rule nor a finite-difference
          // step crossing a near-tie decides the result.
          distinct: name === 'max' || name === 'min',
        });
      });
    }
  }
});

// Long reductions into few outputs take the two-pass (chunked) path of the reduce kernel, as a
// bias gradient does. Summation order differs from tfjs's serial loop: the rounding error of a
// float32 sum of n values grows like sqrt(n) * 6e-8 * |partial sums| (random walk), about 1e-5
// here; 1e-4 leaves a tenfold margin.
describe('long reductions (chunked two-pass path) vs tfjs', () => {
  const cases: [number[], number[]][] = [
    [[3000, 5], [0]],
    [[2, 40, 40, 3], [0, 1, 2]],
    [[7, 1100], [1]],
  ];
  for (const name of ['sum', 'mean', 'max', 'min'] as const) {
    for (const [shape, axis] of cases) {
      it(`${name} [${shape}] axis=${JSON.stringify(axis)}`, async () => {
        await checkOp({
          shapes: [shape],
          ours: (x) => ws[name](x, axis),
          ref: (tf, x) => tf[name](x, axis),
          fwd: { atol: 1e-4, rtol: 1e-5 },
          distinct: name === 'max' || name === 'min',
          // The gradient of a reduction is a broadcast (exact); finite differences on a few
          // elements suffice.
          fd: { maxPerInput: 8 },
        });
      });
    }
  }
});
