import { describe, it, expect } from 'vitest';
import * as ws from '../src/index.js';
import { checkOp } from './helpers/check-op.js';
import { expectAllClose } from './helpers/allclose.js';

// Elementwise ops are a single float32 operation per element, so the forward result should
// match tfjs to rounding (1e-5); gradients chain two or three such operations (1e-4).

const shapesSame: number[][][] = [[[7], [7]], [[13, 28], [13, 28]], [[1], [1]], [[2, 3, 4], [2, 3, 4]]];
const shapesBroadcast: number[][][] = [[[4, 7], [7]], [[2, 1, 5], [3, 1]], [[28, 1], [1, 13]], [[3], []]];

describe('binary ops vs tfjs and finite differences', () => {
  const ops = [
    ['add', ws.add, (tf: any, a: any, b: any) => tf.add(a, b)],
    ['sub', ws.sub, (tf: any, a: any, b: any) => tf.sub(a, b)],
    ['mul', ws.mul, (tf: any, a: any, b: any) => tf.mul(a, b)],
    ['maximum', ws.maximum, (tf: any, a: any, b: any) => tf.maximum(a, b)],
    ['minimum', ws.minimum, (tf: any, a: any, b: any) => tf.minimum(a, b)],
    ['squaredDifference', ws.squaredDifference, (tf: any, a: any, b: any) => tf.squaredDifference(a, b)],
  ] as const;
  for (const [name, ours, ref] of ops) {
    for (const shapes of [...shapesSame, ...shapesBroadcast]) {
      // tfjs 4.22's gradients of maximum, minimum and squaredDifference forget to sum over
      // broadcast dims (they return the broadcast shape), so those cases are checked against
      // tfjs forward and by finite differences only.
      const tfjsGradBroken = name !== 'add' && name !== 'sub' && name !== 'mul' && shapesBroadcast.includes(shapes);
      it(`${name} ${JSON.stringify(shapes)}${tfjsGradBroken ? ' (gradient by finite differences: tfjs does not unbroadcast it)' : ''}`, async () => {
        await checkOp({
          shapes,
          ours: ours as any,
          ref: ref as any,
          seed: shapes.flat().length + name.length,
          refGrad: !tfjsGradBroken,
          // maximum/minimum: keep a and b apart so a finite-difference step never crosses a tie.
          distinct: name === 'maximum' || name === 'minimum',
        });
      });
    }
  }
  it('div (denominator kept away from zero)', async () => {
    for (const shapes of [[[13, 7], [13, 7]], [[4, 7], [7]]]) {
      await checkOp({ shapes, ours: ws.div, ref: (tf, a, b) => tf.div(a, b), range: [0.5, 2] });
    }
  });
});

describe('unary ops vs tfjs and finite differences', () => {
  const cases: [string, (x: ws.Tensor) => ws.Tensor, (tf: any, x: any) => any, [number, number]][] = [
    ['neg', ws.neg, (tf, x) => tf.neg(x), [-1, 1]],
    ['square', ws.square, (tf, x) => tf.square(x), [-1, 1]],
    ['sqrt', ws.sqrt, (tf, x) => tf.sqrt(x), [0.5, 2]],
    ['exp', ws.exp, (tf, x) => tf.exp(x), [-1, 1]],
    ['log', ws.log, (tf, x) => tf.log(x), [0.5, 2]],
    // relu and abs: values from the seeded range avoid 0 exactly; finite differences use a
    // step below the smallest |x| in these cases only by chance, so they are checked vs tfjs
    // and by differences on a range that keeps clear of the kink.
    ['relu', ws.relu, (tf, x) => tf.relu(x), [0.05, 1]],
    ['relu(neg side)', ws.relu, (tf, x) => tf.relu(x), [-1, -0.05]],
    ['abs', ws.abs, (tf, x) => tf.abs(x), [0.05, 1]],
  ];
  for (const [name, ours, ref, range] of cases) {
    for (const shape of [[1], [7], [13, 28], [2, 3, 5]]) {
      it(`${name} [${shape}]`, async () => {
        await checkOp({ shapes: [shape], ours, ref, range });
      });
    }
  }
  it('relu across the kink matches tfjs (gradient 0 at and below 0)', async () => {
    const vals = new Float32Array([-2, -0.5, 0, 0.5, 2]);
    await checkOp({ shapes: [[5]], values: [vals], ours: ws.relu, ref: (tf, x) => tf.relu(x), finiteDifferences: false });
  });
});

describe('scalar forms and errors', () => {
  it('add(x, 1) and mul(2, x) broadcast a number', async () => {
    const x = ws.tensor([1, 2, 3]);
    expectAllClose(await ws.add(x, 1).data(), [2, 3, 4]);
    expectAllClose(await ws.mul(2, x).data(), [2, 4, 6]);
  });
  it('mismatched shapes name the op and both shapes', () => {
    expect(() => ws.add(ws.zeros([2, 3]), ws.zeros([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  });
  it('a disposed tensor used again is named', () => {
    const t = ws.ones([2]);
    t.name = 'weights';
    t.dispose();
    expect(() => ws.relu(t)).toThrow(/'weights' #\d+ \[2\] float32 was disposed/);
  });
});
