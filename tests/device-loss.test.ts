import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ws from '../src/index.js';
import { DeviceLostError } from '../src/index.js';

// Device loss in the middle of training: the device is destroyed under a running loop. The
// pending readback and the next engine call must reject with DeviceLostError naming the cause
// (never hang: every await here has a deadline); tensors from the old device must fail clearly
// on the new one; and training resumed on a new device from the last checkpoint must reach the
// same weights as a run that saved and loaded the same checkpoint without any loss.

const { Sequential, Conv2D, MaxPooling2D, Flatten, Dense, Adam, saveModel, loadModel } = ws.nn;
type Model = InstanceType<typeof Sequential>;
type AdamT = InstanceType<typeof Adam>;

const STEPS = 20;
const SAVE_EVERY = 5;
/** The step during which the device is destroyed: after the last save (10), before the next. */
const LOSE_AT = 12;
const DEADLINE_MS = 20_000;

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((d) => rm(d, { recursive: true, force: true })));
});

/** Rejects if `p` takes longer than the deadline: a hang fails the test instead of stalling it. */
function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${DEADLINE_MS} ms (hung)`)), DEADLINE_MS);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function makeModel(): Model {
  return new Sequential(
    [new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 4 })],
    { inputShape: [8, 8, 1], seed: 3 },
  );
}

/** Step k's batch and target, drawn from k alone, so any run can start at any step. */
function batchOf(step: number): { x: ws.Tensor; y: ws.Tensor } {
  const r = new ws.Random(1000 + step);
  const x = Float32Array.from({ length: 2 * 64 }, () => r.uniform(0, 1));
  const y = Float32Array.from({ length: 2 * 4 }, () => r.uniform(-1, 1));
  return { x: ws.tensor(x, [2, 8, 8, 1]), y: ws.tensor(y, [2, 4]) };
}

/** Encodes one training step; returns the loss tensor (not read yet). */
function step(model: Model, opt: AdamT, k: number): ws.Tensor {
  const { x, y } = batchOf(k);
  try {
    return opt.minimize(() => ws.mean(ws.squaredDifference(model.apply(x), y)), model.trainableWeights);
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** A checkpoint: the model (saveModel) plus the optimizer state and the step, in `dir`. */
async function saveCheckpoint(dir: string, model: Model, opt: AdamT, done: number): Promise<void> {
  await saveModel(model, dir);
  const s = await opt.getState();
  const moments = Object.fromEntries(Object.entries(s.moments).map(([k, { m, v }]) => [k, { m: Array.from(m), v: Array.from(v) }]));
  // JSON keeps every float32 exactly: a float32 is a double, printed so that it reads back equal.
  await writeFile(join(dir, 'train-state.json'), JSON.stringify({ step: done, optimizer: { ...s, moments } }));
}

async function loadCheckpoint(dir: string): Promise<{ model: Model; opt: AdamT; done: number }> {
  const model = await loadModel(dir);
  const state = JSON.parse(await readFile(join(dir, 'train-state.json'), 'utf8'));
  const opt = new Adam({ learningRate: 0.01 });
  opt.setState(state.optimizer);
  return { model, opt, done: state.step };
}

/** Trains steps from+1 .. to, reading each loss, saving every SAVE_EVERY steps into `dir`. */
async function train(model: Model, opt: AdamT, from: number, to: number, dir: string | null): Promise<number[]> {
  const losses: number[] = [];
  for (let k = from + 1; k <= to; k++) {
    const loss = step(model, opt, k);
    losses.push((await withDeadline(ws.assertFinite(loss, `loss at step ${k}`), `loss readback at step ${k}`))[0]);
    loss.dispose();
    if (dir && k % SAVE_EVERY === 0) await saveCheckpoint(dir, model, opt, k);
  }
  return losses;
}

async function newFolder(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ws-device-loss-'));
  folders.push(d);
  return d;
}

describe('device loss in the middle of training', () => {
  it('is reported, fails clearly on old tensors, and resumes from the last checkpoint to the same weights', { timeout: 180_000 }, async () => {
    const baseline = ws.memory();

    // Reference: save at steps 5 and 10, load the step-10 checkpoint (no loss), train to 20.
    const refDir = await newFolder();
    const refModel0 = makeModel();
    const refOpt0 = new Adam({ learningRate: 0.01 });
    const refHead = await train(refModel0, refOpt0, 0, 10, refDir);
    refOpt0.dispose();
    refModel0.dispose();
    const ref = await loadCheckpoint(refDir);
    expect(ref.done).toBe(10);
    const refTail = await train(ref.model, ref.opt, 10, STEPS, null);
    const refWeights = await ref.model.getWeights();
    ref.opt.dispose();
    ref.model.dispose();

    // The same run, with the device destroyed during step 12.
    const dir = await newFolder();
    const model = makeModel();
    const opt = new Adam({ learningRate: 0.01 });
    const head = await train(model, opt, 0, LOSE_AT - 1, dir);
    expect(head).toEqual([...refHead, ...refTail.slice(0, LOSE_AT - 1 - 10)]);
    const lossBeforeLoss = step(model, opt, LOSE_AT);
    const pending = lossBeforeLoss.data(); // a readback in flight...
    const old = ws.backend();
    old.device.destroy(); // ...when the device goes

    const e1 = await withDeadline(pending.then(() => null, (e: unknown) => e), 'the pending readback');
    expect(e1).toBeInstanceOf(DeviceLostError);
    expect((e1 as DeviceLostError).reason).toBe('destroyed');
    expect((e1 as Error).message).toMatch(/^the GPU device was lost: .*destroyed.*ready\(\{ fresh: true \}\)/);
    // The next engine call: a training step throws at once, naming the loss too.
    expect(() => step(model, opt, LOSE_AT)).toThrow(DeviceLostError);
    expect(() => ws.zeros([2])).toThrow(/the GPU device was lost: .*destroyed/);
    await expect(withDeadline(ws.backend().sync(), 'sync on the lost device')).rejects.toBeInstanceOf(DeviceLostError);

    // A new device. Tensors of the old one fail clearly, naming the tensor, and never reach it.
    const fresh = await ws.ready({ fresh: true });
    expect(fresh).not.toBe(old);
    const kernel = model.weights[0];
    const probe = ws.ones([2, 8, 8, 1]);
    expect(() => model.predict(probe)).toThrow(/tensor 'conv2d_1\/kernel' #\d+ \[3, 3, 1, 4\] float32 belongs to a GPU device that has since been replaced/);
    await expect(withDeadline(kernel.data(), 'reading an old tensor')).rejects.toThrow(/belongs to a GPU device that has since been replaced/);
    const one = ws.scalar(1);
    expect(() => ws.add(lossBeforeLoss, one)).toThrow(/belongs to a GPU device that has since been replaced/);
    one.dispose();
    // Freeing old tensors is allowed and leaves the new device's pool alone (their buffers died
    // with their device; before this fix they were put into the new pool and reused there).
    await fresh.sync();
    const poolBefore = ws.memory();
    lossBeforeLoss.dispose();
    opt.dispose();
    model.dispose();
    const poolAfter = ws.memory();
    expect([poolAfter.pooledBytes, poolAfter.inUseBytes]).toEqual([poolBefore.pooledBytes, poolBefore.inUseBytes]);
    probe.dispose();

    // Resume from the last checkpoint (step 10) on the new device.
    const resumed = await loadCheckpoint(dir);
    expect(resumed.done).toBe(10);
    const tail = await train(resumed.model, resumed.opt, resumed.done, STEPS, dir);
    // Same kernels, same inputs, same order on either device: bit-identical.
    expect(tail).toEqual(refTail);
    const weights = await resumed.model.getWeights();
    expect(weights.length).toBe(refWeights.length);
    weights.forEach((w, i) => expect(Array.from(w), `weight ${i}`).toEqual(Array.from(refWeights[i])));
    resumed.opt.dispose();
    resumed.model.dispose();
    expect(ws.memory().numTensors, 'every tensor, old device or new, freed').toBe(baseline.numTensors);
    expect(ws.memory().numBytes, 'and their bytes').toBe(baseline.numBytes);
  });

  it('a readback already waiting when the device goes rejects instead of hanging', { timeout: 60_000 }, async () => {
    const before = ws.memory();
    const b = ws.backend();
    const x = ws.randomNormal([64, 64], 0, 1, 7);
    const y = ws.matMul(x, x);
    const reads = [y.data(), y.data(), b.sync()];
    b.device.destroy();
    const settled = await withDeadline(Promise.allSettled(reads), 'three awaits on a destroyed device');
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(DeviceLostError);
    }
    await ws.ready({ fresh: true });
    ws.dispose([x, y]); // old tensors: freed without error
    const z = ws.ones([3]);
    expect(Array.from(await z.data())).toEqual([1, 1, 1]); // the new device works
    z.dispose();
    expect([ws.memory().numTensors, ws.memory().numBytes]).toEqual([before.numTensors, before.numBytes]);
  });
});

describe('memory() after a device is replaced', () => {
  it('counts only the current device: tensors left on the old one are not in the new pool', async () => {
    await ws.ready();
    const leftBehind = ws.zeros([1000]); // 4,000 bytes on the device about to be replaced
    await ws.ready({ fresh: true });
    const t = ws.ones([10]);
    await ws.backend().sync();
    const m = ws.memory();
    expect(m.numTensors).toBe(1);
    expect(m.numBytes).toBe(40);
    expect(m.inUseBytes).toBe(m.numBytes);
    t.dispose();
    leftBehind.dispose(); // freeing a tensor of a replaced device is safe and changes nothing here
    expect(ws.memory().numTensors).toBe(0);
  });
});
