/**
 * The toolkit commands as a user runs them (tsx on src/cli/main.ts) against an untrained but
 * saved checkpoint and a tiny IDX folder of real digits: outputs, files written, one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageAt, indicesByClass } from '../src/siamese/data/image-set.js';
import { seedNetwork, SiameseModel } from '../src/siamese/model.js';
import { saveCheckpoint } from '../src/siamese/node-checkpoint.js';
import { runCli, writeGrayPng, writeIdxDigits } from './helpers/cli.js';

// This file's commands get the environment unchanged (no FORCE_COLOR), as they always have.
const run = (args: string[]) => runCli(args, { env: {} });

let dir: string;
let data: string;
let ckpt: string;
let png1: string;
let png2: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'toolkit-cli-'));
  data = join(dir, 'digits');
  const all = writeIdxDigits(data, { trainPerClass: 6, testPerClass: 8 });
  const byClass = indicesByClass(all);
  ckpt = join(dir, 'ckpt');
  const model = new SiameseModel(seedNetwork({ seed: 1 }), 'euclidean');
  await saveCheckpoint(model, ckpt, { margin: 1, threshold: 0.5, training: { data: `idx:${data}` } });
  model.base.dispose();
  png1 = join(dir, 'a.png');
  png2 = join(dir, 'b.png');
  writeGrayPng(png1, Array.from(imageAt(all, byClass[3][0]), (v) => Math.round(v * 255)));
  writeGrayPng(png2, Array.from(imageAt(all, byClass[5][0]), (v) => Math.round(v * 255)));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('siamese calibrate / verify / oneshot / search', () => {
  it('calibrate writes calibration.json; verify then uses it', async () => {
    const c = await run(['calibrate', '--checkpoint', ckpt, '--method', 'far', '--far', '0.1']);
    expect(c.code, c.stderr).toBe(0);
    const out = JSON.parse(c.stdout);
    expect(out.validation.far).toBeLessThanOrEqual(0.1);
    const saved = JSON.parse(readFileSync(join(ckpt, 'calibration.json'), 'utf8'));
    expect(saved).toMatchObject({ method: 'far', targetFar: 0.1, metric: 'euclidean', distanceThreshold: out.distanceThreshold });
    const v = await run(['verify', '--checkpoint', ckpt, png1, png2]);
    expect(v.code, v.stderr).toBe(0);
    const r = JSON.parse(v.stdout);
    expect(r.thresholdFrom).toBe('calibration.json (far)');
    expect(r.same).toBe(r.distance < saved.distanceThreshold);
    expect(r.score).toBeCloseTo(1 - r.distance, 6);
  });

  it('oneshot reports accuracy with a 95% CI on the chosen classes', async () => {
    const r = await run(['oneshot', '--checkpoint', ckpt, '--ways', '3', '--shots', '2', '--episodes', '8', '--classes', '7-9']);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({ ways: 3, shots: 2, episodes: 8, classes: [7, 8, 9], chance: 1 / 3 });
    expect(o.ci95[0]).toBeLessThanOrEqual(o.accuracy);
    expect(o.ci95[1]).toBeGreaterThanOrEqual(o.accuracy);
  });

  it('search builds and saves the index, answers a query, evaluates; a second run loads it', async () => {
    const r = await run(['search', '--checkpoint', ckpt, '--gallery', `idx:${data}`, '--k', '3', '--evaluate', png1]);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.gallery.items).toBe(60);
    expect(o.results[0].nearest.map((x: { rank: number }) => x.rank)).toEqual([1, 2, 3]);
    expect(o.evaluation).toMatchObject({ k: 3, queries: 80 });
    expect(existsSync(join(ckpt, 'gallery', 'embeddings.bin'))).toBe(true);
    const again = await run(['search', '--checkpoint', ckpt, '--k', '3', png1]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).results).toEqual(o.results);
  });

  // Input errors past parsing (blank picture, k above the gallery, too few classes) are unit
  // tested in toolkit-verify/search/oneshot; here only what needs no GPU, to keep this file short.
  it('usage errors are one line with exit code 2; a missing checkpoint exits 1 before the GPU starts', async () => {
    const one = await run(['verify', '--checkpoint', ckpt, png1]);
    expect(one.code).toBe(2);
    expect(one.stderr.trim()).toBe('siamese: verify: expected IMG1.png IMG2.png, got 1 file');
    const flag = await run(['search', '--checkpoint', ckpt, '--k', '0']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe("siamese: --k: expected an integer >= 1, got '0'");
    const none = await run(['oneshot', '--checkpoint', join(dir, 'nope')]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(`siamese oneshot: --checkpoint ${join(dir, 'nope')}: no such folder`);
  });
});
