/**
 * `siamese train`'s test-metric threshold, and stale files on retraining, as a user runs it (tsx
 * on src/cli/main.ts) on a tiny IDX folder of real digits:
 *  - a triplet run without --threshold calibrates it (best accuracy) on TRAINING pairs, saves it
 *    as calibration.json and reports the test metrics at it; checked here against CPU counts on
 *    distances this test computes itself;
 *  - retraining into the folder removes the calibration.json and gallery/ that `siamese
 *    calibrate` and `siamese search --gallery` made for the earlier weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ready } from '../src/engine/device.js';
import { Random } from '../src/engine/random.js';
import { loadData } from '../src/siamese/data/node-loaders.js';
import { pairDistances } from '../src/siamese/evaluate.js';
import { loadCheckpoint } from '../src/siamese/node-checkpoint.js';
import { seedPairs } from '../src/siamese/pairs.js';
import { parseArgs } from '../src/cli/args.js';
import { testPairsFor } from '../src/cli/eval.js';
import { TRAIN_CALIBRATION_SEED } from '../src/cli/train-threshold.js';
import { runCli as run, writeIdxDigits } from './helpers/cli.js';

/** Accuracy of "same when distance < t" counted on the CPU. */
function accuracyAt(d: Float32Array, labels: Float32Array, t: number): number {
  let right = 0;
  for (let i = 0; i < d.length; i++) if (d[i] < t === (labels[i] === 1)) right++;
  return right / d.length;
}

/** The best accuracy any threshold reaches: every split point of the sorted distances, and +∞. */
function bestAccuracy(d: Float32Array, labels: Float32Array): number {
  let best = 0;
  for (const t of [...d, Infinity]) best = Math.max(best, accuracyAt(d, labels, t));
  return best;
}

const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'train-threshold-'));
  data = join(dir, 'digits');
  // 12 training and 6 test images per class, from the bundled digits.
  writeIdxDigits(data, { trainPerClass: 12, testPerClass: 6 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = ['--pairs-per-epoch', '64', '--batch-size', '16', '--epochs', '1', '--test-pairs', '64', '--seed', '3'];

describe('train: the threshold of the test metrics; stale files on retraining', () => {
  it('--threshold takes a number or auto (parsing only)', () => {
    const parsed = (...flags: string[]) => parseArgs(['train', ...flags]) as { threshold?: number | 'auto' };
    expect(parsed('--threshold', 'auto').threshold).toBe('auto');
    expect(parsed('--threshold=0.25').threshold).toBe(0.25);
    expect(parsed().threshold).toBeUndefined(); // the loss decides: contrastive 0.5, triplet auto
    expect(() => parsed('--threshold', 'best')).toThrow("--threshold: expected a number or 'auto', got 'best'");
    expect(() => parsed('--threshold', '3')).toThrow("--threshold: expected a number in [-1, 2] or 'auto', got '3'");
  });

  it('a triplet run calibrates on training pairs and reports the test metrics there; retraining drops stale calibration and gallery', async () => {
    const out = join(dir, 'run');
    const r = await run(['train', '--data', `idx:${data}`, '--loss', 'triplet', ...tiny, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/threshold: -?\d\.\d{4} \(same when distance < \d+\.\d{4}\), calibrated on 60 training pairs \(best accuracy, the triplet default\)/);
    expect(r.stdout).toMatch(/test pair accuracy \d\.\d{4} +ROC AUC \d\.\d{4} +\(threshold -?[\d.]+: calibrated on 60 training pairs .*; 60 pairs\)/);
    const metrics = readJson(join(out, 'metrics.json'));
    expect(metrics.thresholdFrom).toBe('calibrated on 60 training pairs (best accuracy, the triplet default)');
    expect(metrics.calibration).toMatchObject({ set: 'training pairs', pairs: 60, method: 'best-accuracy' });
    const ckDir = join(out, 'checkpoint');
    const saved = readJson(join(ckDir, 'calibration.json'));
    expect(saved.method).toBe('best-accuracy');
    expect(metrics.distanceThreshold).toBe(saved.distanceThreshold);
    expect(metrics.threshold).toBe(saved.threshold);
    expect(readJson(join(ckDir, 'siamese.json')).threshold).toBe(saved.threshold);

    // Recount both on the CPU, on distances of the saved model computed here.
    await ready();
    const { model } = await loadCheckpoint(ckDir);
    const { train, test } = loadData(`idx:${data}`);
    const calPairs = seedPairs(train, new Random(TRAIN_CALIBRATION_SEED), { perClass: 3 });
    const calD = await pairDistances(model, train, calPairs);
    const testPairs = testPairsFor(test, 64);
    const testD = await pairDistances(model, test, testPairs);
    model.base.dispose();
    expect(calPairs.labels.length).toBe(60);
    // The threshold is a best-accuracy one on the training pairs...
    expect(accuracyAt(calD, calPairs.labels, saved.distanceThreshold)).toBe(bestAccuracy(calD, calPairs.labels));
    expect(saved.at.accuracy).toBe(bestAccuracy(calD, calPairs.labels));
    // ...and the reported test accuracy, FAR and FRR are those of that threshold on the test pairs.
    expect(metrics.testPairs).toBe(testD.length);
    expect(metrics.testPairAccuracy).toBe(accuracyAt(testD, testPairs.labels, saved.distanceThreshold));
    const same = testPairs.labels.reduce((n, y) => n + y, 0);
    const falseAccepts = testD.filter((d, i) => d < saved.distanceThreshold && testPairs.labels[i] === 0).length;
    expect(metrics.far).toBe(falseAccepts / (testD.length - same));

    // Files made for these weights by the toolkit: a calibration (EER) and a gallery index.
    const [c, s] = await Promise.all([
      run(['calibrate', '--checkpoint', out, '--method', 'eer']),
      run(['search', '--checkpoint', out, '--gallery', `idx:${data}`]),
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(s.code, s.stderr).toBe(0);
    expect(readJson(join(ckDir, 'calibration.json')).method).toBe('eer');
    expect(existsSync(join(ckDir, 'gallery', 'index.json'))).toBe(true);

    // Retraining (contrastive, default threshold) into the same folder: new weights, so both go.
    const r2 = await run(['train', '--data', `idx:${data}`, ...tiny, '--checkpoint-every', '0', '--out', out]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(existsSync(join(ckDir, 'calibration.json'))).toBe(false);
    expect(existsSync(join(ckDir, 'gallery'))).toBe(false);
    const m2 = readJson(join(out, 'metrics.json'));
    expect(m2.threshold).toBe(0.5);
    expect(m2.thresholdFrom).toBe('the contrastive default 0.5');
    expect(m2.calibration).toBeUndefined();
    const e = await run(['eval', '--checkpoint', out, '--test-pairs', '64']);
    expect(e.code, e.stderr).toBe(0);
    const em = JSON.parse(e.stdout);
    expect(em.thresholdFrom).toBe('siamese.json');
    expect(em.testPairAccuracy).toBe(m2.testPairAccuracy);
  });
});
