/**
 * Online mining inside training: the GPU mask loss (toolkit/batch-mining.ts) against the
 * hand-worked distance matrix of tests/toolkit-mining.test.ts, against the CPU choice
 * (mineTriplets) and the gather path (minedTripletLoss) on random embeddings, loss and
 * gradients; then the Trainer's P×K mode: its batches and its first step's loss, recomputed on
 * the CPU from the same embeddings.
 */
import { describe, expect, it } from 'vitest';
import { batchMiningLoss } from '../src/siamese/toolkit/batch-mining.js';
import { minedTripletLoss, mineTriplets, sampleClassBatch, MINING_STRATEGIES } from '../src/siamese/toolkit/mining.js';
import { fromArray, type Tensor } from '../src/engine/tensor.js';
import { tidy } from '../src/engine/scope.js';
import { noGrad } from '../src/autograd/tape.js';
import { valueAndGrads } from '../src/autograd/gradients.js';
import { pairwiseDistances } from '../src/autograd/ops.js';
import { Random } from '../src/engine/random.js';
import { gatherImages, makeImageSet } from '../src/siamese/data/image-set.js';
import { Dense, Flatten, Sequential } from '../src/nn/index.js';
import { SiameseModel, TripletModel } from '../src/siamese/model.js';
import { Trainer } from '../src/siamese/trainer.js';
import { HAND_WORKED, sym } from './helpers/mining-matrix.js';

async function scalar(t: Tensor): Promise<number> {
  return (await t.data())[0];
}

/** CPU distances (float64) between the rows of a [B, D] embedding read back. */
function cpuDistances(e: ArrayLike<number>, b: number, dim: number, metric: 'euclidean' | 'cosine'): number[] {
  const out: number[] = [];
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      let s = 0, na = 0, nb = 0, dot = 0;
      for (let k = 0; k < dim; k++) {
        const x = e[i * dim + k], y = e[j * dim + k];
        s += (x - y) ** 2;
        na += x * x;
        nb += y * y;
        dot += x * y;
      }
      // The engine's floors: sqrt(max(s, 1e-7)); cosine over sqrt(max(|x|², 1e-7)).
      out.push(metric === 'euclidean' ? Math.sqrt(Math.max(s, 1e-7)) : 1 - dot / (Math.sqrt(Math.max(na, 1e-7)) * Math.sqrt(Math.max(nb, 1e-7))));
    }
  }
  return out;
}

/** Mean hinge over the triplets mineTriplets picks: the loss, computed in float64. */
function cpuLoss(d: number[], labels: number[], strategy: (typeof MINING_STRATEGIES)[number], margin: number): number {
  const b = labels.length;
  const t = mineTriplets(d, labels, strategy, margin);
  let s = 0;
  for (let i = 0; i < t.anchor.length; i++) s += Math.max(d[t.anchor[i] * b + t.positive[i]] - d[t.anchor[i] * b + t.negative[i]] + margin, 0);
  return t.anchor.length ? s / t.anchor.length : 0;
}

describe('batchMiningLoss on a hand-worked matrix', () => {
  // Labels 0 0 1 1, margin 0.5; d(0,1)=.5 d(0,2)=.3 d(0,3)=.95 d(1,2)=1.2 d(1,3)=.6 d(2,3)=.4.
  // Triplets per strategy are worked out in tests/toolkit-mining.test.ts; their hinges:
  //  batch-hard (0,1,2) .7, (1,0,3) .4, (2,3,0) .6, (3,2,1) .3      → mean 2.0 / 4 = .5
  //  batch-all  the same four and (0,1,3) .05                         → mean 2.05 / 5 = .41
  //  semi-hard  (0,1,3) .05, (1,0,3) .4, (3,2,1) .3                   → mean .75 / 3 = .25
  // Accuracy over the 8 valid triplets, d(a,p) < d(a,n): all but (0,1,2) and (2,3,0) → 6/8.
  const D = HAND_WORKED.distances;
  const want = { 'batch-hard': [0.5, 4], 'batch-all': [0.41, 5], 'semi-hard': [0.25, 3] } as const;
  for (const s of MINING_STRATEGIES) {
    it(`${s}: loss ${want[s][0]} over ${want[s][1]} triplets, accuracy 0.75`, async () => {
      const d = fromArray(Float32Array.from(D), [4, 4]);
      const r = batchMiningLoss(d, [0, 0, 1, 1], s, 0.5);
      expect(await scalar(r.loss)).toBeCloseTo(want[s][0], 6);
      expect(await scalar(r.mined)).toBe(want[s][1]);
      expect(await scalar(r.accuracy)).toBe(0.75);
      expect(r.validTriplets).toBe(8);
      for (const t of [d, r.loss, r.mined, r.accuracy]) t.dispose();
    });
  }
  it('semi-hard fallback: every negative nearer than the positive → the farthest negative', async () => {
    // Labels 0 0 1 2, margin .5, d(0,1)=1; anchor 0's negatives at .2 and .7 → (0,1,3), hinge .8;
    // anchor 1's negatives at .3 and .4, both < 1 → (1,0,3), hinge 1.1. Anchors 2, 3 have no
    // positive. Mean (.8 + 1.1) / 2 = .95.
    const d = fromArray(Float32Array.from(sym(4, { '0,1': 1, '0,2': 0.2, '0,3': 0.7, '1,2': 0.3, '1,3': 0.4, '2,3': 5 })), [4, 4]);
    const r = batchMiningLoss(d, [0, 0, 1, 2], 'semi-hard', 0.5);
    expect(await scalar(r.loss)).toBeCloseTo(0.95, 6);
    expect(await scalar(r.mined)).toBe(2);
    for (const t of [d, r.loss, r.mined, r.accuracy]) t.dispose();
  });
  it('errors name the problem', () => {
    const d = fromArray(new Float32Array(9), [3, 3]);
    expect(() => batchMiningLoss(d, [0, 0], 'batch-all')).toThrow(/a batch of 2 labels needs a \[2, 2\] distance matrix, got \[3, 3\]/);
    expect(() => batchMiningLoss(d, [0, 0, 0], 'batch-all')).toThrow(/no anchor of the batch has both a positive and a negative/);
    expect(() => batchMiningLoss(d, [0, 0, 1], 'hardest' as never)).toThrow(/strategy must be/);
    d.dispose();
  });
});

describe('batchMiningLoss = mineTriplets + minedTripletLoss on random embeddings', () => {
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
  const b = labels.length;
  const dim = 5;
  for (const metric of ['euclidean', 'cosine'] as const) {
    for (const s of MINING_STRATEGIES) {
      it(`${metric}, ${s}: same loss as the CPU choice, same gradient as the gather path`, async () => {
        const r = new Random(metric === 'euclidean' ? 11 : 12);
        const values = Float32Array.from({ length: b * dim }, () => r.next() * 2 - 1);
        const e = fromArray(values, [b, dim]);
        // Margin 0.3 on cosine distances (in [0, 2]) keeps all three strategies non-trivial.
        const margin = metric === 'euclidean' ? 1 : 0.3;
        const cpuD = cpuDistances(values, b, dim, metric);
        const ours = valueAndGrads((x) => batchMiningLoss(pairwiseDistances(x, x, metric), labels, s, margin).loss)([e]);
        // float32 GPU vs float64 CPU on 5-D points: 1e-5 absolute on a loss of order 1.
        expect(Math.abs((await scalar(ours.value)) - cpuLoss(cpuD, labels, s, margin))).toBeLessThan(1e-5);
        const chosen = mineTriplets(cpuD, labels, s, margin);
        expect(chosen.anchor.length).toBeGreaterThan(0);
        const ref = valueAndGrads((x) => minedTripletLoss(x, chosen, metric, margin)!)([e]);
        const [g1, g2] = [await ours.grads[0].data(), await ref.grads[0].data()];
        for (let i = 0; i < g1.length; i++) expect(Math.abs(g1[i] - g2[i]), `gradient ${i}`).toBeLessThan(1e-5);
        for (const t of [e, ours.value, ref.value, ...ours.grads, ...ref.grads]) t.dispose();
      });
    }
  }
});

describe('Trainer with online mining', () => {
  // 4 classes × 5 images of 4×4 pixels; a tiny base network keeps the test fast.
  const r = new Random(3);
  const set = makeImageSet({ images: Float32Array.from({ length: 20 * 16 }, () => r.next()), labels: Array.from({ length: 20 }, (_, i) => Math.floor(i / 5)), height: 4, width: 4, source: 'toy' });
  const base = () => new Sequential([new Flatten(), new Dense({ units: 6 })], { inputShape: [4, 4, 1], seed: 5, name: 'tiny' });
  const mining = { strategy: 'batch-hard' as const, classesPerBatch: 3, samplesPerClass: 2 };

  it('each batch holds P classes × K images; the first step loss is the CPU loss of that batch', async () => {
    const model = new TripletModel(base(), 'euclidean');
    const trainer = new Trainer(model, set, { mining, seed: 7, pairsPerEpoch: 13, readEvery: 1, margin: 1 });
    expect(trainer.batchSize).toBe(6);
    expect(trainer.batchesPerEpoch).toBe(3); // ceil(13 / 6)
    expect(trainer.epochSize).toBe(18);
    // The batches the trainer will draw: the same sampler with the same seed.
    const rng = new Random(7);
    const first = sampleClassBatch(set, 3, 2, rng);
    for (const batch of [first, sampleClassBatch(set, 3, 2, rng)]) {
      const perClass = new Map<number, Set<number>>();
      batch.indices.forEach((i, k) => {
        expect(set.labels[i]).toBe(batch.labels[k]);
        (perClass.get(batch.labels[k]) ?? perClass.set(batch.labels[k], new Set()).get(batch.labels[k])!).add(i);
      });
      expect(perClass.size).toBe(3);
      for (const idx of perClass.values()) expect(idx.size).toBe(2); // K distinct images
    }
    // Embeddings of the first batch with the initial weights, distances and loss on the CPU.
    const x = fromArray(gatherImages(set, first.indices), [6, 4, 4, 1]);
    const e = noGrad(() => tidy(() => model.embed(x)));
    const cpu = cpuLoss(cpuDistances(await e.data(), 6, 6, 'euclidean'), Array.from(first.labels), 'batch-hard', 1);
    x.dispose();
    e.dispose();
    const logs = await trainer.step();
    expect(logs.size).toBe(6);
    // The step's loss is read back lazily: settle() waits for it (loss·B / B of batch 0).
    const sample = (await trainer.settle())!;
    expect(sample.batch).toBe(0);
    expect(Math.abs(sample.loss - cpu)).toBeLessThan(1e-5);
    expect(sample.accuracy).toBeGreaterThanOrEqual(0);
    expect(sample.accuracy).toBeLessThanOrEqual(1);
    while (!(await trainer.step()).epochLogs);
    expect(trainer.history.loss).toHaveLength(1);
    expect(Number.isFinite(trainer.history.loss[0])).toBe(true);
    trainer.dispose();
    model.base.dispose();
  });

  it('bad settings: a Siamese model, a batch size that is not P·K, too few classes', () => {
    const siamese = new SiameseModel(base());
    expect(() => new Trainer(siamese, set, { mining })).toThrow(/needs a TripletModel/);
    siamese.base.dispose();
    const model = new TripletModel(base());
    expect(() => new Trainer(model, set, { mining, batchSize: 8 })).toThrow(/classesPerBatch × samplesPerClass = 6 images; batchSize 8 disagrees/);
    expect(() => new Trainer(model, set, { mining: { ...mining, classesPerBatch: 5 } })).toThrow(/5 classes with 2 images each are needed, toy has 4/);
    expect(() => new Trainer(model, set, { mining: { ...mining, samplesPerClass: 1 } })).toThrow(/samplesPerClass must be an integer >= 2/);
    model.base.dispose();
  });
});
