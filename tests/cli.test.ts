/**
 * The `siamese` command line, spawned as a user runs it (tsx on src/cli/main.ts), on a tiny IDX
 * folder of real digits written by the test: exit codes, the files of a run, `eval` on both
 * forms of --checkpoint, and one-line errors.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { encodeIdxU8 } from '../src/siamese/data/idx.js';
import { oneLine, runCli as run, writeIdxDigits } from './helpers/cli.js';

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'siamese-cli-'));
  data = join(dir, 'digits');
  // 12 training and 6 test images per class, from the bundled digits, as IDX (gzipped).
  writeIdxDigits(data, { trainPerClass: 12, testPerClass: 6, gzip: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('siamese CLI', () => {
  it('train writes history, metrics, plots, the pair grid and a checkpoint; eval reads it back', async () => {
    const out = join(dir, 'run');
    const r = await run(['train', '--data', `idx:${data}`, '--epochs', '2', '--pairs-per-epoch', '32', '--batch-size', '16', '--test-pairs', '20', '--seed', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/adapter: /);
    expect(r.stderr).toMatch(/epoch 2\/2 .*loss \d\.\d{4} .*acc \d\.\d{4} .*val_loss .* pairs\/s/);
    expect(r.stdout).toMatch(/test pair accuracy \d\.\d{4} +ROC AUC \d\.\d{4}/);

    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expect(history[k]).toHaveLength(2);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.testPairs).toBe(20); // 1 per class × 2 (positive, negative) × 10 classes
    expect(metrics.threshold).toBe(0.5);
    expect(metrics.testPairAccuracy).toBeGreaterThanOrEqual(0);
    expect(metrics.rocAuc).toBeGreaterThanOrEqual(0);
    expect(metrics.rocAuc).toBeLessThanOrEqual(1);
    for (const f of ['loss.svg', 'accuracy.svg']) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const f of ['loss.png', 'accuracy.png', 'pairs.png']) {
      const png = PNG.sync.read(readFileSync(join(out, f)));
      expect(png.width).toBeGreaterThan(300);
      expect(png.height).toBeGreaterThan(200);
    }
    for (const f of ['model.json', 'weights.bin', 'siamese.json']) expect(existsSync(join(out, 'checkpoint', f))).toBe(true);

    // eval on the run folder and on its checkpoint folder: the same metrics as training wrote.
    for (const ck of [out, join(out, 'checkpoint')]) {
      const e = await run(['eval', '--checkpoint', ck, '--test-pairs', '20']);
      expect(e.code, e.stderr).toBe(0);
      const m = JSON.parse(e.stdout);
      expect(m.testPairAccuracy).toBe(metrics.testPairAccuracy);
      expect(m.rocAuc).toBeCloseTo(metrics.rocAuc, 6);
      expect(m.threshold).toBe(0.5);
    }
  });

  it('bad flags, missing files and malformed data: one line on stderr, non-zero exit', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(bad, f), f.includes('images') ? new Uint8Array([0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2]) : encodeIdxU8([9], [0, 1, 2, 3, 4, 5, 6, 7, 8]));
    }
    const cases: [string[], number, RegExp][] = [
      [['train', '--epochs', 'three'], 2, /--epochs: expected an integer >= 1, got 'three'/],
      [['train', '--distance', 'manhattan'], 2, /--distance: expected 'euclidean' or 'cosine', got 'manhattan'/],
      [['train', '--bogus'], 2, /unknown flag --bogus/],
      [['fly'], 2, /unknown command 'fly'/],
      [['train', '--data', `idx:${join(dir, 'nowhere')}`], 1, /no such folder/],
      [['train', '--data', `idx:${bad}`], 1, /train-images-idx3-ubyte: short body/],
      [['eval', '--checkpoint', join(dir, 'nowhere')], 1, /--checkpoint .*nowhere: no such folder/],
      [['eval', '--checkpoint', data], 1, /no checkpoint there/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(oneLine(r.stderr)).toMatch(message);
      expect(r.stdout).toBe('');
    });
  });
});
