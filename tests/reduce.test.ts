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
