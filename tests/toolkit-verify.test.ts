/**
 * Verification: threshold calibration on hand-made distance sets whose answers are worked out
 * in the comments, batched GPU embeddings, the Verifier, and picture preprocessing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrate, ratesAt, rocCurve, rocArea } from '../src/siamese/toolkit/calibration.js';
import { embed } from '../src/siamese/toolkit/embed.js';
import { Verifier } from '../src/siamese/toolkit/verifier.js';
import { luminance, pictureToInput } from '../src/siamese/toolkit/preprocess.js';
import { saveCalibration, loadCalibration } from '../src/siamese/toolkit/node-calibration.js';
import { mannWhitneyAuc } from './helpers/roc-reference.js';
import { seedNetwork, SiameseModel } from '../src/siamese/model.js';
import { makeImageSet } from '../src/siamese/data/image-set.js';
import { Random } from '../src/engine/random.js';
import { memory, tidy } from '../src/index.js';

// Eight pairs: same at 0.1 0.2 0.3 0.5, different at 0.4 0.6 0.7 0.8 (accept when d < τ).
// Accepting the j smallest (τ = 0.1 | 0.15 | 0.25 | 0.35 | 0.45 | 0.55 | 0.65 | 0.75 | >0.8):
//   FAR  0    0    0    0    .25  .25  .5   .75  1
//   FRR  1    .75  .5   .25  .25  0    0    0    0
//   acc  4/8  5/8  6/8  7/8  6/8  7/8  6/8  5/8  4/8
const D = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const L = [1, 1, 1, 0, 1, 0, 0, 0];
// The GPU compares float32 distances: these decimals are rounded to float32 first, so the
// midpoint thresholds are those of the float32 values (computed here with Math.fround).
const f = Math.fround;
const mid = (a: number, b: number) => (f(a) + f(b)) / 2;
const close = (a: number, b: number) => expect(a).toBe(b);

describe('calibrate (hand-computed answers)', () => {
  it('best accuracy: 7/8 at τ = 0.35 and 0.55; the tie goes to the lower threshold', async () => {
    const c = await calibrate(D, L, 'best-accuracy');
    close(c.distanceThreshold, mid(0.3, 0.4));
    close(c.threshold, 1 - mid(0.3, 0.4));
    expect(c.at).toMatchObject({ accuracy: 7 / 8, far: 0, frr: 0.25, falseAccepts: 0, falseRejects: 1 });
  });
  it('EER: FAR = FRR = 0.25 at τ = 0.45', async () => {
    const c = await calibrate(D, L, 'eer');
    close(c.distanceThreshold, mid(0.4, 0.5));
    expect(c.eer).toBe(0.25);
    expect(c.at).toMatchObject({ far: 0.25, frr: 0.25 });
  });
  it('target FAR: the highest threshold whose FAR stays within the target', async () => {
    const want: [number, number, number][] = [
      [0, mid(0.3, 0.4), 0.25], // [target, τ, FRR there]
      [0.1, mid(0.3, 0.4), 0.25],
      [0.25, mid(0.5, 0.6), 0],
      [0.5, mid(0.6, 0.7), 0],
      [1, f(0.8) + (f(0.8) + 1) * 1e-6, 0], // just above the largest: accepts all
    ];
    for (const [target, tau, frr] of want) {
      const c = await calibrate(D, L, 'far', { targetFar: target });
      close(c.distanceThreshold, tau);
      expect(c.at.far).toBeLessThanOrEqual(target);
      expect(c.at.frr).toBe(frr);
      expect(c.targetFar).toBe(target);
    }
  });
  it('AUC: 15 of 16 (same, different) pairs are ordered right: 0.9375, equal to the Mann-Whitney statistic', async () => {
    expect((await calibrate(D, L)).auc).toBe(0.9375);
    expect(mannWhitneyAuc(D.map((d) => 1 - d), L)).toBe(0.9375);
  });
  it('ties move together: distances {0.2 same, 0.2 diff, 0.5 same, 0.5 diff} give a diagonal ROC, AUC 0.5', async () => {
    const curve = await rocCurve([0.2, 0.2, 0.5, 0.5], [1, 0, 1, 0]);
    expect(curve.map((p) => [p.far, p.tar])).toEqual([[0, 0], [0.5, 0.5], [1, 1]]);
    expect(rocArea(curve)).toBe(0.5);
  });
  it('trapezoid AUC agrees with the rank statistic on 500 random pairs with ties', async () => {
    const r = new Random(7);
    const d = Array.from({ length: 500 }, () => Math.round(r.next() * 50) / 50);
    const l = Array.from({ length: 500 }, (_, i) => (r.next() < 0.5 + (d[i] < 0.5 ? 0.2 : -0.2) ? 1 : 0));
    // Both are sums of multiples of 1/(P·N) in different orders: equal to float64 rounding.
    // (d on a grid of 1/50: float32 rounding keeps distinct values distinct and ties tied.)
    expect((await calibrate(d, l)).auc).toBeCloseTo(mannWhitneyAuc(d.map((x) => 1 - x), l), 12);
  });
  it('ratesAt accepts strictly below the threshold (the same pair at d = 0.5 is rejected at τ = 0.5)', async () => {
    expect(await ratesAt(D, L, 0.5)).toMatchObject({ far: 0.25, frr: 0.25, tar: 0.75, accuracy: 6 / 8 });
  });
  it('bad input: clear errors', async () => {
    await expect(calibrate([0.1, 0.2], [1, 1])).rejects.toThrow(/both same and different pairs, got 2 same and 0 different/);
    await expect(calibrate([0.1, 0.2], [1, 2])).rejects.toThrow(/label 1 is 2/);
    await expect(calibrate([0.1], [1, 0])).rejects.toThrow(/1 distances but 2 labels/);
    await expect(calibrate([0.1, NaN], [1, 0])).rejects.toThrow(/distance 1 is NaN/);
    await expect(calibrate(D, L, 'far', { targetFar: 1.5 })).rejects.toThrow(/targetFar in \[0, 1\], got 1.5/);
    await expect(calibrate(D, L, 'median' as never)).rejects.toThrow(/method must be/);
  });
  it('saved beside the checkpoint and read back; a metric mismatch is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calib-'));
    try {
      const c = { ...(await calibrate(D, L, 'eer')), metric: 'euclidean' };
      saveCalibration(dir, c);
      expect(loadCalibration(dir, 'euclidean')!.distanceThreshold).toBe(c.distanceThreshold);
      expect(() => loadCalibration(dir, 'cosine')).toThrow(/calibrated for the euclidean distance, but the model uses cosine/);
      expect(loadCalibration(join(dir, 'none'), 'euclidean')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function images(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n * 784 }, () => r.next());
}

describe('embed and verify on the GPU', () => {
  let model: SiameseModel;
  beforeAll(() => {
    model = new SiameseModel(seedNetwork({ seed: 5 }), 'euclidean');
  });

  it('embed in batches of 3 equals one pass over all 7 images; nothing leaks', async () => {
    const x = images(7, 1);
    const before = memory().numTensors;
    const e = embed(model, x, 3);
    expect(e.shape).toEqual([7, 64]);
    const { fromArray } = await import('../src/engine/tensor.js');
    const input = fromArray(x, [7, 28, 28, 1]);
    const whole = tidy(() => model.embed(input));
    const [a, b] = [await e.data(), await whole.data()];
    // Same kernels on the same rows; batch size only changes the grid, so 1e-5 relative
    // (float32 rounding of a 288-term sum) is generous.
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i])));
    e.dispose();
    whole.dispose();
    input.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('embed accepts an ImageSet and rejects the wrong image size and an empty input', () => {
    const set = makeImageSet({ images: images(2, 2), labels: [0, 1], height: 28, width: 28, source: 'two' });
    const e = embed(model, set);
    expect(e.shape).toEqual([2, 64]);
    e.dispose();
    const small = makeImageSet({ images: new Float32Array(2 * 16 * 16), labels: [0, 1], height: 16, width: 16, source: 'small.idx' });
    expect(() => embed(model, small)).toThrow(/small.idx holds 16×16×1 images, the model takes 28×28×1/);
    expect(() => embed(model, new Float32Array(700))).toThrow(/700 values is not a whole number of 28×28×1 images/);
    expect(() => embed(model, new Float32Array(0))).toThrow(/no images/);
  });

  it('verify: distance of the two embeddings (computed here on the CPU), same iff d < τ', async () => {
    const x = images(2, 3);
    const e = embed(model, x);
    const v = await e.data();
    e.dispose();
    let s = 0;
    for (let k = 0; k < 64; k++) s += (v[k] - v[64 + k]) ** 2;
    const want = Math.sqrt(Math.max(s, 1e-7));
    const a = x.subarray(0, 784);
    const b = x.subarray(784);
    const r = await new Verifier(model, want + 1e-3).verify(a, b);
    // float32 sum of 64 squares vs float64: 1e-5 relative.
    expect(Math.abs(r.distance - want)).toBeLessThanOrEqual(1e-5 * want);
    expect(r.same).toBe(true);
    expect(r.score).toBeCloseTo(1 - r.distance, 12);
    expect((await new Verifier(model, want - 1e-3).verify(a, b)).same).toBe(false);
    // An image against itself: the floored distance sqrt(1e-7).
    expect((await new Verifier(model, 0.5).verify(a, a)).distance).toBeCloseTo(Math.sqrt(1e-7), 6);
    await expect(new Verifier(model, 0.5).verify(new Float32Array(100), b)).rejects.toThrow(/verify \(first image\): 100 values/);
  });
});

describe('pictures to MNIST-style inputs', () => {
  const rgba = (w: number, h: number, f: (x: number, y: number) => number) => {
    const out = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set([f(x, y), f(x, y), f(x, y), 255], 4 * (y * w + x));
    return out;
  };
  it('a 28×28 light-on-dark image passes unchanged (to 1/255 quantisation)', () => {
    const pic = rgba(28, 28, (x, y) => (x === 10 && y === 12 ? 255 : 0));
    const out = pictureToInput(pic, 28, 28, [28, 28, 1]);
    expect(out[12 * 28 + 10]).toBeCloseTo(1, 6);
    expect(out.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
  });
  it('dark ink on white paper is inverted, fitted to 20 px and centred', () => {
    // A 40×40 black square in the corner of a 100×100 white page.
    const pic = rgba(100, 100, (x, y) => (x < 40 && y < 40 ? 0 : 255));
    const out = pictureToInput(pic, 100, 100, [28, 28, 1]);
    // The square becomes rows/cols 4..23 (20 px centred on 14), full ink; the rest is 0.
    expect(out[4 * 28 + 4]).toBeCloseTo(1, 5);
    expect(out[23 * 28 + 23]).toBeCloseTo(1, 5);
    expect(out[3 * 28 + 10]).toBe(0);
    expect(out[24 * 28 + 10]).toBe(0);
    expect(out.reduce((s, v) => s + v, 0)).toBeCloseTo(400, 3);
  });
  it('blank pictures and non-grayscale models are refused', () => {
    expect(() => pictureToInput(rgba(10, 10, () => 255), 10, 10, [28, 28, 1], 'a.png')).toThrow(/a.png: the 10×10 picture is blank/);
    expect(() => pictureToInput(rgba(10, 10, () => 0), 10, 10, [32, 32, 3], 'b.png')).toThrow(/square grayscale model .* takes 32×32×3/);
    expect(() => luminance(new Uint8Array(3), 1, 1)).toThrow(/3 bytes for a 1×1 RGBA image/);
  });
});
