/**
 * `siamese train` on bad data and bad flags, run as a user runs it: each case must end with one
 * line on stderr naming the file (or flag) and the problem, a non-zero exit, nothing on stdout
 * and no output folder. (tests/cli.test.ts covers a short IDX body, a missing folder and a few
 * flags; tests/data.test.ts the loaders' messages in process.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxU8 } from '../src/siamese/data/idx.js';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { timeout: 240_000, env: { ...process.env, FORCE_COLOR: '0' } }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
    });
  });
}

/** A float32 IDX file (type 0x0d), big-endian as the format says. */
function idxF32(dims: number[], values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + 4 * values.length);
  const v = new DataView(out.buffer);
  out[2] = 0x0d;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  values.forEach((x, i) => v.setFloat32(4 + 4 * dims.length + 4 * i, x));
  return out;
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'siamese-bad-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 4 classes × `per` images of size×size, u8; `edit` may replace any of the four files. */
function folder(name: string, edit: Partial<Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', Uint8Array>> = {}, size = 12): string {
  const d = join(dir, name);
  mkdirSync(d);
  const images = (n: number) => encodeIdxU8([n, size, size], Array.from({ length: n * size * size }, (_, i) => (i * 37) % 256));
  const labels = (n: number) => encodeIdxU8([n], Array.from({ length: n }, (_, i) => i % 4));
  const files = { trainImages: images(16), trainLabels: labels(16), testImages: images(8), testLabels: labels(8), ...edit };
  writeFileSync(join(d, 'train-images-idx3-ubyte'), files.trainImages);
  writeFileSync(join(d, 'train-labels-idx1-ubyte'), files.trainLabels);
  writeFileSync(join(d, 't10k-images-idx3-ubyte'), files.testImages);
  writeFileSync(join(d, 't10k-labels-idx1-ubyte'), files.testLabels);
  return d;
}

describe('siamese train refuses bad data and flags with one line', () => {
  it('wrong magic, NaN / Inf pixels, an empty set, a one-image class, labels out of range, wrong image sizes, bad flags', async () => {
    const pixels = Array.from({ length: 16 * 144 }, () => 0.5);
    const withNaN = pixels.slice();
    withNaN[144 * 2 + 5] = NaN;
    const withInf = pixels.slice();
    withInf[144 * 3] = Infinity;
    const cases: [string, string[], number, RegExp][] = [
      ['magic', ['--data', `idx:${folder('magic', { trainImages: new Uint8Array([0x12, 0x34, 8, 3, 0, 0, 0, 1]) })}`], 1, /train-images-idx3-ubyte: not an IDX file: wrong magic number 0x12 0x34 0x08 0x03/],
      ['nan', ['--data', `idx:${folder('nan', { trainImages: idxF32([16, 12, 12], withNaN) })}`], 1, /train-images-idx3-ubyte: image 2 holds NaN at value 5; pixels must be finite/],
      ['inf', ['--data', `idx:${folder('inf', { trainImages: idxF32([16, 12, 12], withInf) })}`], 1, /train-images-idx3-ubyte: image 3 holds Infinity at value 0; pixels must be finite/],
      ['empty', ['--data', `idx:${folder('empty', { trainImages: encodeIdxU8([0, 12, 12], []), trainLabels: encodeIdxU8([0], []) })}`], 1, /train-images-idx3-ubyte: the data set is empty/],
      // Class 3 has one training image: no positive pair can be made of it.
      ['single', ['--data', `idx:${folder('single', { trainLabels: encodeIdxU8([16], [0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]) })}`], 1, /train-images-idx3-ubyte: class 3 has only 1 training image; every class needs at least 2 \(a positive pair\)/],
      ['label', ['--data', `idx:${folder('label', { testLabels: encodeIdxU8([8], [0, 1, 2, 3, 0, 1, 9, 3]) })}`], 1, /t10k-labels-idx1-ubyte: label 6 is 9, out of range \(expected 0–3\)/],
      ['size', ['--data', `idx:${folder('size', { testImages: encodeIdxU8([8, 10, 10], new Array(800).fill(3)) })}`], 1, /t10k-images-idx3-ubyte: images are 10×10×1, the training images 12×12×1/],
      ['tiny', ['--data', `idx:${folder('tiny', {}, 6)}`], 1, /--data idx:.*tiny: images are 6×6×1; the seed network \(two 3×3 convolutions, each followed by a 2×2 max-pool\) needs at least 10×10/],
      ['lr', ['--lr', 'fast'], 2, /--lr: expected a number, got 'fast'/],
      ['every', ['--checkpoint-every', 'often'], 2, /--checkpoint-every: expected an integer >= 0, got 'often'/],
      ['flag', ['--resum', 'x'], 2, /unknown flag --resum/],
      ['resume', ['--resume', join(dir, 'nowhere')], 1, /--resume .*nowhere: no such folder/],
    ];
    const results = await Promise.all(cases.map(([name, args]) => run(['train', ...args, '--out', join(dir, `out-${name}`), '--quiet'])));
    results.forEach((r, i) => {
      const [name, , code, message] = cases[i];
      expect.soft(r.code, `${name}: ${r.stderr}`).toBe(code);
      const lines = r.stderr.trim().split('\n');
      expect.soft(lines, `${name}: ${r.stderr}`).toHaveLength(1);
      expect.soft(lines[0], name).toMatch(message);
      expect.soft(r.stdout, name).toBe('');
      expect.soft(existsSync(join(dir, `out-${name}`)), `${name} left an output folder`).toBe(false);
    });
  });
});
