import { describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { Random } from '../src/engine/random.js';
import { expectAllClose } from './helpers/allclose.js';
import { contrastiveLoss } from '../src/siamese/losses.js';
import { pairDistance } from '../src/siamese/distance.js';
import { seedNetwork, SiameseModel, TripletModel } from '../src/siamese/model.js';
import { makeImageSet, splitPerClass, subset, indicesByClass } from '../src/siamese/data/image-set.js';
import { loadBundledDigits } from '../src/siamese/data/node-loaders.js';
import { fit } from '../src/siamese/fit.js';
import { Trainer } from '../src/siamese/trainer.js';
import { Dense, Flatten, Sequential } from '../src/nn/index.js';
import { pairBatch } from '../src/siamese/evaluate.js';
import { balancedPairs } from '../src/siamese/pairs.js';

describe('Siamese model', () => {
  it('shares one parameter set between the branches, and their gradients add up', async () => {
    const base = seedNetwork({ seed: 11 });
    const model = new SiameseModel(base);
    expect(model.trainableWeights).toHaveLength(8);
    model.trainableWeights.forEach((w, i) => expect(w).toBe(base.trainableWeights[i]));
    expect(base.countParams()).toBe(232000);

    // The same computation with the right branch through a separate COPY of the weights:
    // the shared model's gradient must be the left copy's plus the right copy's.
    const copy = seedNetwork({ seed: 99 });
    copy.setWeights(await base.getWeights());
    const rng = new Random(4);
    const left = ws.tensor(Float32Array.from({ length: 3 * 784 }, () => rng.next()), [3, 28, 28, 1]);
    const right = ws.tensor(Float32Array.from({ length: 3 * 784 }, () => rng.next()), [3, 28, 28, 1]);
    const y = ws.tensor([1, 0, 1]);
    const shared = ws.variableGrads(() => contrastiveLoss(model.apply(left, right), y), model.trainableWeights);
    // The copy's layers carry the same names as the base's, so take gradients by position.
    const vars = [...base.trainableWeights, ...copy.trainableWeights];
    const splitLoss = () => contrastiveLoss(pairDistance(base.apply(left), copy.apply(right), 'euclidean'), y);
    const splitGrads = ws.grads(splitLoss)(vars);
    expectAllClose(await shared.value.data(), await splitLoss().data(), { atol: 1e-6, rtol: 1e-5, what: 'loss' });
    for (let i = 0; i < 8; i++) {
      const name = base.trainableWeights[i].name!;
      const sum = await ws.add(splitGrads[i], splitGrads[8 + i]).data();
      const g = await shared.grads[name].data();
      // Same sums in another order (two branches vs one stacked batch): float32 rounding of
      // gradients whose largest terms are ~1e-2; 1e-6 absolute leaves a margin of ~10×.
      expectAllClose(g, sum, { atol: 1e-6, rtol: 1e-4, what: `gradient of ${name}` });
      // And both branches really contribute: neither copy's gradient alone is the total.
      const gl = await splitGrads[i].data();
      expect(gl.some((v, k) => Math.abs(v - g[k]) > 1e-5)).toBe(true);
    }
    base.dispose();
    copy.dispose();
  });

  it('the triplet network embeds anchors, positives and negatives with one base', async () => {
    const base = seedNetwork({ seed: 2, inputShape: [12, 12, 1], embeddingSize: 8 });
    const model = new TripletModel(base, 'cosine');
    const set = makeImageSet({ images: Float32Array.from({ length: 6 * 144 }, (_, i) => (i % 17) / 17), labels: [0, 0, 1, 1, 2, 2], height: 12, width: 12, source: 't' });
    const x = pairBatch(set, { left: Int32Array.from([0, 2]), right: Int32Array.from([1, 3]), labels: Float32Array.from([1, 1]) }, 0, 2);
    const d = await model.pairDistances(x).data();
    // Same check done by hand: embed each image separately and compare.
    const e = await base.predict(ws.tensor(set.images, [6, 12, 12, 1])).data();
    const cos = (i: number, j: number) => {
      let ab = 0, aa = 0, bb = 0;
      for (let k = 0; k < 8; k++) {
        ab += e[i * 8 + k] * e[j * 8 + k];
        aa += e[i * 8 + k] ** 2;
        bb += e[j * 8 + k] ** 2;
      }
      return 1 - ab / Math.sqrt(aa * bb);
    };
    expectAllClose(d, [cos(0, 1), cos(2, 3)], { atol: 1e-5, rtol: 1e-4 });
    expect(() => model.applyStacked(x)).toThrow(/TripletModel: expected \[3·batch, 12, 12, 1\]/);
    base.dispose();
  });
});

describe('fit', () => {
  it('decreases the loss on a small subset and returns a Keras-like history', async () => {
    const all = loadBundledDigits();
    const { train, test } = splitPerClass(all, { seed: 1 });
    // 30 images per class to train on, 10 per class to validate on.
    const pick = (s: typeof train, k: number) => subset(s, indicesByClass(s).flatMap((idx) => Array.from(idx.subarray(0, k))));
    const small = pick(train, 30);
    const val = pick(test, 10);
    // A small dense base keeps this test quick on a software GPU; fit does not care which
    // network it trains (the seed network trains in the parity and CLI tests).
    const base = new Sequential([new Flatten(), new Dense({ units: 64, activation: 'relu' }), new Dense({ units: 16 })], { inputShape: [28, 28, 1], seed: 5 });
    const model = new SiameseModel(base);
    const seen: number[] = [];
    const batches: number[] = [];
    const live: number[] = [];
    const history = await fit(model, small, {
      epochs: 4,
      batchSize: 32,
      pairsPerEpoch: 256,
      seed: 3,
      readEvery: 4,
      validation: { set: val, pairs: balancedPairs(val, 128, new Random(8)) },
      onBatchEnd: (b) => {
        batches.push(b.batch);
      },
      onEpochEnd: (e) => {
        seen.push(e.epoch);
        live.push(ws.memory().numTensors);
      },
    });
    // No leak: after the first epoch (which creates Adam's moments) the live tensor count is flat.
    expect(live[1]).toBe(live[0]);
    expect(live[3]).toBe(live[0]);
    expect(Object.keys(history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(batches).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
      expect(history[k]).toHaveLength(4);
      expect(history[k].every(Number.isFinite)).toBe(true);
    }
    expect(history.loss[3]).toBeLessThan(history.loss[0] * 0.9);
    expect(history.val_loss[3]).toBeLessThan(history.val_loss[0]);
    expect(history.accuracy[3]).toBeGreaterThan(history.accuracy[0]);
    base.dispose();
  });

  it('Trainer: steps without readbacks, then settle() reads the burst once', async () => {
    const set = subset(loadBundledDigits(), Array.from({ length: 200 }, (_, i) => i * 50));
    const base = new Sequential([new Flatten(), new Dense({ units: 16 })], { inputShape: [28, 28, 1], seed: 4 });
    const trainer = new Trainer(new SiameseModel(base), set, { batchSize: 8, pairsPerEpoch: 64, readEvery: 100, seed: 2 });
    // Count GPU readbacks while training.
    const b = ws.backend();
    const read = b.read;
    let reads = 0;
    b.read = (...args) => {
      reads++;
      return read.apply(b, args);
    };
    try {
      for (let i = 0; i < 3; i++) {
        const logs = await trainer.step();
        expect(logs.loss).toBeUndefined(); // nothing read back yet
      }
      expect(reads).toBe(0);
      expect(trainer.samples).toHaveLength(0);
    } finally {
      b.read = read;
    }
    const s = await trainer.settle();
    expect(s).toMatchObject({ epoch: 0, batch: 2, step: 3 });
    expect(s!.loss).toBeGreaterThan(0);
    expect(s!.loss).toBe(s!.runningLoss); // the first readback of the epoch covers all of it
    trainer.dispose();
    base.dispose();
  });

  it('trains a triplet network on triplets', async () => {
    const set = subset(loadBundledDigits(), Array.from({ length: 400 }, (_, i) => i * 25));
    const base = new Sequential([new Flatten(), new Dense({ units: 32, activation: 'relu' }), new Dense({ units: 8 })], { inputShape: [28, 28, 1], seed: 2 });
    const history = await fit(new TripletModel(base), set, { epochs: 3, batchSize: 32, pairsPerEpoch: 192, seed: 1, margin: 0.5, validation: { set } });
    expect(history.loss[2]).toBeLessThan(history.loss[0]);
    // Triplet accuracy: the share of triplets whose positive is nearer than the negative.
    expect(history.val_accuracy[2]).toBeGreaterThan(0.6);
    await expect(fit(new TripletModel(base), set, { sampler: 'seed' })).rejects.toThrow(/seed' pair sampler makes pairs/);
    base.dispose();
  });
});
