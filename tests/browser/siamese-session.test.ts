/**
 * The page's TrainingSession (web/train/siamese-session.ts) in Node, on the digits file the page
 * is served: that a burst's loss is the pair-weighted mean of its steps' losses (also across an
 * epoch's end), that embed/distance/verdict agree with the model's own GPU distances, that bad
 * settings are named, and that the session frees every tensor it made.
 */
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { decodeDigits, type DigitSet } from '../../web/data/digits-format.js';
import { mnistDigitsDir, packMnistDigits } from '../../web/tools/pack-digits.js';
import { createSiameseSession, checkConfig } from '../../web/train/siamese-session.js';
import { DEFAULT_CONFIG, type StepReport, type TrainingConfig } from '../../web/train/seams.js';
import { memory } from '../../src/index.js';
import { expectAllClose } from '../helpers/allclose.js';

let digits: DigitSet | null = null;
const loadDigits = (): DigitSet => (digits ??= decodeDigits(gunzipSync(packMnistDigits(mnistDigitsDir(process.cwd())).bytes)));

/** Tiny batches keep this file fast; 6 pairs an epoch with 4 per batch gives batches 4, 2. */
const SMALL: TrainingConfig = { ...DEFAULT_CONFIG, seed: 3, batchPairs: 4, pairsPerEpoch: 6 };

describe("the page's training session", () => {
  it("reports a burst as the pair-weighted mean of its steps, across an epoch's end", async () => {
    const before = memory().numTensors;
    // Two sessions with one seed train identically: one step per burst gives each step's loss.
    const single = await createSiameseSession(loadDigits(), SMALL);
    const burst = await createSiameseSession(loadDigits(), SMALL);
    try {
      const steps: StepReport[] = [];
      for (let i = 0; i < 3; i++) steps.push(await single.runSteps(1));
      // Steps of 4 and 2 pairs end the first epoch; the third (4 pairs) starts the second.
      const b = await burst.runSteps(3);
      expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
      expect(steps.map((s) => s.epoch)).toEqual([4 / 6, 1, 10 / 6]);
      expect([b.step, b.epoch]).toEqual([3, 10 / 6]);
      const sizes = [4, 2, 4];
      const mean = (f: (s: StepReport) => number): number => steps.reduce((a, s, i) => a + f(s) * sizes[i], 0) / 10;
      // Same kernels on the same inputs in one process: the steps are bit-identical; only the
      // sums differ in order (the GPU accumulator adds in float32, this mean in float64): a few
      // float32 ulp of values near 0.1, so 1e-6 relative.
      expectAllClose([b.loss], [mean((s) => s.loss)], { atol: 0, rtol: 1e-6, what: 'burst loss' });
      // And that tolerance tells the weighted mean from a plain one for these steps.
      const plain = steps.reduce((a, s) => a + s.loss, 0) / 3;
      expect(Math.abs(plain - b.loss) / b.loss).toBeGreaterThan(1e-5);
      // Accuracy is a count of right pairs: exact up to float32 division.
      expectAllClose([b.accuracy!], [mean((s) => s.accuracy!)], { atol: 1e-6, rtol: 0, what: 'burst accuracy' });
      for (const s of steps) expect(Number.isFinite(s.loss) && s.loss > 0).toBe(true);
    } finally {
      single.dispose();
      burst.dispose();
    }
    expect(memory().numTensors, 'a disposed session leaves no tensors').toBe(before);
  }, 120_000);

  it('judges pairs with the same distances via embed() as the model computes on the GPU', async () => {
    const before = memory().numTensors;
    const s = await createSiameseSession(loadDigits(), SMALL);
    try {
      const pairs = await s.testPairs(6);
      expect(pairs.length).toBe(6);
      expect(pairs.filter((p) => p.labelA === p.labelB).length).toBe(3); // balanced: half same
      // Fixed pairs: asking again gives the same ones.
      const again = await s.testPairs(6);
      expect(again.map((p) => [p.labelA, p.labelB])).toEqual(pairs.map((p) => [p.labelA, p.labelB]));
      const emb = await s.embed(pairs.flatMap((p) => [p.a, p.b]));
      expect(emb.length).toBe(12);
      expect(emb[0].length).toBe(64);
      const cpu = pairs.map((_, i) => s.distance(emb[2 * i], emb[2 * i + 1]));
      const gpu = pairs.map((p) => p.verdict!.distance);
      // Same embeddings (one batch of 12 vs the model's batch of 6 + 6: the kernels treat rows
      // independently), then 64 squared differences summed in float64 here and in float32 on
      // the GPU: about 64 ulp of float32 at worst, so 1e-5 relative.
      expectAllClose(cpu, gpu, { atol: 0, rtol: 1e-5, what: 'pair distances' });
      for (const p of pairs) {
        const v = p.verdict!;
        expect(v.score).toBe(1 - v.distance);
        expect(v.same).toBe(v.score > SMALL.threshold);
      }
      // An image against itself: the distance's floor, sqrt(1e-7), as the model's head has it.
      const [e1, e2] = await s.embed([pairs[0].a, pairs[0].a]);
      expect(s.distance(e1, e2)).toBeCloseTo(Math.sqrt(1e-7), 10);
      expect(s.verdict(s.distance(e1, e2)).same).toBe(true);
      const ev = await s.evaluate('val', 16);
      expect(ev.pairs).toBe(16);
      expect(ev.accuracy).toBeGreaterThanOrEqual(0);
      expect(ev.accuracy).toBeLessThanOrEqual(1);
      expect(ev.loss).toBeGreaterThan(0);
      await expect(s.embed([new Float32Array(5)])).rejects.toThrow(/embed: image 0 has 5 values, expected 28×28×1 = 784/);
    } finally {
      s.dispose();
    }
    expect(memory().numTensors).toBe(before);
    await expect(s.runSteps(1)).rejects.toThrow(/runSteps: this training session was reset/);
  }, 120_000);

  it('names a bad setting', () => {
    expect(() => checkConfig({ ...DEFAULT_CONFIG, batchPairs: 1 })).toThrow(/batchPairs is 1, expected an integer >= 2/);
    expect(() => checkConfig({ ...DEFAULT_CONFIG, pairsPerEpoch: 10 })).toThrow(/pairsPerEpoch is 10, expected an integer >= batchPairs \(64\)/);
    expect(() => checkConfig({ ...DEFAULT_CONFIG, valFraction: 1 })).toThrow(/valFraction is 1, expected a number in \(0, 1\)/);
  });
});
