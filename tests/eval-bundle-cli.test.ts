/**
 * The evaluation report and the bundle from the command line, on a tiny checkpoint trained here
 * (2 epochs of 32 pairs on 12 digits per class): train and eval --out write the report files;
 * bundle packs the calibrated checkpoint and a gallery, and verify / search --bundle answer as
 * --checkpoint does; bad bundle files fail with one line naming the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { imageAt, indicesByClass } from '../src/siamese/data/image-set.js';
import { runCli as run, writeGrayPng, writeIdxDigits } from './helpers/cli.js';

let dir: string;
let data: string;
let runDir: string;
let ckpt: string;
let png1: string;
let png2: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eval-bundle-cli-'));
  data = join(dir, 'digits');
  const all = writeIdxDigits(data, { trainPerClass: 12, testPerClass: 6 });
  const byClass = indicesByClass(all);
  png1 = join(dir, 'a.png');
  png2 = join(dir, 'b.png');
  writeGrayPng(png1, Array.from(imageAt(all, byClass[3][0]), (v) => Math.round(v * 255)));
  writeGrayPng(png2, Array.from(imageAt(all, byClass[5][0]), (v) => Math.round(v * 255)));
  runDir = join(dir, 'run');
  const t = await run(['train', '--data', `idx:${data}`, '--epochs', '2', '--pairs-per-epoch', '32', '--batch-size', '16', '--test-pairs', '40', '--seed', '2', '--quiet', '--out', runDir]);
  if (t.code !== 0) throw new Error(`train failed: ${t.stderr}`);
  ckpt = join(runDir, 'checkpoint');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectReport(out: string, pairs: number): void {
  for (const f of ['roc', 'distances', 'embedding']) {
    expect(readFileSync(join(out, `${f}.svg`), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const png = PNG.sync.read(readFileSync(join(out, `${f}.png`)));
    expect(png.width).toBeGreaterThanOrEqual(640);
  }
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  expect(m.testPairs).toBe(pairs);
  for (const k of ['far', 'frr', 'eer', 'rocAuc', 'testPairAccuracy']) {
    expect(m[k]).toBeGreaterThanOrEqual(0);
    expect(m[k]).toBeLessThanOrEqual(1);
  }
  // FAR and FRR weigh the two classes: accuracy = 1 − (FAR·neg + FRR·pos) / pairs.
  expect(m.testPairAccuracy).toBeCloseTo(1 - (m.far * (pairs - m.positivePairs) + m.frr * m.positivePairs) / pairs, 12);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const s of ['roc.svg', 'distances.svg', 'embedding.svg', (100 * m.testPairAccuracy).toFixed(2), m.rocAuc.toFixed(4), (100 * m.eer).toFixed(2)]) expect(html).toContain(s);
  // 60 test images: all of them are projected.
  expect(html).toContain('60 test embeddings');
}

describe('evaluation report', () => {
  it('train wrote the report into its run folder', () => {
    expectReport(runDir, 40);
  });

  it('eval --out writes it for a checkpoint, with the same numbers as training', async () => {
    const out = join(dir, 'eval');
    const e = await run(['eval', '--checkpoint', runDir, '--test-pairs', '40', '--out', out]);
    expect(e.code, e.stderr).toBe(0);
    const s = JSON.parse(e.stdout);
    expect(s.thresholdFrom).toBe('siamese.json');
    expectReport(out, 40);
    const trained = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    const evaluated = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const k of ['testPairAccuracy', 'rocAuc', 'eer', 'far', 'frr']) expect(evaluated[k], k).toBe(trained[k]);
  });
});

describe('siamese bundle', () => {
  it('packs the calibrated checkpoint and a gallery; verify and search --bundle answer as --checkpoint does', async () => {
    const c = await run(['calibrate', '--checkpoint', ckpt, '--method', 'eer']);
    expect(c.code, c.stderr).toBe(0);
    const file = join(dir, 'model.siamese');
    const b = await run(['bundle', '--checkpoint', runDir, '--gallery', `idx:${data}`, '--out', file]);
    expect(b.code, b.stderr).toBe(0);
    const info = JSON.parse(b.stdout);
    expect(info).toMatchObject({ bundle: file, bytes: statSync(file).size, model: 'siamese', gallery: { items: 120 } });
    expect(info.threshold.from).toBe('calibration.json (eer)');

    const [vc, vb] = await Promise.all([run(['verify', '--checkpoint', ckpt, png1, png2]), run(['verify', '--bundle', file, png1, png2])]);
    expect(vc.code, vc.stderr).toBe(0);
    expect(vb.code, vb.stderr).toBe(0);
    const [rc, rb] = [JSON.parse(vc.stdout), JSON.parse(vb.stdout)];
    expect(rb.thresholdFrom).toBe('bundle calibration (eer)');
    expect({ ...rb, thresholdFrom: '' }).toEqual({ ...rc, thresholdFrom: '' });

    // The checkpoint's search builds (and saves) the same gallery the bundle holds.
    const [sc, sb] = await Promise.all([
      run(['search', '--checkpoint', ckpt, '--gallery', `idx:${data}`, '--k', '3', png1, png2]),
      run(['search', '--bundle', file, '--k', '3', png1, png2]),
    ]);
    expect(sc.code, sc.stderr).toBe(0);
    expect(sb.code, sb.stderr).toBe(0);
    const strip = (rs: { query: string; nearest: { rank: number; item: number; label: number; distance: number }[] }[]) =>
      rs.map((r) => ({ query: r.query, nearest: r.nearest.map(({ rank, item, label, distance }) => ({ rank, item, label, distance })) }));
    expect(strip(JSON.parse(sb.stdout).results)).toEqual(strip(JSON.parse(sc.stdout).results));

  });

  it('truncated and foreign files, and flag misuse: one line, naming the file', async () => {
    const good = readFileSync(join(dir, 'model.siamese'));
    const cut = join(dir, 'cut.siamese');
    writeFileSync(cut, good.subarray(0, good.length - 100));
    const cases: [string[], number, string | RegExp][] = [
      [['verify', '--bundle', cut, png1, png2], 1, new RegExp(`^siamese verify: ${cut}: truncated: the gallery need bytes up to \\d+, the file has ${good.length - 100}$`)],
      [['search', '--bundle', png1, png2], 1, new RegExp(`^siamese search: ${png1}: not a webgpu-siamese bundle`)],
      [['verify', '--bundle', join(dir, 'nope.siamese'), png1, png2], 1, `siamese verify: ${join(dir, 'nope.siamese')}: no such file`],
      [['verify', '--bundle', cut, '--checkpoint', ckpt, png1, png2], 2, 'siamese: verify: give --checkpoint DIR or --bundle FILE, not both'],
      [['bundle', '--checkpoint', ckpt], 2, 'siamese: bundle: --out FILE is required (the bundle file to write, e.g. model.siamese)'],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      if (typeof message === 'string') expect(lines[0]).toBe(message);
      else expect(lines[0]).toMatch(message);
      expect(r.stdout).toBe('');
    });
  });
});
