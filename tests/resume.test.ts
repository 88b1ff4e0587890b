/**
 * Checkpoints and resume, in process: a Trainer stopped after K steps, its state put through
 * the on-disk encoding and restored into a new Trainer over a new model (other layer names),
 * must continue exactly as a run that never stopped: the same samples, history and weights, bit
 * for bit. Also the state encoding's refusals, and finding a checkpoint after a killed save.
 * The command-line side (kill -9, Ctrl-C, corrupt files) is in resume-cli.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adam, Conv2D, Dense, Flatten, MaxPooling2D, Sequential } from '../src/nn/index.js';
import { Random } from '../src/engine/random.js';
import { makeImageSet, type ImageSet } from '../src/siamese/data/image-set.js';
import { SiameseModel, TripletModel } from '../src/siamese/model.js';
import { Trainer, type TrainerOptions } from '../src/siamese/trainer.js';
import { decodeTrainerState, encodeTrainerState, type TrainerState } from '../src/siamese/training-state.js';
import { findTrainingCheckpoint, readTrainingCheckpoint, saveTrainingCheckpoint } from '../src/siamese/node-training-checkpoint.js';

/** 4 classes × 8 images of 10×10: a class-dependent blob plus seeded noise. */
function images(seed: number, perClass: number): ImageSet {
  const r = new Random(seed);
  const px: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < perClass; i++) {
      for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) px.push((Math.abs(x - 2 * c - 2) + Math.abs(y - 5) < 3 ? 0.8 : 0) + 0.3 * r.next());
      labels.push(c);
    }
  }
  return makeImageSet({ images: Float32Array.from(px), labels, height: 10, width: 10, source: `synthetic ${seed}` });
}

let train: ImageSet;
let test: ImageSet;

beforeAll(() => {
  train = images(1, 8);
  test = images(2, 3);
});

type Kind = 'balanced' | 'seed' | 'triplet' | 'mining';

/** A fresh model (new layers, so new layer names) holding `weights` if given. */
function makeTrainer(kind: Kind, weights?: Float32Array[]): { trainer: Trainer; base: Sequential; opt: Adam } {
  const base = new Sequential(
    [new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 8 })],
    { inputShape: [10, 10, 1], seed: 7 },
  );
  if (weights) base.setWeights(weights);
  const triplet = kind === 'triplet' || kind === 'mining';
  const model = triplet ? new TripletModel(base) : new SiameseModel(base);
  const opt = new Adam({ learningRate: 0.01 });
  const options: TrainerOptions = {
    optimizer: opt,
    batchSize: kind === 'mining' ? undefined : 8,
    pairsPerEpoch: 20, // 3 batches (8, 8, 4): the last one short
    readEvery: 2,
    seed: 11,
    validation: { set: test },
    ...(kind === 'seed' ? { sampler: 'seed' as const } : {}),
    ...(kind === 'mining' ? { mining: { strategy: 'batch-hard' as const, classesPerBatch: 2, samplesPerClass: 2 } } : {}),
  };
  return { trainer: new Trainer(model, train, options), base, opt };
}

interface Outcome {
  samples: Trainer['samples'];
  history: Trainer['history'];
  weights: number[][];
  iterations: number;
}

async function finish(trainer: Trainer, base: Sequential, opt: Adam, steps: number): Promise<Outcome> {
  for (let i = 0; i < steps; i++) await trainer.step();
  await trainer.settle();
  const out = { samples: trainer.samples.map((s) => ({ ...s })), history: structuredClone(trainer.history), weights: (await base.getWeights()).map((w) => Array.from(w)), iterations: opt.iterations };
  trainer.dispose();
  opt.dispose();
  base.dispose();
  return out;
}

/** The state after its trip through the checkpoint encoding. */
function roundTrip(s: TrainerState): TrainerState {
  const { head, bytes } = encodeTrainerState(s, { note: 'x' });
  const back = decodeTrainerState(JSON.parse(JSON.stringify(head)), bytes.slice());
  expect(back.run).toEqual({ note: 'x' });
  expect(back.state).toEqual(s);
  return back.state;
}

const TOTAL = 7; // epochs of 3 steps: crosses two epoch ends and stops mid-epoch

describe('Trainer.state / restore', () => {
  const cases: [Kind, number[]][] = [
    ['balanced', [1, 2, 3, 5]], // before any readback; a readback in flight; at an epoch's end; mid-epoch
    ['seed', [3]],
    ['triplet', [2]],
    ['mining', [4]],
  ];
  for (const [kind, stops] of cases) {
    it(`${kind}: stopped after ${stops.join(' / ')} steps and restored, it continues bit for bit`, async () => {
      const straight = makeTrainer(kind);
      const total = kind === 'seed' ? 5 : TOTAL; // the seed sampler's epoch is 2 batches here
      const want = await finish(straight.trainer, straight.base, straight.opt, total);
      expect(want.history.loss.length).toBeGreaterThanOrEqual(1);
      expect(want.samples.length).toBeGreaterThanOrEqual(3);

      for (const k of stops) {
        const first = makeTrainer(kind);
        for (let i = 0; i < k; i++) await first.trainer.step();
        const state = roundTrip(await first.trainer.state());
        const weights = await first.base.getWeights();
        first.trainer.dispose();
        first.opt.dispose();
        first.base.dispose();

        const second = makeTrainer(kind, weights);
        second.trainer.restore(state);
        expect(second.trainer.steps).toBe(k);
        const got = await finish(second.trainer, second.base, second.opt, total - k);
        expect(got.samples, `stopped after ${k}`).toEqual(want.samples);
        expect(got.history, `stopped after ${k}`).toEqual(want.history);
        expect(got.iterations).toBe(want.iterations);
        expect(got.weights, `stopped after ${k}`).toEqual(want.weights);
      }
    });
  }

  it('restore refuses a trainer with other settings or after a step, naming them', async () => {
    const a = makeTrainer('balanced');
    await a.trainer.step();
    const state = await a.trainer.state();
    expect(() => a.trainer.restore(state)).toThrow('Trainer.restore: call it on a new trainer, before its first step');
    a.trainer.dispose();
    a.opt.dispose();
    a.base.dispose();
    const b = makeTrainer('triplet');
    expect(() => b.trainer.restore(state)).toThrow('Trainer.restore: the state was saved with kind "contrastive", this trainer has "triplet"');
    b.trainer.dispose();
    b.opt.dispose();
    b.base.dispose();
    const shortMoments = structuredClone(state);
    const first = state.weightNames[0];
    shortMoments.optimizer.moments[first] = { m: new Float32Array(3), v: new Float32Array(3) };
    const c = makeTrainer('balanced');
    expect(() => c.trainer.restore(shortMoments)).toThrow(/optimizer moments of '.*' hold 3 values, but weight 0 '.*' \[3, 3, 1, 4\] has 36/);
    c.trainer.dispose();
    c.opt.dispose();
    c.base.dispose();
  });
});

describe('decodeTrainerState refuses damaged states, naming the file and the problem', () => {
  let head: ReturnType<typeof encodeTrainerState>['head'];
  let bytes: Uint8Array;
  beforeAll(async () => {
    const t = makeTrainer('balanced');
    for (let i = 0; i < 2; i++) await t.trainer.step();
    ({ head, bytes } = encodeTrainerState(await t.trainer.state()));
    t.trainer.dispose();
    t.opt.dispose();
    t.base.dispose();
  });
  const names = { head: 'ck/training.json', bytes: 'ck/training.bin' };
  const edit = (f: (h: Record<string, any>) => void) => {
    const h = JSON.parse(JSON.stringify(head));
    f(h);
    return h;
  };

  it('a foreign file, an unknown version, a malformed field', () => {
    expect(() => decodeTrainerState({ format: 'webgpu-siamese/sequential' }, bytes, names)).toThrow('ck/training.json: not a webgpu-siamese training state (format "webgpu-siamese/sequential", expected "webgpu-siamese/trainer-state")');
    expect(() => decodeTrainerState(edit((h) => (h.formatVersion = 9)), bytes, names)).toThrow('ck/training.json: format version 9 is not supported (expected 1)');
    expect(() => decodeTrainerState(edit((h) => (h.rng = [1, 2])), bytes, names)).toThrow('ck/training.json: "rng" must be 4 unsigned 32-bit integers, got [1,2]');
    expect(() => decodeTrainerState([1], bytes, names)).toThrow('ck/training.json: expected a JSON object, got an array');
  });

  it('a truncated, padded or corrupt blob', () => {
    expect(() => decodeTrainerState(head, bytes.subarray(0, 100), names)).toThrow(`ck/training.bin holds 100 bytes but ck/training.json expects ${bytes.length}: the file is truncated`);
    expect(() => decodeTrainerState(head, new Uint8Array([...bytes, 0, 0, 0, 0]), names)).toThrow(/holds \d+ bytes but .* expects \d+: the file is too long/);
    const flipped = bytes.slice();
    flipped[40] ^= 1;
    expect(() => decodeTrainerState(head, flipped, names)).toThrow(/ck\/training.bin does not match ck\/training.json \(CRC-32 0x[0-9a-f]{8}, expected 0x[0-9a-f]{8}\): the file is corrupt/);
  });

  it('missing optimizer moments or epoch pairs, a position outside the epoch', () => {
    expect(() => decodeTrainerState(edit((h) => (h.optimizer.moments = h.optimizer.moments.slice(1))), bytes, names)).toThrow(/ck\/training.json: the optimizer has taken 2 steps but holds no moments for '.*kernel'/);
    // The epoch's pairs listed as something else: the epoch has no pairs.
    expect(() => decodeTrainerState(edit((h) => h.blob.arrays.forEach((a: { name: string }) => (a.name = a.name.replace(/^pairs\//, 'other/')))), bytes, names)).toThrow("ck/training.json: the current epoch's pairs are missing from ck/training.bin");
    expect(() => decodeTrainerState(edit((h) => (h.position.batch = 3)), bytes, names)).toThrow('ck/training.json: position (batch 3, 16 examples done) does not fit an epoch of 20 examples in batches of 8');
  });
});

describe('finding a checkpoint after a killed save', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'siamese-resume-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes checkpoint/, else a complete .checkpoint.new/ or .checkpoint.old/; the next save finishes the swap', async () => {
    const t = makeTrainer('balanced');
    await t.trainer.step();
    const state = await t.trainer.state();
    const run = join(dir, 'run');
    const ck = join(run, 'checkpoint');
    const save = () => saveTrainingCheckpoint(ck, t.trainer.model, state, { head: { margin: 1, threshold: 0.5 }, run: { flags: {} } });
    await save();
    expect(findTrainingCheckpoint(run)).toEqual({ dir: ck, checkpointDir: ck, runDir: run });
    expect(findTrainingCheckpoint(ck)).toEqual({ dir: ck, checkpointDir: ck, runDir: run });
    expect(readTrainingCheckpoint(ck).state).toEqual(state);

    // Killed while writing the new one: a partial .checkpoint.new beside the whole checkpoint/.
    mkdirSync(join(run, '.checkpoint.new'));
    expect(findTrainingCheckpoint(run).dir).toBe(ck);
    // Killed between the two renames: checkpoint/ gone, the new one complete.
    rmSync(join(run, '.checkpoint.new'), { recursive: true });
    cpSync(ck, join(run, '.checkpoint.old'), { recursive: true });
    renameSync(ck, join(run, '.checkpoint.new'));
    expect(findTrainingCheckpoint(run)).toEqual({ dir: join(run, '.checkpoint.new'), checkpointDir: ck, runDir: run });
    expect(findTrainingCheckpoint(ck).dir).toBe(join(run, '.checkpoint.new'));
    // Only the old one left whole.
    unlinkSync(join(run, '.checkpoint.new', 'siamese.json'));
    expect(findTrainingCheckpoint(run).dir).toBe(join(run, '.checkpoint.old'));
    await save();
    expect(findTrainingCheckpoint(run).dir).toBe(ck);

    expect(() => findTrainingCheckpoint(join(dir, 'nowhere'))).toThrow(/--resume .*nowhere: no such folder/);
    unlinkSync(join(ck, 'training.json'));
    expect(() => findTrainingCheckpoint(run)).toThrow(/holds a model but no training state \(training.json\)/);
    t.trainer.dispose();
    t.opt.dispose();
    t.base.dispose();
  });
});
