import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import * as ws from '../src/index.js';

// Bad input must throw a clear error on the host (naming the op, the bad value or shape and what
// was expected), never reach the GPU as a validation error, never return a wrong result, and
// never leak the tensors made before the check. After each test we therefore check that the
// number of live tensors is back where it was and that the device has no pending GPU error
// (backend().sync() throws the first one seen).

let baseline = 0;
beforeEach(() => {
  baseline = ws.memory().numTensors;
});
afterEach(async () => {
  expect(ws.memory().numTensors, 'live tensors after the test').toBe(baseline);
  await ws.backend().sync();
});

/** Runs `fn` inside tidy so that the test's own inputs are freed; expects it to throw `re`. */
function expectThrow(fn: () => unknown, re: RegExp): void {
  expect(() => ws.tidy(() => void fn())).toThrow(re);
}

describe('mismatched shapes name the op, the shapes and what was expected', () => {
  it('elementwise broadcasting', () => {
    expectThrow(() => ws.add(ws.zeros([2, 3]), ws.zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast \(dim 1: 3 vs 4\)/);
    expectThrow(() => ws.mul(ws.zeros([5, 1, 3]), ws.zeros([2, 4])), /mul: shapes \[5, 1, 3\] and \[2, 4\] cannot be broadcast/);
  });
  it('concat and stack', () => {
    expectThrow(
      () => ws.concat([ws.zeros([2, 3]), ws.zeros([4, 5])], 1),
      /concat: tensor 1 has shape \[4, 5\] but tensor 0 has \[2, 3\]; along axis 1 they must agree in every dim but 1/,
    );
    expectThrow(() => ws.concat([ws.zeros([2, 3]), ws.zeros([2, 3, 1])], 0), /concat: tensor 1 has shape \[2, 3, 1\]/);
    expectThrow(() => ws.stack([ws.zeros([2, 3]), ws.zeros([3, 2])]), /stack: tensor 1 has shape \[3, 2\] but tensor 0 has \[2, 3\]; all must be equal/);
    expectThrow(() => ws.concat([]), /concat: expected a non-empty list/);
    expectThrow(
      () => ws.concat([ws.zeros([2]), ws.tensor(Int32Array.from([1, 2]), [2], 'int32')]),
      /concat: tensor 1 is int32 but tensor 0 is float32/,
    );
  });
  it('maxPool input rank and window size', () => {
    expectThrow(() => ws.maxPool(ws.zeros([8, 8]), 2, 2, 'valid'), /maxPool: expected x of rank 4 \[N, H, W, C\] or 3 \[H, W, C\], got shape \[8, 8\]/);
    expectThrow(() => ws.maxPool(ws.zeros([1, 2, 2, 1]), 3, 1, 'valid'), /maxPool: a 3x3 window does not fit in a 2x2 input with 'valid' padding/);
    expectThrow(() => ws.maxPool(ws.zeros([1, 4, 4, 1]), 0, 1, 'valid'), /maxPool: filterSize must be a positive integer or a pair of them, got 0/);
    expectThrow(() => ws.maxPool(ws.zeros([1, 4, 4, 1]), 2, [1, 1.5], 'valid'), /maxPool: strides must be a positive integer .* got \[1,1.5\]/);
  });
  it('slice and pad outside the tensor', () => {
    expectThrow(
      () => ws.slice(ws.zeros([4, 5]), [1, 3], [2, 3]),
      /slice: begin \[1, 3\] with size \[2, 3\] does not fit in x \[4, 5\] \(dim 1: begin 3 \+ size 3 must lie within 0..5\)/,
    );
    expectThrow(() => ws.slice(ws.zeros([4]), [-1], [2]), /slice: begin \[-1\] with size \[2\] does not fit in x \[4\] \(dim 0: begin -1/);
    expectThrow(() => ws.slice(ws.zeros([4]), [0, 0]), /slice: begin \[0, 0\] .* more entries than x \[4\] has dims/);
    expectThrow(() => ws.pad(ws.zeros([2, 2]), [[1, 1]]), /pad: paddings \[\[1,1\]\] must hold one \[before, after\] pair .* 2 dims of x \[2, 2\]/);
    expectThrow(() => ws.pad(ws.zeros([2]), [[-1, 0]]), /pad: paddings \[\[-1,0\]\] must hold/);
  });
  it('reshape and gradient seeds', () => {
    expectThrow(() => ws.reshape(ws.zeros([2, 3]), [4, 2]), /reshape: cannot view \[2, 3\] \(6 values\) as \[4, 2\]/);
    expectThrow(
      () => ws.grad((x: ws.Tensor) => ws.transpose(x))(ws.zeros([2, 3]), ws.zeros([2, 3])),
      /gradient: dy has shape \[2, 3\] but f returned shape \[3, 2\]/,
    );
  });
});

describe('a disposed tensor used again is named', () => {
  it('by an op, with its name, id and shape', () => {
    const x = ws.tensor([1, 2, 3]);
    x.name = 'weights';
    x.dispose();
    expect(() => ws.add(x, x)).toThrow(new RegExp(`add: input 'weights' #${x.id} \\[3\\] float32 was disposed`));
    expect(() => ws.transpose(x)).toThrow(/transpose: input 'weights' #\d+ \[3\] float32 was disposed/);
    expect(() => ws.gather(x, [0])).toThrow(/gather: input 'weights'/);
    expect(() => ws.concat([x, x])).toThrow(/concat: input 'weights'/);
  });
  it('by a readback', async () => {
    const x = ws.zeros([2, 2]);
    x.dispose();
    await expect(x.data()).rejects.toThrow(/tensor #\d+ \[2, 2\] float32 was used after dispose\(\)/);
  });
  it('when tidy() freed it', () => {
    let inner: ws.Tensor | null = null;
    ws.tidy(() => {
      inner = ws.ones([3]);
      return ws.neg(inner);
    }).dispose();
    expect(() => ws.maxPool(inner!, 1, 1, 'valid')).toThrow(/maxPool: input #\d+ \[3\] float32 was disposed/);
  });
});

describe('unknown options and bad axes', () => {
  it('unknown padding', () => {
    expectThrow(() => ws.maxPool(ws.zeros([1, 4, 4, 1]), 2, 2, 'full' as any), /maxPool: unknown padding "full"; expected 'valid' or 'same'/);
    expectThrow(() => ws.maxPool(ws.zeros([1, 4, 4, 1]), 2, 2, undefined as any), /maxPool: unknown padding undefined/);
  });
  it('transpose perm that is not a permutation', () => {
    const x = () => ws.zeros([2, 3, 4]);
    expectThrow(() => ws.transpose(x(), [0, 0, 1]), /transpose: perm \[0, 0, 1\] is not a permutation of the 3 dims of x \[2, 3, 4\]/);
    expectThrow(() => ws.transpose(x(), [1, 0]), /transpose: perm \[1, 0\] is not a permutation/);
    expectThrow(() => ws.transpose(x(), [0, 1, 3]), /transpose: perm \[0, 1, 3\]/);
    expectThrow(() => ws.transpose(x(), [0, -1, 1]), /transpose: perm \[0, -1, 1\]/);
  });
  it('axes out of range', () => {
    expectThrow(() => ws.concat([ws.zeros([2, 2]), ws.zeros([2, 2])], 2), /concat: axis 2 is out of range for rank 2 \(expected an integer in \[-2, 1\]\)/);
    expectThrow(() => ws.stack([ws.zeros([2])], 2), /stack: axis 2 is out of range for rank 2/);
    expectThrow(() => ws.gather(ws.zeros([2, 2]), [0], -3), /gather: axis -3 is out of range for rank 2/);
    expectThrow(() => ws.sum(ws.zeros([2, 2]), 5), /sum: axis 5 is out of range for rank 2/);
    expectThrow(() => ws.max(ws.zeros([2, 2]), 0.5), /max: axis 0.5 is out of range/);
  });
});

describe('gather indices', () => {
  it('numbers out of range throw on the host, naming the index, its position and the range', () => {
    expectThrow(() => ws.gather(ws.zeros([4, 2]), [0, 4]), /gather: index 4 \(position 1\) is out of range for axis 0 of x \[4, 2\]: expected an integer in 0..3/);
    expectThrow(() => ws.gather(ws.zeros([4, 2]), [-1]), /gather: index -1 \(position 0\)/);
    expectThrow(() => ws.gather(ws.zeros([4, 2]), [1.5]), /gather: index 1.5 \(position 0\)/);
    expectThrow(() => ws.gather(ws.zeros([4, 2]), [[1, 2]] as any), /gather: index 1,2 \(position 0\)/);
  });
  it('a float32 tensor of indices is refused', () => {
    expectThrow(() => ws.gather(ws.zeros([4, 2]), ws.tensor([0, 1])), /gather: indices must be an int32 tensor, got float32/);
  });
  it('an int32 tensor with out-of-range indices (documented): zeros in that slice, no gradient, no stray access', async () => {
    // Indices in a tensor stay on the GPU, so they are not checked on the host (that would need a
    // readback). The kernel never reads or writes outside x: an index outside [0, 3) yields a
    // slice of zeros, and the gradient ignores it. Valid indices in the same call are unaffected.
    const x = ws.tensor([[1, 2], [3, 4], [5, 6]]);
    const idx = ws.tensor(Int32Array.from([2, 3, -1, 0, 1000000]), [5], 'int32');
    const f = (v: ws.Tensor) => ws.gather(v, idx);
    const y = f(x);
    expect(await y.array()).toEqual([[5, 6], [0, 0], [0, 0], [1, 2], [0, 0]]);
    const dy = ws.tensor([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    const dx = ws.grad(f)(x, dy);
    expect(await dx.array()).toEqual([[4, 4], [0, 0], [1, 1]]);
    ws.dispose([x, idx, y, dy, dx]);
  });
});

describe('failed calls leak nothing', () => {
  it('ops that throw leave no half-made outputs or views behind (outside tidy)', () => {
    // The other tests run their calls inside tidy; here nothing would clean up after a leak.
    const x = ws.zeros([5, 5, 1]);
    const before = ws.memory().numTensors;
    expect(() => ws.maxPool(x, 9, 1, 'valid')).toThrow(/maxPool/);
    expect(() => ws.maxPool(x, 2, 2, 'bogus' as any)).toThrow(/maxPool/);
    expect(() => ws.slice(x, [0, 0, 0], [6, 1, 1])).toThrow(/slice/);
    expect(() => ws.gather(x, [7])).toThrow(/gather/);
    expect(ws.memory().numTensors).toBe(before);
    x.dispose();
  });
});
