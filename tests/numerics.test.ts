import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { assertFinite, assertFiniteValues, findNonFinite, NumericsError } from '../src/index.js';
import { expectAllClose } from './helpers/allclose.js';
import { tfRef } from './helpers/reference.js';

// Numerical faults: assertFinite (what a trainer calls on the loss it reads back) and the debug
// checker (setDebugNumerics), which reads every op's output back and names the first op that
// made a NaN or an Inf, with the step and the input shapes.

const { Sequential, Dense, SGD } = ws.nn;

/** Runs `p` and returns what it rejected with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  expect.fail('expected a rejection');
}

let live = { numTensors: 0, numBytes: 0 };
beforeEach(() => {
  const m = ws.memory();
  live = { numTensors: m.numTensors, numBytes: m.numBytes };
});

afterEach(async () => {
  // Leave no debug state behind for the next test: switch off, then drain what is in flight.
  ws.setDebugNumerics(false);
  ws.setDebugStep(0);
  await ws.checkNumerics().catch(() => {});
  // A fault must not leak: every test frees what it made, also when an op threw.
  const m = ws.memory();
  expect({ numTensors: m.numTensors, numBytes: m.numBytes }, 'live tensors after the test').toEqual(live);
});

describe('assertFinite', () => {
  it('returns the values of a finite tensor (the largest float32 is finite)', async () => {
    const big = 3.4028234663852886e38;
    const t = ws.tensor([1, -2, big, -big], [2, 2]);
    expect(Array.from(await assertFinite(t, 'loss'))).toEqual([1, -2, big, -big]);
    t.dispose();
  });

  it('names what it checked, the bad value, where it is and how many there are', async () => {
    const t = ws.tensor([1, 2, NaN, 4, Infinity, 6], [2, 3]);
    const e = await rejection(assertFinite(t, 'loss at step 3'));
    expect(e).toBeInstanceOf(NumericsError);
    const n = e as NumericsError;
    expect([n.what, n.index, n.count]).toEqual(['loss at step 3', 2, 2]);
    expect(n.value).toBeNaN();
    expect(n.message).toContain('loss at step 3 is NaN at flat index 2 of [2, 3] (2 of 6 values are not finite)');
    expect(n.message).toContain('diverged');
    t.dispose();
  });

  it('catches +Inf and -Inf; int32 tensors always pass', async () => {
    const pos = ws.tensor([0, Infinity]);
    const neg = ws.tensor([-Infinity]);
    expect(((await rejection(assertFinite(pos, 'a'))) as NumericsError).value).toBe(Infinity);
    expect(((await rejection(assertFinite(neg, 'b'))) as NumericsError).value).toBe(-Infinity);
    const i = ws.tensor(Int32Array.from([1, -2147483648]), [2], 'int32');
    expect(Array.from(await assertFinite(i, 'indices'))).toEqual([1, -2147483648]);
    ws.dispose([pos, neg, i]);
  });

  it('works on values already read back (assertFiniteValues, findNonFinite)', () => {
    expect(findNonFinite([1, 2, 3])).toBeNull();
    expect(findNonFinite(Float32Array.from([0, -Infinity, NaN]))).toEqual({ index: 1, value: -Infinity, count: 2 });
    expect(() => assertFiniteValues([0.5], 'accuracy')).not.toThrow();
    expect(() => assertFiniteValues([NaN], 'loss at step 9')).toThrow(/^loss at step 9 is NaN; training has probably diverged/);
  });

  it('log outside its domain gives what tfjs gives (NaN below 0 and for NaN, -Inf at 0), so faults show', async () => {
    // WGSL leaves log(x <= 0) indeterminate; SwiftShader returned log|x| (0 for -1), which hid
    // the fault from every check. shaders/unary.wgsl now selects NaN and -Inf explicitly.
    const tf = await tfRef();
    const v = [-1, -0.5, 0, -0, NaN, Infinity, 1e-30, 2];
    const x = ws.tensor(v);
    const y = ws.log(x);
    const ref = tf.log(tf.tensor(v));
    // Finite values: one float32 log each, within 1 ulp of tfjs's (Math.log rounded): 1e-6 relative.
    expectAllClose(await y.data(), await ref.data(), { atol: 0, rtol: 1e-6, what: 'log' });
    ws.dispose([x, y]);
    ref.dispose();
  });

  it('says so when training diverges: SGD with lr 1.5 on sum(w^2) overflows at step 64, exactly', async () => {
    // w <- w - 1.5 * 2w = -2w, so at step k (before its update) w = (-2)^k and the loss w^2 = 4^k,
    // all exact in float32 (powers of two). 4^63 = 2^126 is finite; 4^64 = 2^128 overflows.
    const init = ws.tensor([1]);
    const w = ws.variable(init, true, 'w');
    init.dispose();
    const opt = new SGD({ learningRate: 1.5 });
    let failure: NumericsError | null = null;
    for (let step = 0; step < 100 && !failure; step++) {
      const loss = opt.minimize(() => ws.sum(ws.square(w)), [w]);
      try {
        const [v] = await assertFinite(loss, `loss at step ${step}`);
        expect(v, `loss at step ${step}`).toBe(4 ** step);
      } catch (e) {
        failure = e as NumericsError;
      } finally {
        loss.dispose();
      }
    }
    expect(failure).toBeInstanceOf(NumericsError);
    expect(failure!.what).toBe('loss at step 64');
    expect(failure!.value).toBe(Infinity);
    w.dispose();
  });
});

/** A two-layer network with set weights: dense (relu) 2 -> 3, dense 3 -> 2. */
function smallNet(k1: number[], k2: number[]) {
  const model = new Sequential([new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 2 })], { inputShape: [2], seed: 1 });
  model.setWeights([k1, [0, 0, 0], k2, [0, 0]]);
  return model;
}
const K1 = [1, 0, 1, 0, 1, -1]; // [2, 3], row-major
const K2 = [1, -1, 1, 0, 0, 1]; // [3, 2]
const X = [1, 2, 0.5, 0.25]; // [2, 2]

/** The same network on the CPU (float64 is exact here: small integers and quarters). */
function cpuForward(x: number[], k1: number[], k2: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 2; r++) {
    const h = [0, 1, 2].map((j) => Math.max(0, x[2 * r] * k1[j] + x[2 * r + 1] * k1[3 + j]));
    for (let j = 0; j < 2; j++) out.push(h[0] * k2[j] + h[1] * k2[2 + j] + h[2] * k2[4 + j]);
  }
  return out;
}

describe('debug numerics (setDebugNumerics)', () => {
  it('log of a negative number inside a network: names the op, the step and the input shapes', async () => {
    const y = cpuForward(X, K1, K2);
    const firstNegative = y.findIndex((v) => v < 0);
    expect(firstNegative, 'the chosen weights make one output negative').toBeGreaterThanOrEqual(0);
    expect(y.every((v) => v !== 0)).toBe(true); // log(0) would be -Inf, a different message

    const model = smallNet(K1, K2);
    const x = ws.tensor(X, [2, 2]);
    const opt = new SGD({ learningRate: 0.1 });
    ws.setDebugNumerics(true);
    ws.setDebugStep(7);
    // A whole training step: every op after log (mean, the backward pass) sees NaN too; the
    // report must still name log, the first.
    opt.minimize(() => ws.mean(ws.log(model.apply(x))), model.trainableWeights).dispose();
    const e = await rejection(ws.checkNumerics());
    expect(e).toBeInstanceOf(NumericsError);
    const site = (e as NumericsError).site!;
    expect(site.op).toBe('log');
    expect(site.backwardOf).toBeNull();
    expect(site.step).toBe(7);
    expect(site.inputShapes).toEqual([[2, 2]]);
    expect(site.input).toBeNull();
    expect((e as NumericsError).index).toBe(firstNegative);
    expect((e as NumericsError).value).toBeNaN();
    const negatives = y.filter((v) => v < 0).length;
    expect(e.message).toMatch(
      new RegExp(`op 'log' produced NaN at flat index ${firstNegative} of \\[2, 2\\] \\(${negatives} of 4 values\\) at step 7; its inputs \\(all finite\\): #\\d+ \\[2, 2\\] float32`),
    );
    // Reported once: the NaNs that followed from it are not news.
    await expect(ws.checkNumerics()).resolves.toBeUndefined();
    ws.setDebugNumerics(false);
    model.dispose();
    x.dispose();
  });

  it('a NaN injected through a weight is named as that weight, input of the op that reads it', async () => {
    const bad = [...K2];
    bad[3] = NaN;
    const model = smallNet(K1, bad);
    const x = ws.tensor(X, [2, 2]);
    ws.setDebugNumerics(true);
    ws.setDebugStep(3);
    const y = model.predict(x);
    const e = (await rejection(ws.checkNumerics())) as NumericsError;
    expect(e).toBeInstanceOf(NumericsError);
    expect(e.site!.op).toBe('fusedMatMul');
    expect(e.site!.input).toBe(1);
    expect(e.site!.step).toBe(3);
    expect(e.site!.inputShapes).toEqual([[2, 3], [3, 2], [2]]);
    expect(e.index).toBe(3);
    expect(e.message).toContain("input 1 of op 'fusedMatMul' holds NaN at flat index 3 of [3, 2] at step 3");
    expect(e.message).toContain("'dense_2/kernel'");
    ws.setDebugNumerics(false);
    ws.dispose([y, x]);
    model.dispose();
  });

  it('a fault in the backward pass names the op and the rule that called it (sqrt at 0)', async () => {
    // d sqrt(x)/dx = dy / (2 sqrt(x)): 1 / 0 = Inf at x = 0, while the forward value 0 is finite.
    const x = ws.tensor([0, 4]);
    ws.setDebugNumerics(true);
    const g = ws.grad((v: ws.Tensor) => ws.sum(ws.sqrt(v)))(x);
    const e = (await rejection(ws.checkNumerics())) as NumericsError;
    expect(e.site!.op).toBe('div');
    expect(e.site!.backwardOf).toBe('sqrt');
    expect([e.value, e.index]).toEqual([Infinity, 0]);
    expect(e.message).toContain("op 'div' in the backward pass of 'sqrt' produced Infinity at flat index 0 of [2]");
    ws.setDebugNumerics(false);
    ws.dispose([g, x]);
  });

  it('stops: once the fault is known, the next op throws it, even without checkNumerics()', async () => {
    ws.setDebugNumerics(true);
    const a = ws.tensor([-1, 2]);
    const y = ws.log(a);
    const z = ws.add(y, y); // NaN too: a consequence, reported neither before nor after log's
    const ok = ws.tensor([1, 2]);
    let thrown: Error | null = null;
    const made: ws.Tensor[] = [];
    // The checks are readbacks in flight: wait for them with ordinary readbacks, then try an op.
    for (let i = 0; i < 50 && !thrown; i++) {
      await ok.data();
      try {
        made.push(ws.neg(ok));
      } catch (e) {
        thrown = e as Error;
      }
    }
    expect(thrown).toBeInstanceOf(NumericsError);
    expect((thrown as NumericsError).site!.op).toBe('log');
    await expect(ws.checkNumerics()).resolves.toBeUndefined();
    ws.setDebugNumerics(false);
    ws.dispose([a, y, z, ok, made]);
  });

  it('costs nothing when off: NaN passes silently and no readback is issued', async () => {
    await ws.backend().sync();
    const submits = ws.backend().submitCount;
    const a = ws.tensor([-1, 2]);
    const l = ws.log(a);
    const y = ws.add(l, l);
    expect(ws.backend().submitCount).toBe(submits); // 2 launches, no readback: nothing submitted
    await expect(ws.checkNumerics()).resolves.toBeUndefined();
    expect((await y.data())[0]).toBeNaN();
    ws.dispose([a, l, y]);
  });

  it('changes no value: three SGD steps give bit-identical weights with and without it', async () => {
    const run = async (debug: boolean) => {
      const model = smallNet(K1, K2);
      const x = ws.tensor(X, [2, 2]);
      const opt = new SGD({ learningRate: 0.05 });
      ws.setDebugNumerics(debug);
      for (let step = 0; step < 3; step++) {
        ws.setDebugStep(step);
        opt.minimize(() => ws.mean(ws.square(model.apply(x))), model.trainableWeights).dispose();
        await ws.checkNumerics(); // finite all along: resolves
      }
      ws.setDebugNumerics(false);
      const w = await model.getWeights();
      model.dispose();
      x.dispose();
      return w;
    };
    const plain = await run(false);
    const checked = await run(true);
    expect(checked).toEqual(plain);
    expect(plain[0]).not.toEqual(Float32Array.from(K1)); // the steps did move the weights
  });
});
