/**
 * `folder:DIR` data: PNG subfolders per identity, written here from the bundled digits. Labels
 * by sorted identity name, the pixels of input-sized PNGs exactly, resizing of other sizes,
 * the seeded 80/20 split or train/ + test/, `train --classes` on it, and every error case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadBundledDigits, loadData } from '../src/siamese/data/node-loaders.js';
import { loadImageFolder } from '../src/siamese/data/node-folder.js';
import { imageAt, indicesByClass, type ImageSet } from '../src/siamese/data/image-set.js';
import { trainingClasses, defaultOneshotClasses } from '../src/cli/train-options.js';

let root: string;
let digits: ImageSet;
let byClass: Int32Array[];

/** A gray PNG from values in [0, 1], each pixel repeated `scale` times in x and y. */
function writeDigit(file: string, v: ArrayLike<number>, side = 28, scale = 1): Uint8Array {
  const s = side * scale;
  const p = new PNG({ width: s, height: s });
  const bytes = new Uint8Array(side * side);
  for (let i = 0; i < side * side; i++) bytes[i] = Math.round(v[i] * 255);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const g = bytes[Math.floor(y / scale) * side + Math.floor(x / scale)];
      p.data.set([g, g, g, 255], 4 * (y * s + x));
    }
  }
  writeFileSync(file, PNG.sync.write(p));
  return bytes;
}

/** DIR/<name>/<i>.png for each identity: `count` images of digit `digit`. */
function writeFolder(dir: string, ids: Record<string, { digit: number; count: number; offset?: number }>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, { digit, count, offset = 0 }] of Object.entries(ids)) {
    mkdirSync(join(dir, name));
    for (let i = 0; i < count; i++) writeDigit(join(dir, name, `img${i}.png`), imageAt(digits, byClass[digit][offset + i]));
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'folder-data-'));
  digits = loadBundledDigits();
  byClass = indicesByClass(digits);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('folder:DIR', () => {
  it('labels identities by sorted name, keeps 28×28 pixels exactly, splits 80/20 per identity, the same way every time', () => {
    const dir = join(root, 'ids');
    // Names out of order on purpose: labels follow the sorted names (bob 0, carol 1, dave 2).
    writeFolder(dir, { dave: { digit: 7, count: 5 }, bob: { digit: 3, count: 10 }, carol: { digit: 0, count: 2 } });
    writeFileSync(join(dir, 'bob', '.DS_Store'), 'x'); // hidden files are skipped
    const d = loadData(`folder:${dir}`);
    expect(d.classNames).toEqual(['bob', 'carol', 'dave']);
    // round(20%) of each identity to test: bob 2 of 10, carol 0 of 2, dave 1 of 5.
    const count = (s: ImageSet, c: number) => s.labels.filter((l) => l === c).length;
    expect([0, 1, 2].map((c) => count(d.train, c))).toEqual([8, 2, 4]);
    expect([0, 1, 2].map((c) => count(d.test, c))).toEqual([2, 0, 1]);
    expect([d.train.height, d.train.width, d.train.channels, d.train.numClasses]).toEqual([28, 28, 1, 3]);
    expect(d.description).toMatch(/3 identities; 14 train, 3 test, per-identity 80\/20 split/);
    // Every image is one of its identity's PNGs, pixel for pixel (byte / 255): 28×28 pictures
    // are taken as they are. 1e-6: the luminance weights .299 + .587 + .114 sum to 1 only up to
    // rounding; one byte step is 1/255 ≈ 4e-3, so this still pins every byte.
    const source = { 0: byClass[3].subarray(0, 10), 1: byClass[0].subarray(0, 2), 2: byClass[7].subarray(0, 5) } as Record<number, Int32Array>;
    for (const s of [d.train, d.test]) {
      for (let i = 0; i < s.count; i++) {
        const img = imageAt(s, i);
        const match = Array.from(source[s.labels[i]]).some((j) => imageAt(digits, j).every((v, k) => Math.abs(Math.round(v * 255) / 255 - img[k]) < 1e-6));
        expect(match, `${s.source} image ${i}`).toBe(true);
      }
    }
    const again = loadData(`folder:${dir}`);
    expect(Array.from(again.test.images)).toEqual(Array.from(d.test.images));
  });

  it("resizes other sizes to 28×28, or to a checkpoint's input size", () => {
    const dir = join(root, 'sizes');
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      writeDigit(join(dir, 'a', `${i}.png`), imageAt(digits, byClass[1][i]), 28, 2); // 56×56
      writeDigit(join(dir, 'b', `${i}.png`), imageAt(digits, byClass[8][i]), 28, 3); // 84×84
    }
    for (const [shape, side] of [[undefined, 28], [[20, 20, 1], 20]] as const) {
      const d = loadImageFolder(dir, shape ? { inputShape: shape } : {});
      expect([d.train.height, d.train.width, d.train.channels]).toEqual([side, side, 1]);
      for (let i = 0; i < d.train.count; i++) {
        const img = imageAt(d.train, i);
        expect(img.length).toBe(side * side);
        // Normalised to [0, 1] with the brightest pixel at 1; the ink is near the centre,
        // not at the border (the picture's content box is centred).
        expect(Math.max(...img)).toBe(1);
        expect(Math.min(...img)).toBeGreaterThanOrEqual(0);
        const border = img.filter((_, k) => k % side === 0 || k < side || k >= side * (side - 1) || k % side === side - 1);
        expect(Math.max(...border)).toBe(0);
      }
    }
    expect(() => loadImageFolder(dir, { inputShape: [28, 20, 1] })).toThrow(/feed square one-channel models \(H×W×1\); this model takes 28×20×1/);
  });

  it('DIR/train and DIR/test: split as given; identities only in test/ are unseen classes', () => {
    const dir = join(root, 'given');
    writeFolder(join(dir, 'train'), { x: { digit: 1, count: 3 }, y: { digit: 2, count: 2 } });
    writeFolder(join(dir, 'test'), { x: { digit: 1, count: 1, offset: 5 }, z: { digit: 9, count: 2 } });
    const d = loadData(`folder:${dir}`);
    expect(d.classNames).toEqual(['x', 'y', 'z']);
    expect(Array.from(d.train.labels)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(d.test.labels)).toEqual([0, 2, 2]);
    expect(d.test.numClasses).toBe(3);
    expect(d.description).toMatch(/3 identities; 5 train, 3 test from train\/ and test\//);
  });

  it('errors name the folder or file and what was expected', () => {
    const bad = (name: string) => join(root, 'bad', name);
    mkdirSync(bad('empty'), { recursive: true });
    writeFolder(bad('loose'), { a: { digit: 1, count: 2 } });
    writeFileSync(bad('loose/readme.txt'), 'hi');
    writeFolder(bad('noPng'), { a: { digit: 1, count: 2 } });
    mkdirSync(bad('noPng/b'));
    writeFolder(bad('txt'), { a: { digit: 1, count: 2 } });
    writeFileSync(bad('txt/a/notes.txt'), 'hi');
    writeFolder(bad('corrupt'), { a: { digit: 1, count: 2 } });
    writeFileSync(bad('corrupt/a/broken.png'), 'not a png');
    writeFolder(bad('one'), { a: { digit: 1, count: 3 }, solo: { digit: 2, count: 1 } });
    writeFolder(bad('trainOnly/train'), { a: { digit: 1, count: 2 } });
    writeFolder(bad('tiny'), { a: { digit: 1, count: 2 }, b: { digit: 2, count: 2 } });
    writeFolder(bad('nested'), { a: { digit: 1, count: 2 } });
    mkdirSync(bad('nested/a/deeper'));
    mkdirSync(bad('blank/a'), { recursive: true });
    writeDigit(bad('blank/a/0.png'), new Float32Array(784), 28, 2);
    writeDigit(bad('blank/a/1.png'), new Float32Array(784), 28, 2);
    const cases: [string, RegExp][] = [
      [bad('nowhere'), /folder:.*nowhere: no such folder/],
      [bad('empty'), /folder:.*empty: the folder is empty \(expected one subfolder of PNG images per identity\)/],
      [bad('loose'), /loose\/readme.txt: not a folder/],
      [bad('noPng'), /noPng\/b: no PNG images in identity 'b'/],
      [bad('txt'), /txt\/a\/notes.txt: not a PNG file \(only .png images are read\)/],
      [bad('corrupt'), /corrupt\/a\/broken.png: cannot read as PNG/],
      [bad('one'), /identity 'solo' has 1 image; training needs at least 2 per identity/],
      [bad('trainOnly'), /has train\/ but no test\//],
      [bad('tiny'), /the 20% test split is empty \(every identity has 2 images\)/],
      [bad('nested'), /nested\/a\/deeper: a folder inside identity 'a'/],
      [bad('blank'), /blank\/a\/0.png: the 56×56 picture is blank/],
    ];
    for (const [dir, message] of cases) expect(() => loadData(`folder:${dir}`), dir).toThrow(message);
    expect(() => loadData('folder:')).toThrow("--data folder:: expected 'bundled', 'idx:DIR' or 'folder:DIR'");
  });
});

describe('train --classes', () => {
  it('keeps only those classes in training, leaves the test split alone, and records the held-out ones', () => {
    const data = loadData('bundled');
    const { train, classes, heldOut } = trainingClasses(data, '0-6');
    expect(classes).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(heldOut).toEqual([7, 8, 9]);
    const perClass = (s: ImageSet) => indicesByClass(s).map((i) => i.length);
    const full = perClass(data.train);
    expect(perClass(train)).toEqual([...full.slice(0, 7), 0, 0, 0]);
    // The images themselves are the training split's images of those classes, in order.
    const kept = Array.from(data.train.labels.keys()).filter((i) => data.train.labels[i] < 7);
    expect(imageAt(train, 100)).toEqual(imageAt(data.train, kept[100]));
    expect(() => trainingClasses(data, '3')).toThrow(/training needs at least 2 classes/);
    expect(() => trainingClasses(data, '5-12')).toThrow(/class 10 does not exist \(the data has classes 0–9\)/);
    // oneshot's default: the held-out classes, only for the data trained on.
    const facts = { data: 'bundled', classes, heldOutClasses: heldOut };
    expect(defaultOneshotClasses(facts, 'bundled')).toEqual([7, 8, 9]);
    expect(defaultOneshotClasses(facts, 'idx:elsewhere')).toBeUndefined();
    expect(defaultOneshotClasses({ data: 'bundled' }, 'bundled')).toBeUndefined();
  });
});
