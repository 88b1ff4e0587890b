import { describe, it, expect } from 'vitest';
import * as ws from '../src/index.js';

// memory() must report what is really held: numTensors/numBytes for live tensors (shared
// storage counted once), inUseBytes/pooledBytes/peakBytes for the buffer pool, buffersCreated
// for allocations. Byte counts here are exact: float32 and int32 take 4 bytes per element, and
// WebGPU cannot bind an empty buffer, so an empty tensor holds 4 bytes.
// A buffer freed while commands that use it are still being recorded is parked until the next
// submit, so exact pool checks first call backend().sync(), which submits and waits.

const mem = () => ws.memory();
const sync = () => ws.backend().sync();

describe('tidy', () => {
  it('frees everything made inside except the result', async () => {
    const before = mem();
    let made: ws.Tensor[] = [];
    const out = ws.tidy(() => {
      const a = ws.ones([4, 4]);
      const b = ws.add(a, a);
      const c = ws.maxPool(ws.reshape(b, [1, 4, 4, 1]), 2, 2, 'valid');
      made = [a, b, c];
      return ws.transpose(ws.reshape(c, [2, 2]));
    });
    expect(made.every((t) => t.isDisposed)).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect(mem().numTensors).toBe(before.numTensors + 1);
    expect(mem().numBytes).toBe(before.numBytes + 16);
    expect(Array.from(await out.data())).toEqual([2, 2, 2, 2]);
    out.dispose();
    expect(mem().numTensors).toBe(before.numTensors);
  });

  it('keeps every tensor in a returned array or object, and kept tensors', () => {
    const before = mem().numTensors;
    let kept: ws.Tensor | null = null;
    const r = ws.tidy(() => {
      kept = ws.keep(ws.zeros([2]));
      ws.zeros([3]); // dropped
      return { a: ws.zeros([4]), list: [ws.zeros([5]), ws.zeros([6])] };
    });
    expect(mem().numTensors).toBe(before + 4);
    expect(kept!.isDisposed).toBe(false);
    ws.dispose([r, kept]);
    expect(mem().numTensors).toBe(before);
  });

  it('leaves a tensor made outside it alone, even when used inside', async () => {
    const x = ws.tensor([1, 2, 3]);
    const before = mem();
    ws.tidy(() => {
      ws.neg(x);
      ws.gather(x, [2, 0]);
    });
    expect(x.isDisposed).toBe(false);
    expect(mem().numTensors).toBe(before.numTensors);
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    x.dispose();
  });

  it('frees the gradient graph: a grad inside tidy leaves only what it returns', () => {
    const x = ws.randomNormal([2, 6, 6, 2], 0, 1, 3);
    const before = mem().numTensors;
    const g = ws.tidy(() => ws.grad((v: ws.Tensor) => ws.sum(ws.maxPool(v, 3, 1, 'same')))(x));
    expect(mem().numTensors).toBe(before + 1);
    ws.dispose([g, x]);
  });
});

describe('gradients outside tidy', () => {
  it('grad and grads leave only the gradients (the value of f is freed; f returning its input is kept)', () => {
    const x = ws.randomNormal([2, 6, 6, 2], 0, 1, 3);
    const before = mem().numTensors;
    const g = ws.grad((v: ws.Tensor) => ws.sum(ws.maxPool(v, 2, 2, 'same')))(x);
    expect(mem().numTensors).toBe(before + 1);
    const gs = ws.grads((a: ws.Tensor, b: ws.Tensor) => ws.sum(ws.mul(a, b)))([x, x]);
    expect(mem().numTensors).toBe(before + 3);
    const gi = ws.grad((v: ws.Tensor) => v)(x); // the value is x itself: must survive
    expect(x.isDisposed).toBe(false);
    expect(mem().numTensors).toBe(before + 4);
    ws.dispose([g, gs, gi, x]);
  });
});

describe('memory() counts', () => {
  it('numTensors and numBytes for known shapes and dtypes; views share bytes', () => {
    const before = mem();
    const a = ws.zeros([3, 5]); // 15 float32
    expect(mem().numTensors - before.numTensors).toBe(1);
    expect(mem().numBytes - before.numBytes).toBe(60);
    const b = ws.tensor(Int32Array.from([1, 2, 3, 4, 5, 6, 7]), [7], 'int32');
    expect(mem().numBytes - before.numBytes).toBe(60 + 28);
    const v = ws.reshape(a, [15]); // a view: one more tensor, no more bytes
    expect(mem().numTensors - before.numTensors).toBe(3);
    expect(mem().numBytes - before.numBytes).toBe(88);
    const e = ws.zeros([0]); // WebGPU cannot bind 0 bytes: the smallest buffer is 4
    expect(mem().numBytes - before.numBytes).toBe(92);
    a.dispose(); // v still holds the storage
    expect(mem().numBytes - before.numBytes).toBe(92);
    ws.dispose([v, b, e]);
    expect(mem().numTensors).toBe(before.numTensors);
    expect(mem().numBytes).toBe(before.numBytes);
  });

  it('max-pool outside tidy and without a gradient leaves exactly its output (the argmax is freed)', async () => {
    const x = ws.randomNormal([2, 8, 8, 3], 0, 1, 1);
    await sync(); // return buffers parked by earlier tests, so that inUseBytes is exact too
    const before = mem();
    const y = ws.maxPool(x, 2, 2, 'valid'); // [2, 4, 4, 3]
    const z = ws.gather(x, [1, 0, 1]); // indices as numbers make a temporary int32 tensor
    expect(mem().numTensors).toBe(before.numTensors + 2);
    expect(mem().numBytes).toBe(before.numBytes + 4 * 96 + 4 * 3 * 192);
    await sync();
    expect(mem().inUseBytes).toBe(before.inUseBytes + 4 * 96 + 4 * 3 * 192);
    ws.dispose([x, y, z]);
  });

  it('pooledBytes: a freed buffer rests in the pool and the next same-size tensor reuses it', async () => {
    await sync();
    const a = ws.zeros([37]); // 148 bytes
    await sync();
    const before = mem();
    a.dispose();
    expect(mem().pooledBytes).toBe(before.pooledBytes + 148);
    expect(mem().inUseBytes).toBe(before.inUseBytes - 148);
    const b = ws.zeros([37]);
    expect(mem().pooledBytes).toBe(before.pooledBytes);
    expect(mem().buffersCreated).toBe(before.buffersCreated);
    b.dispose();
  });

  it('peakBytes is the most in use at once since resetPeakMemory()', async () => {
    await sync();
    ws.resetPeakMemory();
    const base = mem().inUseBytes;
    expect(mem().peakBytes).toBe(base);
    const a = ws.zeros([1000]);
    await sync();
    a.dispose(); // after the submit, so the buffer leaves use at once
    expect(mem().peakBytes).toBe(base + 4000);
    const b = ws.zeros([500]);
    expect(mem().peakBytes).toBe(base + 4000); // 2000 bytes in use: below the peak
    const c = ws.zeros([750]);
    expect(mem().peakBytes).toBe(base + 5000); // 2000 + 3000
    ws.dispose([b, c]);
    await sync();
    expect(mem().inUseBytes).toBe(base);
  });

  it('after a sync, the pool has exactly the live tensors in use', async () => {
    const t = [ws.zeros([3]), ws.ones([2, 2]), ws.tensor(Int32Array.from([1]), [1], 'int32')];
    await sync();
    expect(mem().inUseBytes).toBe(mem().numBytes);
    ws.dispose(t);
  });
});

describe('dispose', () => {
  it('twice is safe and counts once', async () => {
    const before = mem();
    const a = ws.zeros([10]);
    const v = ws.reshape(a, [2, 5]);
    a.dispose();
    a.dispose();
    expect(mem().numTensors).toBe(before.numTensors + 1);
    expect(mem().numBytes).toBe(before.numBytes + 40);
    expect(Array.from(await v.data())).toEqual(new Array(10).fill(0)); // the view still reads
    v.dispose();
    v.dispose();
    ws.dispose([a, v]);
    expect(mem().numTensors).toBe(before.numTensors);
    expect(mem().numBytes).toBe(before.numBytes);
  });
});

describe('buffer reuse in a training-like loop', () => {
  const x = () => ws.randomNormal([2, 8, 8, 3], 0, 1, 1);
  const w = () => ws.randomNormal([2, 3, 4, 4], 0, 1, 2);
  /** A small forward/backward: pool, transpose, weight, sum; gradients for input and weight. */
  const step = (xv: ws.Tensor, wv: ws.Tensor): ws.Tensor =>
    ws.tidy(() => {
      const loss = (a: ws.Tensor, b: ws.Tensor) => ws.sum(ws.mul(ws.transpose(ws.maxPool(a, 2, 2, 'valid'), [0, 3, 1, 2]), b));
      const [gx, gw] = ws.grads(loss)([xv, wv]);
      return ws.add(ws.sum(gx), ws.sum(gw));
    });

  it('reading the loss every step: buffersCreated is flat after the first step, for 100 steps', async () => {
    const [xv, wv] = [x(), w()];
    const before = mem();
    const first = step(xv, wv);
    await first.data();
    first.dispose();
    const created = mem().buffersCreated;
    for (let i = 0; i < 100; i++) {
      const r = step(xv, wv);
      await r.data();
      r.dispose();
    }
    expect(mem().buffersCreated).toBe(created);
    expect(mem().numTensors).toBe(before.numTensors);
    expect(mem().numBytes).toBe(before.numBytes);
    ws.dispose([xv, wv]);
  });

  it('never reading back: freed buffers wait for the periodic submit, then the count stays flat', async () => {
    // Buffers freed between submits are parked until the backend submits (every 64 launches),
    // so the pool grows for a few steps. With L launches per step the pattern of steps against
    // submits repeats every 64 / gcd(L, 64) steps; after one such period it must be flat.
    const [xv, wv] = [x(), w()];
    const before = mem();
    const launches0 = ws.backend().dispatchCount;
    step(xv, wv).dispose();
    const perStep = ws.backend().dispatchCount - launches0;
    const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
    const period = 64 / gcd(perStep, 64);
    for (let i = 0; i < period; i++) step(xv, wv).dispose();
    const created = mem().buffersCreated;
    for (let i = 0; i < 100; i++) step(xv, wv).dispose();
    expect(mem().buffersCreated, `${perStep} launches per step, warm-up ${period} steps`).toBe(created);
    expect(mem().numTensors).toBe(before.numTensors);
    ws.dispose([xv, wv]);
    await sync();
    expect(mem().inUseBytes).toBe(mem().numBytes);
  });
});
