/**
 * `siamese train --profile` and `siamese eval --profile`, spawned as a user runs them, on a tiny
 * IDX folder of real digits: the per-kernel table goes to stderr, and the run goes on to write
 * its results as without the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run, writeIdxDigits } from './helpers/cli.js';

/** The table's rows as [kernel, calls, ms, % time, GFLOP/s, GB/s], after its column header. */
function tableRows(stderr: string, header: RegExp): string[][] {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => header.test(l));
  expect(at, stderr).toBeGreaterThan(0);
  const rows: string[][] = [];
  for (const l of lines.slice(at + 1)) {
    const cells = l.trim().split(/\s+/);
    if (cells.length !== 6 || !/^\w+\.\w+$/.test(cells[0])) break;
    rows.push(cells);
  }
  return rows;
}

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'siamese-profile-'));
  data = join(dir, 'digits');
  // 8 training and 4 test images per class, from the bundled digits, as IDX (gzipped).
  writeIdxDigits(data, { trainPerClass: 8, testPerClass: 4, gzip: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--profile', () => {
  it('train prints step 2 as a per-kernel table on stderr and trains on; eval prints its own', async () => {
    const out = join(dir, 'run');
    // 3 steps of 8 pairs: step 2 is profiled, step 3 trains after it.
    const r = await run(['train', '--data', `idx:${data}`, '--epochs', '1', '--pairs-per-epoch', '24', '--batch-size', '8', '--test-pairs', '20', '--out', out, '--profile', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/profile of training step 2 \(step 2 of this run, after a warm-up step/);
    expect(r.stderr).toMatch(/^\d+ launches, wall \d+\.\d ms, (GPU \d+\.\d ms \(timestamp queries\)|kernels ~\d+\.\d ms \(WALL-CLOCK ESTIMATES)/m);
    const rows = tableRows(r.stderr, /^kernel +calls +(GPU|est\.) ms +% time +GFLOP\/s +GB\/s$/);
    const names = rows.map((c) => c[0]);
    // A training step runs the convolutions forward and backward, and Adam.
    expect(names.some((n) => n.startsWith('conv2d')), names.join(', ')).toBe(true);
    expect(names).toContain('adam.adam');
    // The shares of time add up to 100% (each rounded to 0.1).
    const share = rows.reduce((s, c) => s + Number(c[3]), 0);
    expect(Math.abs(share - 100)).toBeLessThan(0.05 * rows.length + 0.01);
    // Training went on after the profiled step and wrote its results.
    expect(r.stdout).toMatch(/test pair accuracy \d\.\d{4} +ROC AUC \d\.\d{4}/);
    expect(existsSync(join(out, 'checkpoint', 'model.json'))).toBe(true);

    const e = await run(['eval', '--checkpoint', out, '--data', `idx:${data}`, '--test-pairs', '20', '--profile']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/profile of the evaluation \(20 pairs in batches of 128/);
    const evalNames = tableRows(e.stderr, /^kernel +calls +(GPU|est\.) ms/).map((c) => c[0]);
    expect(evalNames.some((n) => n.startsWith('conv2d')), evalNames.join(', ')).toBe(true);
    expect(evalNames).not.toContain('adam.adam'); // inference only
    expect(JSON.parse(e.stdout).testPairs).toBe(20);
  }, 300_000);
});
