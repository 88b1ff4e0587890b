import { describe, it, expect } from 'vitest';
import * as ws from '../src/index.js';
import type { KernelRecord } from '../src/index.js';

// Launches past maxComputeWorkgroupsPerDimension (65,535 workgroups; 65,535 * 64 = 4,194,240
// invocations at 64 per workgroup) must be folded into a 2-D grid. Each case runs a kernel on
// more than that many elements, checks every value against a plain JavaScript computation (never
// against our own kernels), and reads the profiler's record of the launch to prove that it really
// was folded (y > 1). All values are small integers or halves, exactly representable in float32,
// so the comparisons are exact.

const LIMIT = 65_535 * 64;
const N = LIMIT + 5_000; // one launch of 65,614 workgroups

/** Runs `fn` under the profiler and returns its result with the launches it made. */
async function profiled<T>(fn: () => T): Promise<{ out: T; launches: KernelRecord[] }> {
  ws.backend().startProfile();
  const out = fn();
  return { out, launches: await ws.backend().stopProfile() };
}

function expectFolded(launches: KernelRecord[], name: string): void {
  const l = launches.filter((r) => r.name === name);
  expect(l.length, `launches of ${name}`).toBeGreaterThan(0);
  for (const r of l) {
    const [x, y] = r.workgroups;
    expect(x, `${name} grid x`).toBeLessThanOrEqual(65_535);
    expect(y, `${name} grid y (folded)`).toBeGreaterThan(1);
    expect(x * y * 64, `${name} covers its elements`).toBeGreaterThanOrEqual(LIMIT);
  }
}

/** The first index where two arrays differ, or -1 (a readable failure on millions of values). */
function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return i;
  return -1;
}

async function expectEqualValues(t: ws.Tensor, expected: Float32Array, what: string): Promise<void> {
  const got = await t.data();
  const i = firstMismatch(got, expected);
  expect(i, `${what}: first mismatch at ${i}: got ${got[i]}, expected ${expected[i]}`).toBe(-1);
}

describe(`launches past ${LIMIT} invocations are folded into a 2-D grid`, () => {
  it(`elementwise: add and broadcast mul on ${N} elements`, async () => {
    const a = Float32Array.from({ length: N }, (_, i) => i % 1013);
    const b = Float32Array.from({ length: N }, (_, i) => (i % 997) * 0.5);
    const ta = ws.tensor(a, [N]);
    const tb = ws.tensor(b, [N]);
    const { out, launches } = await profiled(() => [ws.add(ta, tb), ws.mul(ta, ws.scalar(2))]);
    const [sum, twice] = out;
    expectFolded(launches, 'binary.main');
    await expectEqualValues(sum, a.map((v, i) => v + b[i]), 'add');
    await expectEqualValues(twice, a.map((v) => 2 * v), 'mul');
    ws.dispose([ta, tb, sum, twice]);
  });

  it(`reduce: sum over the last axis of [${N}, 2]`, async () => {
    const x = Float32Array.from({ length: 2 * N }, (_, i) => ((i >> 1) % 1000) + (i & 1) * 0.25);
    const tx = ws.tensor(x, [N, 2]);
    const { out, launches } = await profiled(() => ws.sum(tx, 1));
    expectFolded(launches, 'reduce.main');
    await expectEqualValues(out, Float32Array.from({ length: N }, (_, i) => x[2 * i] + x[2 * i + 1]), 'sum');
    ws.dispose([tx, out]);
  });

  it(`max-pool forward and backward on [1, 1, ${N}, 1], 1x2 windows overlapping (stride 1)`, async () => {
    // Each invocation takes 4 channels of one position, so a launch over one channel is one
    // invocation per position: N + 1 inputs and N outputs fold both launches. With stride 1
    // every interior input sits in two windows (the per-element `backward` entry point).
    const W = N + 1;
    const x = Float32Array.from({ length: W }, (_, i) => (i * 7919) % 10007);
    const dy = Float32Array.from({ length: N }, (_, i) => (i % 101) - 50);
    const tx = ws.tensor(x, [1, 1, W, 1]);
    const tdy = ws.tensor(dy, [1, 1, N, 1]);
    const f = (v: ws.Tensor) => ws.maxPool(v, [1, 2], [1, 1], 'valid');
    const { out, launches } = await profiled(() => ({ y: f(tx), dx: ws.grad(f)(tx, tdy) }));
    expectFolded(launches, 'maxpool2d.forward');
    expectFolded(launches, 'maxpool2d.backward');
    // CPU: window w covers columns w and w + 1; the first wins ties (strict >).
    const y = new Float32Array(N);
    const dx = new Float32Array(W);
    for (let w = 0; w < N; w++) {
      const win = x[w + 1] > x[w] ? w + 1 : w;
      y[w] = x[win];
      dx[win] += dy[w];
    }
    await expectEqualValues(out.y, y, 'maxPool forward');
    await expectEqualValues(out.dx, dx, 'maxPool backward');
    ws.dispose([tx, tdy, out.y, out.dx]);
  });

  it(`max-pool backward by cells on [1, ${N}, 1, 1], 1x1 windows (stride >= filter)`, async () => {
    // Windows that cannot overlap take the `backward_cells` entry point, one invocation per
    // cell; a 1x1 window is its whole cell, so N cells fold the launch and dx = dy.
    const dy = Float32Array.from({ length: N }, (_, i) => (i % 103) - 51);
    const tx = ws.tensor(Float32Array.from({ length: N }, (_, i) => i % 17), [1, N, 1, 1]);
    const tdy = ws.tensor(dy, [1, N, 1, 1]);
    const { out, launches } = await profiled(() => ws.grad((v: ws.Tensor) => ws.maxPool(v, 1, 1, 'valid'))(tx, tdy));
    expectFolded(launches, 'maxpool2d.backward_cells');
    await expectEqualValues(out, dy, 'maxPool backward');
    ws.dispose([tx, tdy, out]);
  });

  it('strided copy: transpose of [2100, 2100]', async () => {
    const n = 2100;
    const x = Float32Array.from({ length: n * n }, (_, i) => i);
    const tx = ws.tensor(x, [n, n]);
    const { out, launches } = await profiled(() => ws.transpose(tx));
    expectFolded(launches, 'strided_copy.main');
    const expected = new Float32Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expected[r * n + c] = x[c * n + r];
    await expectEqualValues(out, expected, 'transpose');
    ws.dispose([tx, out]);
  });

  it('gather and its scatter-add gradient, [2, K] rows taken as [1, 0] and back', async () => {
    const K = LIMIT / 2 + 2_500; // output [2, K] and gradient [2, K] both fold
    const x = Float32Array.from({ length: 2 * K }, (_, i) => i % 4099);
    const idx = [1, 0];
    const dy = Float32Array.from({ length: 2 * K }, (_, i) => Math.floor(i / K) + 1 + ((i % K) % 7));
    const tx = ws.tensor(x, [2, K]);
    const tdy = ws.tensor(dy, [2, K]);
    const f = (v: ws.Tensor) => ws.gather(v, idx);
    const { out, launches } = await profiled(() => ({ y: f(tx), dx: ws.grad(f)(tx, tdy) }));
    expectFolded(launches, 'gather.gather');
    expectFolded(launches, 'gather.gather_grad');
    const y = new Float32Array(2 * K);
    const dx = new Float32Array(2 * K);
    idx.forEach((r, j) => {
      for (let k = 0; k < K; k++) {
        y[j * K + k] = x[r * K + k];
        dx[r * K + k] += dy[j * K + k];
      }
    });
    await expectEqualValues(out.y, y, 'gather');
    await expectEqualValues(out.dx, dx, 'gather gradient');
    ws.dispose([tx, tdy, out.y, out.dx]);
  });
});

describe('a tensor larger than one storage binding', () => {
  it('gives a clear error before anything reaches the GPU, and the device keeps working', async () => {
    const l = ws.backend().device.limits;
    const max = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
    const tooMany = Math.floor(max / 4) + 1; // one float32 past the limit
    const before = ws.memory();
    expect(() => ws.zeros([tooMany])).toThrow(/exceeds this adapter's largest storage binding/);
    // An op whose output would be too big fails the same way (pad allocates its output first).
    const small = ws.tensor([1, 2, 3]);
    expect(() => ws.pad(small, [[0, tooMany]])).toThrow(/a tensor of \d+ bytes exceeds/);
    expect(ws.memory().numTensors, 'nothing leaked by the failed calls').toBe(before.numTensors + 1);
    // No GPU validation error is pending: the next readback would throw it.
    expect(Array.from(await ws.add(small, 1).data())).toEqual([2, 3, 4]);
    small.dispose();
  });
});
