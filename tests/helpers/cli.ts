/**
 * What the CLI test files share: running `siamese` as a user does (the tsx wrapper on
 * src/cli/main.ts, in its own process), the one-line check on error output, a tiny IDX folder
 * of real digits to train and evaluate on, and PNG files of single images.
 */
import { expect } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { loadBundledDigits } from '../../src/siamese/data/node-loaders.js';
import { indicesByClass, subset, type ImageSet } from '../../src/siamese/data/image-set.js';
import { encodeIdxU8 } from '../../src/siamese/data/idx.js';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

export interface CliResult {
  /** The exit status; 1 when the process ended without one (killed, timed out). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Kill the command after this many milliseconds (default 240 000). */
  timeoutMs?: number;
  /**
   * Added to this process's environment (default `{ FORCE_COLOR: '0' }`, so that messages
   * compare as plain text); `{}` passes the environment on unchanged.
   */
  env?: Record<string, string>;
}

/** Runs `siamese ...args` and resolves (never rejects) with its exit code and output. */
export function runCli(args: string[], { timeoutMs = 240_000, env = { FORCE_COLOR: '0' } }: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/cli/main.ts', ...args], { timeout: timeoutMs, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
    });
  });
}

/** stderr must be exactly one line naming the problem; returns that line. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0];
}

export interface IdxDigitsOptions {
  /** Training images per class: the first ones of each class. */
  trainPerClass: number;
  /** Test images per class, taken from `testFrom` on, apart from the training ones. */
  testPerClass: number;
  /** Index within each class of the first test image (default 100). */
  testFrom?: number;
  /** Write `*.gz` files, as MNIST is downloaded (default false: raw IDX). */
  gzip?: boolean;
}

/**
 * Writes `folder` (created if missing) as an MNIST-style IDX folder (train-* and t10k-* images
 * and labels, 28×28 u8) of bundled digits, every class alike. Returns the bundled digits it
 * took them from, for tests that need more images of the same set.
 */
export function writeIdxDigits(folder: string, { trainPerClass, testPerClass, testFrom = 100, gzip = false }: IdxDigitsOptions): ImageSet {
  mkdirSync(folder, { recursive: true });
  const all = loadBundledDigits();
  const byClass = indicesByClass(all);
  const pack = gzip ? (b: Uint8Array) => gzipSync(b) : (b: Uint8Array) => b;
  const suffix = gzip ? '.gz' : '';
  const write = (name: string, from: number, count: number) => {
    const s = subset(all, byClass.flatMap((idx) => Array.from(idx.subarray(from, from + count))));
    writeFileSync(join(folder, `${name}-images-idx3-ubyte${suffix}`), pack(encodeIdxU8([s.count, 28, 28], Array.from(s.images, (v) => Math.round(v * 255)))));
    writeFileSync(join(folder, `${name}-labels-idx1-ubyte${suffix}`), pack(encodeIdxU8([s.count], s.labels)));
  };
  write('train', 0, trainPerClass);
  write('t10k', testFrom, testPerClass);
  return all;
}

/** Writes a side×side grayscale PNG of 0–255 values (as a user's image file would be). */
export function writeGrayPng(file: string, gray: ArrayLike<number>, side = 28): void {
  const p = new PNG({ width: side, height: side });
  for (let i = 0; i < side * side; i++) p.data.set([gray[i], gray[i], gray[i], 255], 4 * i);
  writeFileSync(file, PNG.sync.write(p));
}
