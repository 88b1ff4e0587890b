/**
 * `siamese train` with online mining, `--classes` and `folder:DIR` data, as a user runs it
 * (tsx on src/cli/main.ts), on a folder of digit PNGs written here; then `oneshot` defaulting to
 * the held-out classes and `eval` reading the folder again; and the one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBundledDigits } from '../src/siamese/data/node-loaders.js';
import { imageAt, indicesByClass } from '../src/siamese/data/image-set.js';
import { runCli as run, writeGrayPng } from './helpers/cli.js';

let dir: string;
let folder: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'train-cli-'));
  folder = join(dir, 'digits');
  // 10 PNGs of each digit in DIR/digit-<d>/: 8 train and 2 test after the per-identity split.
  const all = loadBundledDigits();
  const byClass = indicesByClass(all);
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(folder, `digit-${d}`), { recursive: true });
    for (let i = 0; i < 10; i++) {
      writeGrayPng(join(folder, `digit-${d}`, `${i}.png`), Array.from(imageAt(all, byClass[d][i]), (v) => Math.round(v * 255)));
    }
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train --mining / --classes on folder:DIR', () => {
  it('trains a few semi-hard mining steps on classes 0-6, saves the classes; oneshot tests the held-out ones; eval reads the folder', async () => {
    const out = join(dir, 'run');
    const data = `folder:${folder}`;
    const r = await run([
      'train', '--data', data, '--loss', 'triplet', '--mining', 'semi-hard', '--classes', '0-6',
      '--classes-per-batch', '3', '--samples-per-class', '3', '--pairs-per-epoch', '18', '--epochs', '1',
      '--test-pairs', '20', '--seed', '2', '--out', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data: folder:.* \(10 identities; 80 train, 20 test, per-identity 80\/20 split/);
    // 7 classes × 8 training images each.
    expect(r.stderr).toMatch(/classes: training on digit-0, digit-1, .*digit-6 \(56 images\); held out: digit-7, digit-8, digit-9; test data unchanged/);
    expect(r.stderr).toMatch(/1 epoch of 18 images \(semi-hard mining, 3 classes × 3 images per batch\), batches of 9/);
    expect(r.stdout).toMatch(/test pair accuracy \d\.\d{4} +ROC AUC \d\.\d{4}/);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.loss).toHaveLength(1);
    expect(Number.isFinite(history.loss[0])).toBe(true);
    const head = JSON.parse(readFileSync(join(out, 'checkpoint', 'siamese.json'), 'utf8'));
    expect(head.training).toMatchObject({
      data,
      loss: 'triplet',
      mining: 'semi-hard',
      classesPerBatch: 3,
      samplesPerClass: 3,
      batchSize: 9,
      classes: [0, 1, 2, 3, 4, 5, 6],
      heldOutClasses: [7, 8, 9],
      classNames: Array.from({ length: 10 }, (_, d) => `digit-${d}`),
    });

    const [o, e] = await Promise.all([
      run(['oneshot', '--checkpoint', out, '--ways', '3', '--episodes', '4']),
      run(['eval', '--checkpoint', out, '--test-pairs', '20']),
    ]);
    expect(o.code, o.stderr).toBe(0);
    const one = JSON.parse(o.stdout);
    expect(one.classes).toEqual([7, 8, 9]);
    expect(one.classNames).toEqual(['digit-7', 'digit-8', 'digit-9']);
    expect(one.classesFrom).toMatch(/held-out classes/);
    expect(e.code, e.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(JSON.parse(e.stdout).testPairAccuracy).toBe(metrics.testPairAccuracy);
  });

  it('bad combinations and bad data: one line on stderr, non-zero exit', async () => {
    const data = `folder:${folder}`;
    const cases: [string[], number, RegExp][] = [
      [['train', '--mining', 'batch-hard'], 2, /--mining batch-hard picks triplets: it needs --loss triplet, got --loss contrastive/],
      [['train', '--loss', 'triplet', '--mining', 'batch-all', '--batch-size', '10'], 2, /--batch-size 10: with --mining a batch is --classes-per-batch × --samples-per-class = 64 images/],
      [['train', '--classes-per-batch', '4'], 2, /--classes-per-batch sets the shape of mining batches; it needs --mining/],
      [['train', '--mining', 'hardest', '--loss', 'triplet'], 2, /--mining: expected 'batch-all' or 'batch-hard' or 'semi-hard', got 'hardest'/],
      [['train', '--data', data, '--classes', '0-12'], 1, /--classes '0-12': class 10 does not exist \(the data has classes 0–9\)/],
      [['train', '--data', `folder:${join(dir, 'nowhere')}`], 1, /folder:.*nowhere: no such folder/],
      [['train', '--data', data, '--loss', 'triplet', '--mining', 'batch-hard', '--classes', '0-6', '--classes-per-batch', '8', '--samples-per-class', '2'], 1, /8 classes with 2 images each are needed/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      const lines = r.stderr.trim().split('\n').filter((l) => !/^(adapter|data|classes|model): /.test(l));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stdout).toBe('');
    });
  });
});
